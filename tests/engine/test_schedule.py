"""The weekly schedule: volumes per stage and ISO week, work dated before the start (pac.engine.schedule)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings

from pac.engine import model
from pac.engine.funnel import FunnelInputError, reverse_funnel
from pac.engine.model import Metric, Stage
from pac.engine.schedule import weekly_schedule
from pac.engine.workdays import IsoWeek, is_business_day

from .strategies import (
    business_day_on_or_before,
    scheduled_plans,
    working_days,
)


def _business_days(plan: model.Plan) -> list[dt.date]:
    days = [plan.start + dt.timedelta(days=i) for i in range(plan.days)]
    return [d for d in days if is_business_day(d, plan.country)]


@settings(max_examples=150, deadline=None)
@given(scheduled_plans())
def test_it_schedules_each_stage_total_exactly_in_whole_non_negative_weekly_volumes(plan: model.Plan) -> None:
    funnel = reverse_funnel(plan)
    try:
        schedule = weekly_schedule(plan, funnel)
    except FunnelInputError as error:  # nowhere to put the work: said, never silently misplaced
        business = _business_days(plan)
        if error.code == "plan_no_business_day":
            assert business == []
        else:
            assert error.code == "funnel_weights_on_days_off" and plan.weekly_weights is not None
            weeks = [IsoWeek.of(d) for d in business]
            assert all(
                w == 0 for week, w in zip(schedule_weeks(plan), plan.weekly_weights, strict=True) if week in weeks
            )
        return
    for stage_volume in funnel.stages:
        assert schedule.total(stage_volume.stage) == stage_volume.volume
        assert all(r.volume >= 0 for r in schedule.rows if r.stage is stage_volume.stage)
    first, last = IsoWeek.of(plan.start), IsoWeek.of(plan.end)
    for row in schedule.rows:
        assert row.week <= last  # work moves earlier, never after the plan
        if not row.before_plan:
            assert row.week >= first
        else:
            assert row.week <= first
    if plan.weekly_weights is not None:
        for week, weight in zip(schedule.plan_weeks, plan.weekly_weights, strict=True):
            if weight == 0:
                assert schedule.volume(week, Stage.WON) == 0


def schedule_weeks(plan: model.Plan) -> list[IsoWeek]:
    first, weeks = IsoWeek.of(plan.start), []
    while first <= IsoWeek.of(plan.end):
        weeks.append(first)
        first = first.shift(1)
    return weeks


def test_it_spreads_wins_over_the_working_days_when_there_are_no_weights(small_plan) -> None:
    schedule = weekly_schedule(plan := small_plan(wins=20), reverse_funnel(plan))

    # 20 wins over 4 full weeks of 5 working days: 5 a week
    assert [schedule.volume(w, Stage.WON) for w in schedule.plan_weeks] == [5, 5, 5, 5]


def test_it_follows_the_weekly_weights(small_plan) -> None:
    plan = small_plan(wins=20, weights=[1, 0, 0, 3])
    schedule = weekly_schedule(plan, reverse_funnel(plan))

    assert [schedule.volume(w, Stage.WON) for w in schedule.plan_weeks] == [5, 0, 0, 15]


def test_it_puts_no_work_on_a_weighted_week_without_business_days(small_plan) -> None:
    """A plan starting on a Saturday: its first ISO week has no business day in the plan. A weight
    there carries nothing (no work is dated on a day off); weights only there are refused."""
    plan = small_plan(wins=4, start=dt.date(2027, 1, 2), end=dt.date(2027, 1, 17), weights=[1, 1, 2])
    schedule = weekly_schedule(plan, reverse_funnel(plan))

    assert schedule.plan_weeks[0] == IsoWeek(2026, 53)
    assert [schedule.volume(w, Stage.WON) for w in schedule.plan_weeks] == [0, 1, 3]

    only_there = small_plan(wins=4, start=dt.date(2027, 1, 2), end=dt.date(2027, 1, 17), weights=[1, 0, 0])
    with pytest.raises(FunnelInputError) as refused:
        weekly_schedule(only_there, reverse_funnel(only_there))
    assert refused.value.code == "funnel_weights_on_days_off"


def test_it_says_a_plan_without_business_day_cannot_be_scheduled(small_plan) -> None:
    """Christmas weekend 2027 (Saturday 25 to Sunday 26 December): today every win used to land on
    its first day; now the schedule says there is no business day to put them on."""
    plan = small_plan(wins=12, start=dt.date(2027, 12, 25), end=dt.date(2027, 12, 26))

    with pytest.raises(FunnelInputError) as refused:
        weekly_schedule(plan, reverse_funnel(plan))

    assert refused.value.code == "plan_no_business_day"
    assert refused.value.params["start"] == dt.date(2027, 12, 25)


def _wins_in_one_week(week: int) -> model.Plan:
    """12 wins of a 12-week quarter, all in ``week`` (1 to 12), after a demo and a proposal."""
    return model.Plan(
        name=f"Wins in week {week}",
        start=dt.date(2027, 1, 4),
        end=dt.date(2027, 3, 28),
        objectives=(model.Objective("wins", Metric.WINS, Decimal(12), dt.date(2027, 3, 28)),),
        steps=(
            model.FunnelStep(Stage.DEMO, Decimal("0.3"), 14),
            model.FunnelStep(Stage.PROPOSAL, Decimal("0.6"), 21),
            model.FunnelStep(Stage.WON),
        ),
        weekly_weights=tuple(Decimal(1 if w == week else 0) for w in range(1, 13)),
    )


def test_it_moves_upper_stages_earlier_by_their_days_to_won() -> None:
    """All wins land in the twelfth week, so proposals (21 days before a win) land exactly three
    weeks earlier and demos (14 + 21 = 35 days) five weeks earlier."""
    plan = _wins_in_one_week(12)
    schedule = weekly_schedule(plan, reverse_funnel(plan))

    def weeks_of(stage: Stage) -> dict[IsoWeek, int]:
        return {r.week: r.volume for r in schedule.rows if r.stage is stage}

    assert weeks_of(Stage.WON) == {IsoWeek(2027, 12): 12}
    assert weeks_of(Stage.PROPOSAL) == {IsoWeek(2027, 9): 20}
    assert weeks_of(Stage.DEMO) == {IsoWeek(2027, 7): 67}
    assert schedule.before_plan() == {}


def test_it_reports_volume_dated_before_the_plan_start_as_before_plan() -> None:
    """All wins in the first week: their proposals (21 days earlier) and demos (35 days earlier)
    are work that must already be under way when the plan starts."""
    plan = _wins_in_one_week(1)
    schedule = weekly_schedule(plan, reverse_funnel(plan))

    assert schedule.before_plan() == {Stage.PROPOSAL: 20, Stage.DEMO: 67}
    proposals = [r for r in schedule.rows if r.stage is Stage.PROPOSAL]
    assert [(r.week, r.before_plan) for r in proposals] == [(IsoWeek(2026, 51), True)]
    assert schedule.volume(IsoWeek(2027, 1), Stage.WON, before_plan=False) == 12


def test_it_dates_the_demo_plan_pipeline_before_start_by_each_stage_lead_time(demo_plan: model.Plan) -> None:
    """Wins are spread evenly over the 62 business days of the quarter (64 weekdays less New Year's
    Day and Easter Monday); a stage's volume is before the plan when its win day minus the stage's
    days-to-won, moved back to a business day, falls before 1 January. Cumulative rounding gives the
    first k of n days round(volume × k / n)."""
    funnel = reverse_funnel(demo_plan)
    before = weekly_schedule(demo_plan, funnel).before_plan()

    days = working_days(demo_plan.start, demo_plan.end, holidays_too=True)
    assert len(days) == 62
    for s in funnel.stages:
        early = sum(
            1 for d in days if business_day_on_or_before(d - dt.timedelta(days=s.days_to_won)) < demo_plan.start
        )
        expected = int((Decimal(s.volume) * early / len(days)).to_integral_value(ROUND_HALF_UP))
        assert before.get(s.stage, 0) == expected, s.stage
    assert before[Stage.LEAD] == 929  # 43 of the 62 win days need their leads before 1 January


def test_it_keeps_a_partial_first_week_apart_from_the_work_before_the_start(demo_plan: model.Plan) -> None:
    """1 January 2027, a Friday and a public holiday, is the plan's only weekday in ISO week 2026-W53:
    the week's work (28–31 December) is pipeline before the start, none of it falls inside the plan."""
    schedule = weekly_schedule(demo_plan, reverse_funnel(demo_plan))
    week = IsoWeek(2026, 53)

    assert schedule.plan_weeks[0] == week
    inside = schedule.volume(week, Stage.LEAD, before_plan=False)
    outside = schedule.volume(week, Stage.LEAD, before_plan=True)
    assert inside == 0 and outside > 0
    assert outside == schedule.volume(week, Stage.LEAD)
