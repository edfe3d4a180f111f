"""Corrective levers (pac.engine.corrections) and the forward funnel they are checked by (pac.engine.outlook)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pac.engine import model
from pac.engine.capacity import RoleCapacity, WeekLoad
from pac.engine.corrections import Change, Gap, Lever, levers, outlook, to_json
from pac.engine.formatting import Formatter
from pac.engine.funnel import reverse_funnel
from pac.engine.model import Effort, FunnelStep, Metric, Objective, Role, Stage, TeamRole
from pac.engine.workdays import IsoWeek, weeks_between

from .strategies import funnels

D = Decimal
TODAY = dt.date(2027, 1, 11)  # a Monday, plan week 2


def quarter_plan() -> model.Plan:
    """The issue's shape: 1.2 M€ at 20 000 € a deal, SQL → demo → proposal → won at 50 %, 50 %, 25 %,
    a 59-day lead time from SQL; AEs demo and propose, SDRs qualify; the AE hire of February ramps up
    at 50 % in its first month."""
    return model.Plan(
        name="Q1",
        start=dt.date(2027, 1, 4),
        end=dt.date(2027, 3, 28),
        average_deal=D(20000),
        objectives=(Objective("rev", Metric.REVENUE, D(1_200_000), dt.date(2027, 3, 28)),),
        steps=(
            FunnelStep(Stage.SQL, D("0.5"), 24),
            FunnelStep(Stage.DEMO, D("0.5"), 14),
            FunnelStep(Stage.PROPOSAL, D("0.25"), 21),
            FunnelStep(Stage.WON),
        ),
        team=(
            TeamRole(Role.SDR, 2, D(35)),
            TeamRole(Role.AE, 2, D(35)),
            TeamRole(Role.AE, 1, D(35), dt.date(2027, 2, 1), (D("0.5"),)),
        ),
        effort=(
            Effort(Stage.SQL, Role.SDR, D(1)),
            Effort(Stage.DEMO, Role.AE, D("1.5")),
            Effort(Stage.PROPOSAL, Role.AE, D(3)),
        ),
    )


#: 200 000 € booked; 40 proposals, 40 demos and 25 SQLs open (2.1 M€ at 20 000 €); 32 new demos a week.
QUARTER_GAP = Gap(
    booked_revenue=D(200_000),
    open_deals={Stage.PROPOSAL: 40, Stage.DEMO: 40, Stage.SQL: 25},
    weekly_inflow={Stage.DEMO: D(32)},
)


def team_load(plan: model.Plan, free: dict[str, int]) -> list[RoleCapacity]:
    """Each role with 70 hours a week, ``free[role]`` of them not taken by the plan's own work."""
    weeks = weeks_between(plan.start, plan.end)
    return [
        RoleCapacity(role, 2, D(35), tuple(WeekLoad(w, D(70 - hours), D(70), D(35)) for w in weeks))
        for role, hours in free.items()
    ]


def by_code(found: list[Lever], code: str, stage: Stage | None = None) -> Lever:
    return next(
        lever for lever in found if lever.code == code and (stage is None or lever.params.get("stage") is stage)
    )


def hand_expected_wins() -> float:
    """The same forecast by hand: 76 days are left on 2027-01-11; proposals win in 21 days, demos in
    35, SQLs in 59 — all in time; new demos count for the 76 − 35 = 41 days they still can close."""
    proposals = 40 + 0.5 * 40 + 0.5 * 0.5 * 25 + 0.5 * 32 * (76 - 35) / 7
    return 0.25 * proposals


def test_the_gap_is_what_the_pipeline_and_the_pace_leave_of_the_revenue_to_win() -> None:
    found = outlook(quarter_plan(), QUARTER_GAP, TODAY)
    assert found.wins_needed == 50  # (1 200 000 − 200 000) ÷ 20 000
    assert float(found.wins_expected) == pytest.approx(hand_expected_wins())
    assert not found.closed


def test_volume_lever_says_how_many_sqls_by_when_given_the_lead_time() -> None:
    plan = quarter_plan()
    short = math.ceil(50 - hand_expected_wins())
    sqls = math.ceil(math.ceil(math.ceil(short / 0.25) / 0.5) / 0.5)
    lever = by_code(
        levers(plan, QUARTER_GAP, TODAY, roles=team_load(plan, {"sdr": 100, "ae": 100})), "volume", Stage.SQL
    )
    deadline = plan.end - dt.timedelta(days=59)  # an SQL after this cannot win by the end
    assert lever.params["volume"] == sqls
    assert lever.params["lead_time"] == 59
    assert lever.params["deadline"] == deadline == dt.date(2027, 1, 28)
    assert lever.params["weeks"] == 3  # 18 days from Monday 11 January
    assert lever.feasible
    (action,) = lever.actions
    assert (action.start, action.end, action.role, action.status) == (
        TODAY,
        deadline,
        Role.SDR,
        model.ActionStatus.PROPOSED,
    )
    assert action.expected == model.ExpectedOutcome(D(sqls), Stage.SQL)
    assert action.hours == sqls * 1  # one SDR hour per SQL
    assert "59-day lead time" in lever.message()


