"""Shared fixtures: an owner, a teammate and an outsider, so every page is checked for access."""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLE_PLAN = Path(__file__).resolve().parent.parent / "src" / "pac" / "engine" / "examples" / "saas-midmarket.yaml"


@pytest.fixture
def demo_plan_text() -> str:
    return EXAMPLE_PLAN.read_text(encoding="utf-8")
