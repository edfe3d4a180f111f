"""Shared fixtures: an owner, a teammate and an outsider, so every page is checked for access."""

from __future__ import annotations

from pathlib import Path

import pytest

import pac.engine

EXAMPLE_PLAN = Path(pac.engine.__file__).parent / "examples" / "saas-midmarket.yaml"


@pytest.fixture
def demo_plan_text() -> str:
    return EXAMPLE_PLAN.read_text(encoding="utf-8")