def test_win_rate_lever_raises_the_last_rate_to_what_the_need_takes() -> None:
    plan = quarter_plan()
    lever = by_code(
        levers(plan, QUARTER_GAP, TODAY, roles=team_load(plan, {"sdr": 100, "ae": 100})), "conversion", Stage.PROPOSAL
    )
    # every expected win passes through the last rate: the wins scale with it
    wanted = math.ceil(0.25 * 50 / hand_expected_wins() * 1000) / 1000
    assert lever.params["from_rate"] == D("0.25")
    assert lever.params["to_rate"] == D(str(wanted)) == D("0.313")
    assert lever.feasible


def test_a_lever_asking_more_hours_than_are_free_is_infeasible_and_names_the_role_and_week() -> None:
    plan = quarter_plan()
    found = levers(plan, QUARTER_GAP, TODAY, roles=team_load(plan, {"sdr": 100, "ae": 10}))
    lever = by_code(found, "volume", Stage.DEMO)
    assert not lever.feasible and lever.reason == "capacity"
    assert lever.binding is not None and lever.binding.role is Role.AE
    assert lever.binding.needed > lever.binding.free == 10
    asked = {week: hours for (role, week), hours in lever.hours.items() if role is Role.AE}
    assert lever.binding.needed == max(asked.values()) and asked[lever.binding.week] == lever.binding.needed
    assert "Account executive" in (lever.why_not() or "")


def test_hire_lever_one_ae_from_week_6_with_the_plans_ramp_up() -> None:
    """The 44 proposals, from Monday 8 February (week 6) to 7 March: 20 business days, 11 a week, 33 AE
    hours a week. With 16 hours free, 17 are missing: one AE at 50 % in the first month gives 17.5."""
    plan = quarter_plan()
    week6 = dt.date(2027, 2, 8)

    def hire_for_proposals(free: int) -> Lever:
        found = levers(plan, QUARTER_GAP, TODAY, roles=team_load(plan, {"sdr": 100, "ae": free}), hire_from=week6)
        assert not by_code(found, "volume", Stage.PROPOSAL).feasible
        return next(h for h in found if h.code == "headcount" and h.params["stage"] is Stage.PROPOSAL)

    hire = hire_for_proposals(16)
    assert hire.params["volume"] == 44 and hire.params["count"] == 1 and hire.feasible
    assert hire.hire == TeamRole(Role.AE, 1, D(35), week6, (D("0.5"),))
    assert (hire.params["week_number"], hire.params["week"]) == (6, "2027-W06")
    assert {hours for (role, _), hours in hire.hours.items() if role is Role.AE} == {D(33)}
    assert "Hire 1 more Account executive from week 6" in hire.message()
    (action,) = hire.actions
    assert (action.start, action.role, action.expected) == (
        week6,
        Role.AE,
        model.ExpectedOutcome(D(44), Stage.PROPOSAL),
    )
    assert hire_for_proposals(15).params["count"] == 2  # 18 missing > 17.5


def test_hires_needed_counted_by_hand(small_plan: Callable[..., model.Plan]) -> None:
    """20 wins at 50 % from demos (2 AE hours each), nothing in the pipeline and no AE hour free: 40
    demos. From Monday 11 January they fit in 15 business days: 13, 14, 13 a week (28 hours at most)."""
    plan = small_plan(wins=20, average_deal=None)
    roles = [
        RoleCapacity(
            "ae", 1, D(35), tuple(WeekLoad(w, D(35), D(35), D(35)) for w in weeks_between(plan.start, plan.end))
        )
    ]
    monday = dt.date(2027, 1, 11)
    found = levers(plan, Gap(), dt.date(2027, 1, 4), roles=roles, hire_from=monday)
    volume = by_code(found, "volume", Stage.DEMO)
    assert volume.params["volume"] == 40 and not volume.feasible
    assert volume.binding is not None and (volume.binding.role, volume.binding.week) == (Role.AE, IsoWeek(2027, 1))
    assert volume.binding.needed == 20 and volume.binding.free == 0  # 10 demos in week 1
    hire = by_code(found, "headcount")
    assert hire.params["count"] == 1 and hire.feasible  # 28 hours ≤ 35
    ramped = dataclasses.replace(plan, team=(*plan.team, TeamRole(Role.AE, 1, D(35), dt.date(2027, 1, 4), (D("0.5"),))))
    hire = by_code(levers(ramped, Gap(), dt.date(2027, 1, 4), roles=roles, hire_from=monday), "headcount")
    assert hire.params["count"] == 2  # 17.5 hours each in their first month: 28 needs two


