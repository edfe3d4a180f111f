"""Reverse funnel, weekly schedule and capacity (pac.engine.funnel)."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from decimal import ROUND_HALF_UP, Decimal

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pac.engine import model
from pac.engine.calendar import IsoWeek
from pac.engine.funnel import (
    FunnelInputError,
    capacity,
    revenue_target,
    reverse_funnel,
    weekly_schedule,
)
from pac.engine.model import Metric, Period, Role, Stage

UPPER_STAGES = [s for s in Stage if s is not Stage.WON]


def _iso_week_count(start: dt.date, end: dt.date) -> int:
    """ISO weeks touched by [start, end], counted from the Mondays (independently of the engine)."""
    first = start - dt.timedelta(days=start.weekday())
    last = end - dt.timedelta(days=end.weekday())
    return (last - first).days // 7 + 1


FR_HOLIDAYS = set(holidays.country_holidays("FR", years=range(2025, 2031)))


def _working_days(start: dt.date, end: dt.date, holidays_too: bool = False) -> list[dt.date]:
    """Weekdays of [start, end]; with ``holidays_too``, French public holidays left out as well."""
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return [d for d in days if d.weekday() < 5 and not (holidays_too and d in FR_HOLIDAYS)]


def _business_day_on_or_before(day: dt.date) -> dt.date:
    while day.weekday() >= 5 or day in FR_HOLIDAYS:
        day -= dt.timedelta(days=1)
    return day


@st.composite
def funnels(draw: st.DrawFn) -> tuple[model.FunnelStep, ...]:
    """Some canonical stages in order, rates from 5 % to 100 % in 0.1 % steps, then won."""
    upper = sorted(
        draw(st.lists(st.sampled_from(UPPER_STAGES), min_size=1, max_size=6, unique=True)), key=lambda s: s.order
    )
    steps = [
        model.FunnelStep(stage, Decimal(draw(st.integers(50, 1000))) / 1000, draw(st.integers(0, 60)))
        for stage in upper
    ]
    return (*steps, model.FunnelStep(Stage.WON))


@st.composite
def revenue_plans(draw: st.DrawFn) -> model.Plan:
    start = draw(st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)))
    end = start + dt.timedelta(days=draw(st.integers(1, 150)))
    revenue = Decimal(draw(st.integers(1, 5_000_000)))
    average_deal = Decimal(draw(st.integers(100, 20_000_000))) / 100
    return model.Plan(
        name="P",
        start=start,
        end=end,
        average_deal=average_deal,
        steps=draw(funnels()),
        objectives=(model.Objective("rev", Metric.REVENUE, revenue, end),),
    )


@st.composite
def scheduled_plans(draw: st.DrawFn) -> model.Plan:
    """Plans of 1 day to ~7 months, with or without weekly weights (one per ISO week, some 0)."""
    start = draw(st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)))
    end = start + dt.timedelta(days=draw(st.integers(0, 200)))
    weights = None
    if draw(st.booleans()):
        count = _iso_week_count(start, end)
        values = draw(st.lists(st.integers(0, 5), min_size=count, max_size=count))
        values[draw(st.integers(0, count - 1))] = draw(st.integers(1, 5))  # a positive sum
        weights = tuple(Decimal(v) for v in values)
    wins = Decimal(draw(st.integers(1, 500)))
    return model.Plan(
        name="P",
        start=start,
        end=end,
        steps=draw(funnels()),
        weekly_weights=weights,
        objectives=(model.Objective("wins", Metric.WINS, wins, end),),
    )


# --- the reverse funnel -------------------------------------------------------------------------


def test_it_gives_the_design_example_volumes(design_plan: model.Plan) -> None:
    funnel = reverse_funnel(design_plan)

    volumes = {s.stage: s.volume for s in funnel.stages}
    assert volumes == {
        Stage.LEAD: 1340,
        Stage.MQL: 335,
        Stage.SQL: 134,
        Stage.DEMO: 67,
        Stage.PROPOSAL: 20,
        Stage.WON: 12,
    }
    assert funnel.won == 12
    assert funnel.revenue_target == 1_000_000


def test_it_sums_the_days_below_a_stage_as_its_lead_time(design_plan: model.Plan) -> None:
    funnel = reverse_funnel(design_plan)

    # days below each stage: proposal 21, demo 14+21, sql 10+35, mql 7+45, lead 7+52
    assert {s.stage: s.days_to_won for s in funnel.stages} == {
        Stage.LEAD: 59,
        Stage.MQL: 52,
        Stage.SQL: 45,
        Stage.DEMO: 35,
        Stage.PROPOSAL: 21,
        Stage.WON: 0,
    }
    assert funnel.lead_time_days == 59


def test_it_divides_in_exact_decimals(small_plan) -> None:
    assert reverse_funnel(small_plan(wins=12, rate="0.6")).volume(Stage.DEMO) == 20  # never 21

    assert math.ceil(21 / 0.7) == 31  # binary floats make 21 ÷ 0.7 a hair above 30…
    assert reverse_funnel(small_plan(wins=21, rate="0.7")).volume(Stage.DEMO) == 30  # …not decimals


def test_it_rounds_wins_up_only_when_the_revenue_is_not_a_whole_number_of_deals(small_plan) -> None:
    def wins_for(revenue: int, average_deal: int) -> int:
        plan = small_plan(
            average_deal=Decimal(average_deal),
            objectives=(model.Objective("rev", Metric.REVENUE, Decimal(revenue), dt.date(2027, 1, 31)),),
        )
        return reverse_funnel(plan).won

    assert wins_for(1_000_000, 100_000) == 10
    assert wins_for(1_000_000, 83_334) == 12  # 11.99995 deals: a 12th is needed
    assert wins_for(1_000_001, 100_000) == 11


def test_it_multiplies_a_recurring_revenue_objective_over_the_plan(small_plan) -> None:
    plan = small_plan(
        average_deal=Decimal(1000),
        objectives=(
            model.Objective("weekly", Metric.REVENUE, Decimal(5000), per=Period.WEEK),
            model.Objective("once", Metric.REVENUE, Decimal(2000), dt.date(2027, 1, 31)),
        ),
    )

    assert revenue_target(plan) == 4 * 5000 + 2000  # the plan is 28 days: 4 weeks
    assert reverse_funnel(plan).won == 22


def test_it_takes_the_wins_from_a_wins_objective_when_there_is_no_revenue(small_plan) -> None:
    funnel = reverse_funnel(small_plan(wins=7))

    assert funnel.won == 7
    assert funnel.revenue_target is None
    assert funnel.volume(Stage.DEMO) == 14


def test_it_needs_a_target_to_run_the_funnel(small_plan) -> None:
    with pytest.raises(FunnelInputError) as raised:
        reverse_funnel(small_plan(objectives=(model.Objective("demos", Metric.DEMOS, Decimal(30), per=Period.WEEK),)))

    assert raised.value.code == "funnel_no_target"


@settings(max_examples=150, deadline=None)
@given(revenue_plans())
def test_it_asks_for_volumes_that_reach_the_target_when_pushed_forward(plan: model.Plan) -> None:
    funnel = reverse_funnel(plan)

    target = plan.objectives[0].target
    assert target is not None and plan.average_deal is not None
    assert funnel.won * plan.average_deal >= target
    for upper, lower in itertools.pairwise(funnel.stages):
        assert upper.rate is not None
        assert upper.volume * upper.rate >= lower.volume


@settings(max_examples=150, deadline=None)
@given(revenue_plans())
def test_it_asks_for_no_more_than_the_target_needs(plan: model.Plan) -> None:
    """One unit fewer at any stage would miss the next stage (or the revenue): no padding."""
    funnel = reverse_funnel(plan)

    target = plan.objectives[0].target
    assert target is not None and plan.average_deal is not None
    assert (funnel.won - 1) * plan.average_deal < target
    for upper, lower in itertools.pairwise(funnel.stages):
        assert upper.rate is not None
        assert (upper.volume - 1) * upper.rate < lower.volume


@settings(max_examples=150, deadline=None)
@given(revenue_plans())
def test_it_never_decreases_volumes_going_up_the_funnel(plan: model.Plan) -> None:
    volumes = [s.volume for s in reverse_funnel(plan).stages]

    assert volumes == sorted(volumes, reverse=True)


# --- the weekly schedule ------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(scheduled_plans())
def test_it_schedules_each_stage_total_exactly_in_whole_non_negative_weekly_volumes(plan: model.Plan) -> None:
    funnel = reverse_funnel(plan)
    schedule = weekly_schedule(plan, funnel)

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


def test_it_spreads_wins_over_the_working_days_when_there_are_no_weights(small_plan) -> None:
    schedule = weekly_schedule(plan := small_plan(wins=20), reverse_funnel(plan))

    # 20 wins over 4 full weeks of 5 working days: 5 a week
    assert [schedule.volume(w, Stage.WON) for w in schedule.plan_weeks] == [5, 5, 5, 5]


def test_it_follows_the_weekly_weights(small_plan) -> None:
    plan = small_plan(wins=20, weights=[1, 0, 0, 3])
    schedule = weekly_schedule(plan, reverse_funnel(plan))

    assert [schedule.volume(w, Stage.WON) for w in schedule.plan_weeks] == [5, 0, 0, 15]


def test_it_gives_a_weighted_weekend_only_week_its_weight(small_plan) -> None:
    """A plan starting on a Saturday: its first ISO week has no working day in the plan, yet the
    weights put everything there. The schedule must not fail and must honour the weight."""
    plan = small_plan(wins=4, start=dt.date(2027, 1, 2), end=dt.date(2027, 1, 17), weights=[1, 0, 0])
    schedule = weekly_schedule(plan, reverse_funnel(plan))

    assert schedule.plan_weeks[0] == IsoWeek(2026, 53)
    assert [schedule.volume(w, Stage.WON) for w in schedule.plan_weeks] == [4, 0, 0]


def test_it_moves_upper_stages_earlier_by_their_days_to_won() -> None:
    """All wins land in the twelfth week, so proposals (21 days before a win) land exactly three
    weeks earlier and demos (14 + 21 = 35 days) five weeks earlier."""
    plan = model.Plan(
        name="One week of wins",
        start=dt.date(2027, 1, 4),
        end=dt.date(2027, 3, 28),
        objectives=(model.Objective("wins", Metric.WINS, Decimal(12), dt.date(2027, 3, 28)),),
        steps=(
            model.FunnelStep(Stage.DEMO, Decimal("0.3"), 14),
            model.FunnelStep(Stage.PROPOSAL, Decimal("0.6"), 21),
            model.FunnelStep(Stage.WON),
        ),
        weekly_weights=(*[Decimal(0)] * 11, Decimal(1)),
    )
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
    plan = model.Plan(
        name="Early wins",
        start=dt.date(2027, 1, 4),
        end=dt.date(2027, 3, 28),
        objectives=(model.Objective("wins", Metric.WINS, Decimal(12), dt.date(2027, 3, 28)),),
        steps=(
            model.FunnelStep(Stage.DEMO, Decimal("0.3"), 14),
            model.FunnelStep(Stage.PROPOSAL, Decimal("0.6"), 21),
            model.FunnelStep(Stage.WON),
        ),
        weekly_weights=(Decimal(1), *[Decimal(0)] * 11),
    )
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

    days = _working_days(demo_plan.start, demo_plan.end, holidays_too=True)
    assert len(days) == 62
    for s in funnel.stages:
        early = sum(
            1 for d in days if _business_day_on_or_before(d - dt.timedelta(days=s.days_to_won)) < demo_plan.start
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


# --- capacity -----------------------------------------------------------------------------------


def _role(roles, name: str):
    return next(rc for rc in roles if rc.role == name)


def test_it_counts_effort_times_volume_as_the_hours_needed(design_plan: model.Plan) -> None:
    roles = capacity(design_plan, weekly_schedule(design_plan, reverse_funnel(design_plan)))

    sdr, ae = _role(roles, "sdr"), _role(roles, "ae")
    # all of it: inside the plan plus the pipeline work dated before the start
    assert sdr.hours_needed + sdr.hours_before_plan == Decimal("0.25") * 1340
    assert ae.hours_needed + ae.hours_before_plan == Decimal("1.5") * 67 + 4 * 20
    assert sdr.hours_before_plan == Decimal("0.25") * 929


def test_it_compares_hours_needed_with_headcount_times_hours(small_plan) -> None:
    plan = small_plan(wins=20, demo_hours="2", headcount=1)
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    # 40 demos × 2 h, against 1 AE × 35 h × 4 weeks
    assert ae.hours_needed == 80
    assert ae.hours_available == 140
    assert ae.utilisation == Decimal(80) / 140
    assert [w.hours_needed for w in ae.weeks] == [20, 20, 20, 20]
    assert ae.weeks_over_capacity == []
    assert ae.headcount_needed == 1


def test_it_counts_hours_dated_before_the_start_apart(small_plan) -> None:
    plan = small_plan(wins=20, days=7)
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    # demos come a week before their wins: the first week's 10 demos fall in 2026-W53
    assert ae.hours_before_plan == 2 * 10
    assert ae.hours_needed == 2 * 30


def test_it_prorates_the_hours_available_in_a_partial_week(small_plan) -> None:
    plan = small_plan(start=dt.date(2027, 1, 6))  # a Wednesday: 3 working days in week 1
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    assert [w.hours_available for w in ae.weeks] == [21, 35, 35, 35]


def test_it_lists_the_weeks_over_100_percent_and_the_headcount_they_need(small_plan) -> None:
    plan = small_plan(wins=20, weights=[1, 0, 0, 3])
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    # demos per week 10, 0, 0, 30 → 20 h, 0, 0, 60 h for one AE with 35 h
    assert ae.weeks_over_capacity == [IsoWeek(2027, 4)]
    assert ae.peak_utilisation == Decimal(60) / 35
    assert ae.utilisation is not None and ae.utilisation < 1
    assert ae.headcount_needed == 2


def test_it_sizes_the_team_for_an_overloaded_role(small_plan) -> None:
    plan = small_plan(wins=20, demo_hours="10", headcount=2)
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    # 100 h a week for people of 35 h: 3 people
    assert ae.utilisation == Decimal(400) / 280
    assert len(ae.weeks_over_capacity) == 4
    assert ae.headcount_needed == 3


def test_it_reports_a_role_with_effort_but_nobody_in_the_team(small_plan) -> None:
    plan = small_plan(wins=20, team=())
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    assert (ae.role, ae.headcount, ae.hours_available) == ("ae", 0, 0)
    assert ae.hours_needed == 80
    assert ae.utilisation is None
    assert ae.headcount_needed == 1


def test_it_gives_a_role_without_effort_no_load(small_plan) -> None:
    plan = small_plan(team=(model.TeamRole(Role.AE, 1, Decimal(35)), model.TeamRole(Role.SDR, 2, Decimal(35))))
    roles = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    sdr = _role(roles, "sdr")
    assert sdr.hours_needed == 0
    assert sdr.hours_available == 2 * 35 * 4
    assert sdr.headcount_needed == 0
