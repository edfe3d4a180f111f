"""Shared plans for the engine tests.

``DESIGN_PLAN`` is the v1 part of the plan file example in DESIGN.md, copied here so the tests
never read the shared folder; ``demo_plan`` is the example shipped in the package.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import pac.engine
from pac.engine import model
from pac.engine.model import Metric, Role, Stage
from pac.engine.planfile import load_plan_file, parse_plan_file, to_plan

from ..plans import DESIGN_PLAN

DEMO_PLAN_PATH = Path(pac.engine.__file__).parent / "examples" / "saas-midmarket.yaml"


@pytest.fixture
def design_plan() -> model.Plan:
    return to_plan(parse_plan_file(DESIGN_PLAN))


@pytest.fixture
def demo_plan() -> model.Plan:
    return to_plan(load_plan_file(DEMO_PLAN_PATH))


@pytest.fixture
def small_plan() -> Callable[..., model.Plan]:
    """A four-week plan, Monday 2027-01-04 to Sunday 2027-01-31 (ISO weeks 1–4, 20 working days):
    ``wins`` wins from demos converting at 50 % on the same day, one AE demoing."""

    def make(
        wins: int = 20,
        demo_hours: str = "2",
        headcount: int = 1,
        rate: str = "0.5",
        days: int = 0,
        weights: list[int] | None = None,
        **changes: Any,
    ) -> model.Plan:
        plan = model.Plan(
            name="Small",
            start=dt.date(2027, 1, 4),
            end=dt.date(2027, 1, 31),
            objectives=(model.Objective("wins", Metric.WINS, Decimal(wins), dt.date(2027, 1, 31)),),
            steps=(model.FunnelStep(Stage.DEMO, Decimal(rate), days), model.FunnelStep(Stage.WON)),
            weekly_weights=tuple(Decimal(w) for w in weights) if weights is not None else None,
            team=(model.TeamRole(Role.AE, headcount, Decimal(35)),),
            effort=(model.Effort(Stage.DEMO, Role.AE, Decimal(demo_hours)),),
        )
        return dataclasses.replace(plan, **changes)

    return make


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "spark: runs PySpark in local[2] mode (needs Java 17; ~15 s to start)")