def test_too_late_for_a_stage_whose_lead_time_ends_after_the_plan() -> None:
    plan = quarter_plan()
    late = dt.date(2027, 2, 15)  # 41 days left: an SQL (59 days) cannot win any more, a demo (35) can
    found = levers(plan, QUARTER_GAP, late, roles=team_load(plan, {"sdr": 100, "ae": 100}))
    sql = by_code(found, "volume", Stage.SQL)
    assert sql.change is None and sql.reason == "too_late" and not sql.feasible
    assert sql.reason_params["days_left"] == 41
    assert by_code(found, "volume", Stage.DEMO).change is not None


def test_no_lever_when_the_pipeline_already_covers_the_need() -> None:
    plan = quarter_plan()
    assert levers(plan, Gap(booked_revenue=D(1_200_000)), TODAY) == []
    assert levers(plan, Gap(open_deals={Stage.PROPOSAL: 400}), TODAY) == []


def test_every_lever_closes_the_gap_on_the_quarter() -> None:
    plan = quarter_plan()
    found = levers(plan, QUARTER_GAP, TODAY)  # the plan's own capacity
    assert {lever.code for lever in found} >= {"volume", "conversion", "deal_size", "cycle"}
    for lever in found:
        if lever.change is not None:
            assert outlook(plan, QUARTER_GAP, TODAY, lever.change).closed, lever.code
            lever.message()


