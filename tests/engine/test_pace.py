"""The burn-up and the rolling re-plan of a cumulative objective."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pac.engine.pace import pace
from pac.engine.planfile import parse_plan_file, to_plan
from pac.engine.progress import expected_share
from pac.engine.workdays import IsoWeek

from ..plans import DESIGN_PLAN

PLAN = to_plan(parse_plan_file(DESIGN_PLAN))  # Q1 2027, France: 1 January and Easter Monday are off
TARGET = Decimal(1_000_000)


def test_the_original_weeks_add_up_to_the_target_and_follow_the_expected_share() -> None:
    found = pace(PLAN, TARGET, {}, dt.date(2026, 12, 1))
    assert sum(w.planned for w in found.weeks) == TARGET
    assert found.weeks[0].week == IsoWeek(2026, 53) and found.weeks[-1].week == IsoWeek(2027, 13)
    for week in found.weeks:  # the burn-up's plan line is the progress bar's expected share
        sunday = min(week.week.monday + dt.timedelta(days=6), PLAN.end)
        assert abs(week.planned_to_date - TARGET * expected_share(PLAN, sunday)) < 1
    easter = next(w for w in found.weeks if w.week == IsoWeek(2027, 13))  # Easter Monday off, plan ends Wednesday
    full = next(w for w in found.weeks if w.week == IsoWeek(2027, 10))
    assert easter.business_days == 2 and full.business_days == 5 and easter.planned < full.planned


def test_a_team_behind_plan_sees_the_weeks_left_grow_by_what_is_missing() -> None:
    today = dt.date(2027, 2, 15)  # Monday of week 7
    brought = {IsoWeek(2027, n): Decimal(40_000) for n in range(1, 7)}  # 240 000 € in six weeks
    found = pace(PLAN, TARGET, brought, today)

    assert found.actual_to_date == Decimal(240_000) and found.remaining == Decimal(760_000)
    past = [w for w in found.weeks if w.past]
    to_come = [w for w in found.weeks if not w.past]
    assert [w.week.week for w in past] == [53, 1, 2, 3, 4, 5, 6]
    assert all(w.actual is not None and w.replanned is None for w in past)
    assert all(w.actual is not None for w in to_come[:1]) and all(w.actual is None for w in to_come[1:])
    assert sum(w.replanned or 0 for w in to_come) == found.remaining
    # 760 000 € over the business days left, week by week in proportion
    days_left = sum(w.business_days for w in to_come)
    week_ten = next(w for w in to_come if w.week == IsoWeek(2027, 10))
    assert week_ten.replanned == (Decimal(760_000) * 5 / days_left).quantize(Decimal("0.01"))
    assert week_ten.replanned > week_ten.planned  # behind plan: more asked of each week left
    assert found.replanned_week == next(w.replanned for w in to_come if w.actual is None and w.business_days == 5)


def test_a_team_ahead_of_target_is_asked_nothing_more() -> None:
    found = pace(PLAN, TARGET, {IsoWeek(2027, 2): Decimal(1_200_000)}, dt.date(2027, 2, 1))
    assert found.remaining == 0
    assert all(w.replanned == 0 for w in found.weeks if not w.past)


def test_the_week_under_way_keeps_what_it_brought_and_shares_the_rest_by_the_days_it_has_left() -> None:
    wednesday = dt.date(2027, 2, 17)
    found = pace(PLAN, TARGET, {IsoWeek(2027, 7): Decimal(10_000)}, wednesday)
    week = next(w for w in found.weeks if w.week == IsoWeek(2027, 7))
    after = next(w for w in found.weeks if w.week == IsoWeek(2027, 8))
    assert not week.past and week.actual == Decimal(10_000) and week.actual_to_date == Decimal(10_000)
    assert abs(week.replanned * 5 - after.replanned * 3) < 1  # Wednesday to Friday: 3 days of 5


@settings(max_examples=200, deadline=None)
@given(
    st.dates(dt.date(2026, 12, 1), dt.date(2027, 4, 30)),
    st.dictionaries(st.integers(1, 13), st.decimals(0, 300_000, places=2), max_size=13),
)
def test_what_remains_is_always_asked_exactly_once(today: dt.date, weekly: dict[int, Decimal]) -> None:
    found = pace(PLAN, TARGET, {IsoWeek(2027, n): v for n, v in weekly.items()}, today)
    to_come = [w.replanned for w in found.weeks if not w.past]
    if to_come:
        assert sum(r or 0 for r in to_come) == found.remaining
    assert sum(w.planned for w in found.weeks) == TARGET
