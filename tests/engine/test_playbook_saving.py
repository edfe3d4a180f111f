"""A plan saved as a playbook (issue 13, custom playbooks): instantiated at the plan's own start and target it
gives the very same plan; at another start every date moves; at another target the sums follow."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from pac.engine import model
from pac.engine.plandiff import Kind, diff_plans
from pac.engine.planfile import plan_data, to_plan
from pac.engine.playbooks import PlaybookError, instantiate, load_builtin, parse_playbook
from pac.engine.playbooks.saving import playbook_from_plan
from pac.engine.workdays import is_business_day


@pytest.fixture(scope="module")
def channel_plan() -> model.Plan:
    made = instantiate(load_builtin("channel-hardware"), {"start": "2027-01-04", "trade_shows": ["2027-04-13"]})
    return to_plan(made.doc)


def _dates(value: Any) -> list[dt.date]:
    if isinstance(value, dt.date):
        return [value]
    if isinstance(value, dict):
        return [d for v in value.values() for d in _dates(v)]
    if isinstance(value, list):
        return [d for v in value for d in _dates(v)]
    return []


def test_the_saved_playbook_gives_the_plan_back_at_its_own_start_and_target(
    channel_plan: model.Plan, design_plan: model.Plan
) -> None:
    for plan in (channel_plan, design_plan):
        playbook = parse_playbook(playbook_from_plan(plan, "mon-plan", "Mon plan"))
        assert [p.name for p in playbook.parameters][:2] == ["start", "target"]
        again = to_plan(instantiate(playbook, {}).doc)
        assert diff_plans(plan, again) == []
        explicit = to_plan(instantiate(playbook, {"start": plan.start.isoformat()}).doc)
        assert diff_plans(plan, explicit) == []


def test_another_start_moves_every_date_and_keeps_business_days(channel_plan: model.Plan) -> None:
    playbook = parse_playbook(playbook_from_plan(channel_plan, "mon-plan", "Mon plan"))
    later = to_plan(instantiate(playbook, {"start": "2027-02-03"}).doc)  # a Wednesday: not whole weeks later
    changes = diff_plans(channel_plan, later)
    # only dates change (a milestone is known by its date: it is removed and added at its new one)
    assert changes
    assert all(isinstance(c.new, dt.date) for c in changes if c.kind is Kind.CHANGED)
    assert all("milestones" in c.where for c in changes if c.kind is not Kind.CHANGED)
    before, after = _dates(plan_data(channel_plan)), _dates(plan_data(later))
    assert len(before) == len(after) > 20
    assert all(b < a for b, a in zip(before, after, strict=True))  # every date later, none left behind
    # what was on a business day stays on one (counted in business days, not calendar days)
    moved = [(b, a) for b, a in zip(before, after, strict=True) if is_business_day(b, "FR")]
    assert len(moved) > 20 and all(is_business_day(a, "FR") for _b, a in moved)


def test_another_target_scales_the_sums_of_money(channel_plan: model.Plan) -> None:
    playbook = parse_playbook(playbook_from_plan(channel_plan, "mon-plan", "Mon plan"))
    double = to_plan(instantiate(playbook, {"target": "3000000"}).doc)
    assert double.objectives[0].target == Decimal(3_000_000)
    assert double.budget == 2 * (channel_plan.budget or 0)
    assert double.average_deal == 2 * (channel_plan.average_deal or 0)
    assert [o.target for o in double.objectives[1:]] == [o.target for o in channel_plan.objectives[1:]]  # counts


def test_words_that_look_like_a_template_stay_words(design_plan: model.Plan) -> None:
    named = dataclasses.replace(design_plan, name='Plan {{ 7 * 7 }} {% if x %}"T1"')
    playbook = parse_playbook(playbook_from_plan(named, "mon-plan", "Mon plan"))
    assert to_plan(instantiate(playbook, {}).doc).name == named.name


def test_a_wrong_name_or_title_is_refused(design_plan: model.Plan) -> None:
    with pytest.raises(PlaybookError) as error:
        playbook_from_plan(design_plan, "Mon Plan", " ")
    assert [p.parameter for p in error.value.problems] == ["name", "title"]