@st.composite
def cases(draw: st.DrawFn) -> tuple[model.Plan, Gap, dt.date]:
    steps = draw(funnels())
    start = dt.date(2027, 1, 4)
    end = start + dt.timedelta(days=draw(st.integers(28, 180)))
    revenue = draw(st.booleans())
    target = D(draw(st.integers(1, 100)))
    plan = model.Plan(
        name="P",
        start=start,
        end=end,
        average_deal=D(draw(st.integers(1000, 50_000))) if revenue else None,
        objectives=(
            Objective("t", Metric.REVENUE if revenue else Metric.WINS, target * (1000 if revenue else 1), end),
        ),
        steps=steps,
        team=(TeamRole(Role.AE, 1, D(35)),),
        effort=tuple(Effort(s.stage, Role.AE, D(draw(st.integers(0, 4)))) for s in steps[:-1]),
    )
    stages = st.sampled_from([s.stage for s in steps[:-1]])
    gap = Gap(
        open_deals=draw(st.dictionaries(stages, st.integers(0, 300), max_size=3)),
        weekly_inflow=draw(st.dictionaries(stages, st.integers(0, 60).map(D), max_size=2)),
        aged_deals=draw(
            st.dictionaries(stages, st.dictionaries(st.integers(0, 400), st.integers(0, 50), max_size=4), max_size=2)
        ),
    )
    today = start + dt.timedelta(days=draw(st.integers(0, (end - start).days // 2)))
    return plan, gap, today


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_each_lever_pushed_back_through_the_funnel_closes_the_gap(case: tuple[model.Plan, Gap, dt.date]) -> None:
    plan, gap, today = case
    base = outlook(plan, gap, today)
    for lever in levers(plan, gap, today):
        if lever.change is None:
            continue
        assert outlook(plan, gap, today, lever.change).closed, lever
        if lever.code == "volume":
            stage = lever.params["stage"]
            assert isinstance(stage, Stage)
            # the engine's own reverse funnel, from the stage down, for the missing wins rounded up
            part = dataclasses.replace(
                plan,
                steps=tuple(s for s in plan.steps if s.stage.order >= stage.order),
                objectives=(Objective("w", Metric.WINS, D(math.ceil(base.short))),),
                average_deal=None,
            )
            assert lever.params["volume"] == reverse_funnel(part).volume(stage)
            assert lever.params["deadline"] >= today  # type: ignore[operator]
        if lever.code == "conversion":
            assert lever.params["to_rate"] > lever.params["from_rate"]  # type: ignore[operator]


def test_levers_as_json_for_the_page() -> None:
    plan = quarter_plan()
    found = levers(plan, QUARTER_GAP, TODAY, roles=team_load(plan, {"sdr": 100, "ae": 10}))
    document = json.loads(json.dumps(to_json(found, Formatter("fr"))))
    demo = next(row for row in document if row["code"] == "volume" and row["actions"][0]["stage"] == "demo")
    assert demo["feasible"] is False and demo["binding"]["role"] == "ae" and demo["why_not"]
    assert demo["actions"][0]["volume"] == by_code(found, "volume", Stage.DEMO).params["volume"]
    assert demo["actions"][0]["status"] == "proposed" and demo["actions"][0]["start"] == "2027-01-11"
    hire = next(row for row in document if row["code"] == "headcount")
    assert hire["hire"]["role"] == "ae" and hire["hire"]["ramp_up"] == [0.5]


def test_deal_size_and_cycle_levers_on_the_quarter() -> None:
    plan = quarter_plan()
    found = levers(plan, QUARTER_GAP, TODAY, roles=team_load(plan, {"sdr": 100, "ae": 100}))
    size = by_code(found, "deal_size")
    assert size.params["to_deal"] == math.ceil(1_000_000 / hand_expected_wins()) == 25006
    cycle = by_code(found, "cycle")
    days = cycle.params["days"]
    assert isinstance(days, int) and cycle.params["from_days"] == 59 and cycle.params["to_days"] == 59 - days
    assert outlook(plan, QUARTER_GAP, TODAY, Change(cycle_cut=days)).closed
    assert not outlook(plan, QUARTER_GAP, TODAY, Change(cycle_cut=days - 1)).closed  # the fewest days


def test_a_crm_stage_the_plan_does_not_use_counts_as_the_next_one_down() -> None:
    plan = quarter_plan()  # no meeting stage: a meeting counts as a demo
    with_meetings = outlook(plan, Gap(open_deals={Stage.MEETING: 8}), TODAY)
    with_demos = outlook(plan, Gap(open_deals={Stage.DEMO: 8}), TODAY)
    assert with_meetings.wins_expected == with_demos.wins_expected == 8 * D("0.5") * D("0.25")


def test_an_open_deal_counts_by_the_days_it_has_already_spent_in_its_stage() -> None:
    """SQL → won takes 59 days and 76 are left on the 11th of January: a proposal (21 days to a win)
    counts whatever its age; an SQL opened 10 days ago is due in 49; one a month old in 29; one open
    for more than twice the 59 days is stalled and not counted on."""
    plan = quarter_plan()
    sql_wins = D("0.5") * D("0.5") * D("0.25")

    def expected(**aged: dict[int, int]) -> Decimal:
        return outlook(plan, Gap(aged_deals={Stage[k.upper()]: v for k, v in aged.items()}), TODAY).wins_expected

    assert expected(sql={10: 4, 30: 4}) == 8 * sql_wins
    late = dataclasses.replace(plan, end=TODAY + dt.timedelta(days=40))  # 40 days left: 59 − 19 at the most
    in_time = outlook(late, Gap(aged_deals={Stage.SQL: {10: 4, 19: 2, 30: 3}}), TODAY).wins_expected
    assert in_time == 5 * sql_wins
    assert expected(sql={118: 1}) == sql_wins and expected(sql={119: 1}) == 0  # 2 × 59: stalled beyond
    # a shorter cycle brings the younger SQLs in: the cycle lever builds on it
    assert outlook(late, Gap(aged_deals={Stage.SQL: {10: 4}}), TODAY, Change(cycle_cut=9)).wins_expected == 4 * sql_wins


@st.composite
def deep_pipelines(draw: st.DrawFn) -> tuple[model.Plan, Gap, dt.date]:
    """A large pipeline close to the target: the conversion, deal-size and cycle levers can close it."""
    plan, _, today = draw(cases())
    stages = [s.stage for s in plan.steps[:-1]]
    gap = Gap(open_deals={s: draw(st.integers(100, 1000)) for s in stages})
    return plan, gap, today


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deep_pipelines())
def test_conversion_and_cycle_levers_pushed_back_close_the_gap(case: tuple[model.Plan, Gap, dt.date]) -> None:
    plan, gap, today = case
    for lever in levers(plan, gap, today):
        if lever.change is not None:
            assert outlook(plan, gap, today, lever.change).closed, lever
        if lever.code == "conversion" and lever.change is not None:
            stage = lever.params["stage"]
            assert isinstance(stage, Stage)
            lower = lever.change.rates[stage] - D("0.001")  # a tenth of a point less would not do
            assert not outlook(plan, gap, today, Change(rates={stage: lower})).closed
