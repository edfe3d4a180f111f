"""Scores, rankings and the capacity-constrained selection of actions (pac.engine.priorities)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pac.engine import model
from pac.engine.model import ActionStatus, ActionType, Role, Stage
from pac.engine.priorities import (
    DEFAULT_HOURLY_COST,
    NO_VALUE_ESTIMATE,
    Constraint,
    ConstraintKind,
    Decision,
    Reason,
    Selection,
    ViolationCode,
    effective_weights,
    estimate_action,
    left_out_message,
    normalise,
    rank_accounts,
    rank_actions,
    rank_segments,
    rankings,
    select_actions,
    to_json,
    violation_message,
)
from pac.engine.workdays import IsoWeek

FR_HOLIDAYS = set(holidays.country_holidays("FR", years=range(2026, 2029)))
MONDAY = dt.date(2027, 1, 4)  # ISO week 2027-W01
W1, W2, W3 = IsoWeek(2027, 1), IsoWeek(2027, 2), IsoWeek(2027, 3)


def _plan(
    actions: list[model.Action],
    *,
    team: dict[Role, tuple[int, int]] | None = None,
    budget: int | None = None,
    weeks: int = 3,
    **changes: object,
) -> model.Plan:
    """A plan of ``weeks`` full ISO weeks from Monday 2027-01-04, without funnel (no funnel load)."""
    plan = model.Plan(
        name="P",
        start=MONDAY,
        end=MONDAY + dt.timedelta(days=7 * weeks - 1),
        team=tuple(
            model.TeamRole(role, headcount, Decimal(hours)) for role, (headcount, hours) in (team or {}).items()
        ),
        budget=Decimal(budget) if budget is not None else None,
        actions=tuple(actions),
    )
    return dataclasses.replace(plan, **changes)


def _action(
    id: str,
    value: int | None = None,
    *,
    hours: int = 0,
    budget: int = 0,
    role: Role | None = Role.AE,
    start: dt.date = MONDAY,
    days: int = 5,
    stage: Stage | None = None,
    volume: int = 1,
    **changes: object,
) -> model.Action:
    action = model.Action(
        id=id,
        type=ActionType.FOLLOW_UP,
        name=id,
        start=start,
        end=start + dt.timedelta(days=days - 1),
        role=role,
        hours=Decimal(hours),
        budget=Decimal(budget),
        value=Decimal(value) if value is not None else None,
        expected=model.ExpectedOutcome(Decimal(volume), stage) if stage is not None else None,
    )
    return dataclasses.replace(action, **changes)


def _left(selection: Selection, action_id: str) -> tuple[Reason, list[str]]:
    item = selection.left_out_reason(action_id)
    assert item is not None, f"{action_id} was selected"
    return item.reason, [b.constraint.key for b in item.bindings]


# --- scores --------------------------------------------------------------------------------------


def test_it_adds_up_every_score_from_its_weighted_components(demo_plan: model.Plan) -> None:
    ranks = rankings(demo_plan)
    shares = effective_weights(demo_plan.priority_weights)

    assert shares == pytest.approx((0.5, 0.3, 0.2))
    for ranked in ranks.segments + ranks.accounts + ranks.actions:
        b = ranked.breakdown
        assert (b.value.weight, b.velocity.weight, b.cost.weight) == pytest.approx(shares)
        assert b.score == pytest.approx(sum(c.weight * c.normalised for c in (b.value, b.velocity, b.cost)))
        assert all(0 <= c.normalised <= 100 for c in (b.value, b.velocity, b.cost))
        assert 0 <= b.score <= 100
        assert b.weights == demo_plan.priority_weights


def test_it_normalises_min_max_with_the_cheapest_cost_scoring_100() -> None:
    figures = [Decimal(10), Decimal(30), None, Decimal(20)]

    assert normalise(figures) == [0.0, 100.0, 0.0, 50.0]
    assert normalise(figures, invert=True) == [100.0, 0.0, 0.0, 50.0]
    assert normalise([Decimal(7), Decimal(7)]) == [100.0, 100.0]  # all equal: none is worse
    assert normalise([None, None]) == [0.0, 0.0]


def test_it_ranks_segments_from_raw_inputs_it_keeps_for_the_explanation() -> None:
    plan = _plan(
        [],
        average_deal=Decimal(1000),
        segments=(
            model.Segment(
                "big-slow",
                "Big, slow",
                potential_value=Decimal(100_000),
                cycle_days=100,
                acquisition_cost=Decimal(5000),
            ),
            model.Segment(
                "small-fast", "Small, fast", potential_accounts=20, cycle_days=25, acquisition_cost=Decimal(1000)
            ),
            model.Segment("middle", "Middle", potential_value=Decimal(60_000), cycle_days=50),
        ),
    )

    ranked = {r.id: r for r in rank_segments(plan)}

    small = ranked["small-fast"].breakdown
    assert small.value.raw == 20_000 and small.inputs["value_source"] == "potential_accounts"
    assert small.velocity.raw == Decimal(1) / 25 and small.inputs["days"] == 25
    assert (small.value.normalised, small.velocity.normalised, small.cost.normalised) == (0.0, 100.0, 100.0)
    big = ranked["big-slow"].breakdown
    assert (big.value.normalised, big.velocity.normalised, big.cost.normalised) == (100.0, 0.0, 0.0)
    middle = ranked["middle"].breakdown
    assert middle.value.normalised == pytest.approx(50.0)
    assert middle.velocity.normalised == pytest.approx(100 * (1 / 50 - 1 / 100) / (1 / 25 - 1 / 100))
    assert middle.cost.raw is None and middle.cost.normalised == 0.0 and middle.flags == ("no_cost_estimate",)
    # 0.5 × 0 + 0.3 × 100 + 0.2 × 100 = 50 ; 0.5 × 100 = 50 ; 0.5 × 50 + 0.3 × 33.3 = 35
    assert [r.id for r in rank_segments(plan)] == ["big-slow", "small-fast", "middle"]  # tie → by id
    assert ranked["big-slow"].score == pytest.approx(50.0) and ranked["small-fast"].score == pytest.approx(50.0)


def test_it_follows_the_plans_weights_divided_by_their_sum() -> None:
    segments = (
        model.Segment("rich", "Rich", potential_value=Decimal(900), cycle_days=90),
        model.Segment("quick", "Quick", potential_value=Decimal(100), cycle_days=10),
    )
    by_value = _plan([], segments=segments, priority_weights=model.PriorityWeights(Decimal(1), Decimal(0), Decimal(0)))
    by_velocity = _plan(
        [], segments=segments, priority_weights=model.PriorityWeights(Decimal("0.2"), Decimal("0.6"), Decimal(0))
    )

    assert [r.id for r in rank_segments(by_value)] == ["rich", "quick"]
    assert [r.id for r in rank_segments(by_velocity)] == ["quick", "rich"]
    quick = rank_segments(by_velocity)[0].breakdown
    assert (quick.value.weight, quick.velocity.weight) == pytest.approx((0.25, 0.75))
    assert quick.score == pytest.approx(75.0)


def test_it_estimates_an_actions_value_velocity_and_cost_from_the_funnel(demo_plan: model.Plan) -> None:
    sequence = next(a for a in demo_plan.actions if a.id == "seq-icp-q1")  # 60 SQLs, 2 000 €, 120 h

    estimate = estimate_action(demo_plan, sequence)

    assert estimate.win_probability == Decimal("0.5") * Decimal("0.3") * Decimal("0.6")
    assert estimate.value == 60 * Decimal("0.09") * 83334
    assert estimate.value_source == "funnel"
    assert estimate.days_to_won == 10 + 14 + 21
    assert estimate.days == 45 + 54  # 4 January to 26 February, both included
    assert estimate.cost == 2000 + 120 * DEFAULT_HOURLY_COST
    assert estimate_action(demo_plan, sequence, Decimal(100)).cost == 2000 + 120 * 100


def test_it_flags_an_action_without_a_value_estimate() -> None:
    plan = _plan(
        [_action("given", 500, stage=Stage.DEMO), _action("no-stage"), _action("no-rate", stage=Stage.DEMO)],
        steps=(model.FunnelStep(Stage.DEMO), model.FunnelStep(Stage.WON)),
        average_deal=Decimal(1000),
    )

    ranked = {r.id: r.breakdown for r in rank_actions(plan)}

    assert ranked["given"].value.raw == 500 and ranked["given"].inputs["value_source"] == "given"
    for action_id in ("no-stage", "no-rate"):
        assert ranked[action_id].value.raw is None and ranked[action_id].value.normalised == 0.0
        assert NO_VALUE_ESTIMATE in ranked[action_id].flags
    assert "no_velocity_estimate" in ranked["no-stage"].flags


def test_it_ranks_strategic_accounts_first_then_by_score(demo_plan: model.Plan) -> None:
    rich = model.Account(
        "rich-other",
        "Rich but not strategic",
        segment="sante",
        potential=Decimal(5_000_000),
        icp_fit=Decimal(1),
        stage=Stage.PROPOSAL,
    )
    plan = dataclasses.replace(demo_plan, accounts=(*demo_plan.accounts, rich))

    ranked = rank_accounts(plan)

    assert [r.group for r in ranked] == ["strategic"] * 4 + ["other"] * 2
    assert [r.rank for r in ranked] == [1, 2, 3, 4, 5, 6]
    strategic = [r.score for r in ranked[:4]]
    assert strategic == sorted(strategic, reverse=True)
    assert ranked[4].id == "rich-other" and ranked[4].score > ranked[0].score
    roch = next(r.breakdown for r in ranked if r.id == "clinique-saint-roch")
    assert roch.value.raw == Decimal(140_000) * Decimal("0.9")
    assert roch.inputs["days"] == 14 + 21  # demo → won
    assert roch.cost.raw == 11_000  # the santé segment's acquisition cost


def test_it_ranks_the_segments_by_score(demo_plan: model.Plan) -> None:
    ranks = rankings(demo_plan)

    assert [r.id for r in ranks.segments] == ["saas-midmarket", "sante", "industrie"]


def test_it_leaves_cancelled_actions_out_of_the_rankings_and_the_selection() -> None:
    plan = _plan([_action("live", 10), _action("dropped", 1000, status=ActionStatus.CANCELLED)])

    assert [r.id for r in rank_actions(plan)] == ["live"]
    assert _left(select_actions(plan), "dropped") == (Reason.CANCELLED, [])


# --- selection: hand-made cases ------------------------------------------------------------------


def test_it_reports_the_budget_as_the_binding_constraint() -> None:
    plan = _plan(
        [
            _action("a", 100, budget=600, role=None),
            _action("b", 80, budget=500, role=None),
            _action("c", 30, budget=400, role=None),
            _action("huge", 1000, budget=1500, role=None),
        ],
        budget=1000,
    )

    selection = select_actions(plan)

    assert selection.selected == ("a", "c")
    assert selection.total_value == 130 and selection.budget_used == 1000 and selection.budget_available == 1000
    assert _left(selection, "b") == (Reason.LOWER_VALUE, ["budget"])  # b + c = 110 < a + c = 130
    assert _left(selection, "huge") == (Reason.DOES_NOT_FIT, ["budget"])
    budget = next(c for c in selection.constraints if c.constraint.kind is ConstraintKind.BUDGET)
    assert (budget.used, budget.slack, budget.binding) == (1000, 0, True)
    item = selection.left_out_reason("b")
    assert item is not None and (item.bindings[0].needed, item.bindings[0].available) == (500, 0)
    assert (
        left_out_message(item) == "Fits alone, but not with the selected actions, which are worth more: "
        "budget needs €500, €0 left."
    )


def test_it_does_not_call_an_empty_week_binding() -> None:
    """A plan starting on Friday 1 January 2027 (a holiday): its first ISO week has no working day,
    so no capacity and nothing asked. It used to be reported as a binding constraint."""
    calls = _action("calls", 100, hours=10, role=Role.SDR)
    plan = _plan([calls], team={Role.SDR: (1, 35)}, start=dt.date(2027, 1, 1))

    selection = select_actions(plan)

    empty = next(c for c in selection.constraints if c.constraint.key == "hours:sdr:2026-W53")
    assert (empty.capacity, empty.used, empty.binding) == (0, 0, False)
    assert not any(c["binding"] for c in to_json(rankings(plan), selection)["selection"]["constraints"])


def test_it_finds_the_optimum_where_picking_by_value_would_not() -> None:
    # by value: 100 first, then nothing fits; the optimum takes the two 80s
    plan = _plan(
        [
            _action("big", 100, budget=600, role=None),
            _action("left", 80, budget=500, role=None),
            _action("right", 80, budget=500, role=None),
        ],
        budget=1000,
    )

    selection = select_actions(plan)

    assert selection.selected == ("left", "right") and selection.total_value == 160
    assert _left(selection, "big") == (Reason.LOWER_VALUE, ["budget"])


def test_it_reports_the_hours_of_a_role_in_a_week_as_binding() -> None:
    # one AE, 35 h a week; both actions fall in week 2 only
    plan = _plan(
        [
            _action("calls", 10, hours=20, start=MONDAY + dt.timedelta(days=7)),
            _action("demos", 15, hours=25, start=MONDAY + dt.timedelta(days=7)),
            _action("early", 5, hours=20, start=MONDAY),
            _action("sdr-work", 1, hours=200, role=Role.SDR),
        ],
        team={Role.AE: (1, 35), Role.SDR: (1, 35)},
    )

    selection = select_actions(plan)

    assert selection.selected == ("demos", "early")
    assert _left(selection, "calls") == (Reason.LOWER_VALUE, ["hours:ae:2027-W02"])
    assert _left(selection, "sdr-work") == (Reason.DOES_NOT_FIT, ["hours:sdr:2027-W01"])
    calls = selection.left_out_reason("calls")
    assert calls is not None and (calls.bindings[0].needed, calls.bindings[0].available) == (20, 10)
    assert "hours of role AE in week 2027-W02 needs 20 h, 10 h left" in left_out_message(calls)
    week2 = next(c for c in selection.constraints if c.constraint.key == "hours:ae:2027-W02")
    assert (week2.capacity, week2.used, week2.slack) == (35, 25, 10)
    assert Constraint(ConstraintKind.HOURS, Role.AE, W2).label() == "hours of role AE in week 2027-W02"


def test_it_cannot_select_an_action_whose_role_is_not_in_the_team() -> None:
    plan = _plan(
        [
            _action("event", 1000, hours=10, role=Role.MANAGER),
            _action("no-role", 1000, hours=5, role=None),
            _action("free", 10, role=Role.MANAGER),
        ],
        team={Role.AE: (1, 35)},
    )

    selection = select_actions(plan)

    assert selection.selected == ("free",)  # no hours: whose they are does not matter
    assert _left(selection, "event") == (Reason.NO_SUCH_ROLE, [])
    assert _left(selection, "no-role") == (Reason.NO_SUCH_ROLE, [])
    event = selection.left_out_reason("event")
    assert (
        event is not None and left_out_message(event) == "Its 10 hours are for role MANAGER, which is not in the team."
    )


def test_it_leaves_out_actions_without_value_estimate_or_worth_nothing() -> None:
    plan = _plan([_action("unknown", None), _action("nothing", 0), _action("something", 1)])

    selection = select_actions(plan)

    assert selection.selected == ("something",)
    assert _left(selection, "unknown") == (Reason.NO_VALUE_ESTIMATE, [])
    assert _left(selection, "nothing") == (Reason.ZERO_VALUE, [])


def test_it_gives_actions_the_hours_the_funnel_leaves(small_plan: Callable[..., model.Plan]) -> None:
    # 20 wins at 50 % from demos: 40 demos × 2 h over 4 weeks = 20 h a week of the AE's 35
    plan = small_plan(
        actions=(
            _action("fits", 10, hours=15, days=5),
            _action("too-much", 10, hours=16, start=MONDAY + dt.timedelta(days=7)),
        )
    )

    selection = select_actions(plan)

    assert selection.funnel_load_subtracted
    week1 = next(c for c in selection.constraints if c.constraint.key == "hours:ae:2027-W01")
    assert (week1.capacity, week1.funnel_load, week1.available, week1.used) == (35, 20, 15, 15)
    assert selection.selected == ("fits",)
    assert _left(selection, "too-much") == (Reason.DOES_NOT_FIT, ["hours:ae:2027-W02"])
    assert select_actions(plan, subtract_funnel_load=False).selected == ("fits", "too-much")


def test_it_honours_decisions_and_reports_what_an_included_action_breaks() -> None:
    plan = _plan(
        [
            _action("best", 100, budget=800, role=None),
            _action("pet", 10, budget=700, role=None),
            _action("cheap", 50, budget=100, role=None),
            _action("side", 40, budget=100, role=None),
        ],
        budget=1000,
    )
    when = dt.datetime(2027, 1, 5, 9, 30, tzinfo=dt.UTC)

    assert select_actions(plan).selected == ("best", "cheap", "side")
    selection = select_actions(
        plan,
        decisions=[
            Decision("pet", True, "manon", "partner commitment", when),
            Decision("side", True, "manon", "", when - dt.timedelta(days=1)),
            Decision("side", False, "manon", "no time this quarter", when),  # the latest wins
        ],
    )

    assert selection.selected == ("pet", "cheap")  # pet is forced; best no longer fits beside it
    assert _left(selection, "best") == (Reason.DOES_NOT_FIT, ["budget"])
    side = selection.left_out_reason("side")
    assert side is not None and side.reason is Reason.EXCLUDED_BY_DECISION and side.decision is not None
    assert left_out_message(side) == "Excluded by decision of manon. Reason given: no time this quarter"
    assert not selection.violations
    assert {d.action: d.include for d in selection.decisions} == {"pet": True, "side": False}

    forced = select_actions(plan, decisions={"best": True, "pet": True, "ghost": False})

    assert forced.selected == ("best", "pet")  # kept although together they break the budget
    assert forced.unknown_decisions == ("ghost",)
    [violation] = forced.violations
    assert violation.code is ViolationCode.OVER_CAPACITY and violation.actions == ("best", "pet")
    assert violation.constraint is not None and violation.constraint.key == "budget"
    assert (violation.used, violation.available) == (1500, 1000)
    assert (
        violation_message(violation)
        == "Actions included by decision (best, pet) overflow the budget: €1,500 for €1,000 available."
    )
    assert _left(forced, "cheap") == (Reason.DOES_NOT_FIT, ["budget"])
    budget = next(c for c in forced.constraints if c.constraint.kind is ConstraintKind.BUDGET)
    assert budget.slack == -500


def test_it_reports_an_included_action_whose_role_is_not_in_the_team() -> None:
    plan = _plan([_action("salon", 100, hours=40, role=Role.MANAGER)], team={Role.AE: (1, 35)})

    selection = select_actions(plan, decisions={"salon": True})

    assert selection.selected == ("salon",)
    [violation] = selection.violations
    assert (violation.code, violation.actions, violation.role, violation.hours) == (
        ViolationCode.NO_SUCH_ROLE,
        ("salon",),
        Role.MANAGER,
        40,
    )


def test_it_completes_and_measures_a_selection_cut_short_by_a_time_limit_or_a_gap() -> None:
    actions = [
        _action(
            f"a{i}",
            100 + (i * 37) % 91,
            hours=3 + (i * 13) % 17,
            budget=(i * 53) % 400,
            start=MONDAY + dt.timedelta(days=(i * 5) % 14),
            days=1 + i % 9,
        )
        for i in range(60)
    ]
    plan = _plan(actions, team={Role.AE: (1, 35)}, budget=3000)

    exact = select_actions(plan)
    rushed = select_actions(plan, time_limit=1e-9)

    assert exact.optimal and exact.gap == 0
    assert rushed.total_value <= exact.total_value
    _assert_feasible(plan, rushed)
    assert all(lo.bindings for lo in rushed.left_out)  # greedy completion: nothing that fits is left
    if not rushed.optimal:
        assert rushed.gap is None or rushed.gap >= 0
    loose = select_actions(plan, mip_rel_gap=0.5)  # finished within a gap is not proven optimal
    assert not loose.optimal and loose.gap is not None and 0 <= loose.gap <= 0.5
    assert loose.total_value <= exact.total_value <= loose.total_value * Decimal("1.5")


# --- selection: brute force on small random cases ------------------------------------------------


def _week_hours(plan: model.Plan, action: model.Action) -> dict[IsoWeek, float]:
    """Independent of the engine: day by day, over business days (French holidays from the list)."""
    days = [action.start + dt.timedelta(days=i) for i in range((action.end - action.start).days + 1)]
    spread = [d for d in days if d.weekday() < 5 and d not in FR_HOLIDAYS] or days
    result: dict[IsoWeek, float] = defaultdict(float)
    for day in spread:
        if plan.start <= day <= plan.end:
            result[IsoWeek.of(day)] += float(action.hours) / len(spread)
    return result


def _loads(plan: model.Plan, chosen: list[model.Action]) -> dict[str, float]:
    loads: dict[str, float] = defaultdict(float)
    for a in chosen:
        loads["budget"] += float(a.budget)
        for week, hours in _week_hours(plan, a).items():
            loads[f"hours:{a.role.value if a.role else None}:{week.label}"] += hours
    return loads


def _capacities(plan: model.Plan) -> dict[str, float]:
    caps: dict[str, float] = defaultdict(lambda: float("inf"))
    if plan.budget is not None:
        caps["budget"] = float(plan.budget)
    for member in plan.team:  # full weeks only in these plans
        for i in range(0, plan.days, 7):
            caps[f"hours:{member.role.value}:{IsoWeek.of(plan.start + dt.timedelta(days=i)).label}"] = float(
                member.headcount * member.hours_per_week
            )
    return caps


def _fits(loads: dict[str, float], caps: dict[str, float]) -> bool:
    return all(amount <= caps[key] + 1e-7 for key, amount in loads.items() if amount > 0)


def _assert_feasible(plan: model.Plan, selection: Selection) -> None:
    chosen = [a for a in plan.actions if a.id in selection.selected]
    assert _fits(_loads(plan, chosen), _capacities(plan))


def _brute_force(plan: model.Plan, decisions: dict[str, bool]) -> Decimal:
    """Best total over every subset honouring the decisions; optional actions get what the included
    ones leave (none of a constraint they overflow)."""
    team = {m.role for m in plan.team}
    forced = [a for a in plan.actions if decisions.get(a.id) is True]
    optional = [a for a in plan.actions if a.id not in decisions and a.value and not (a.hours and a.role not in team)]
    caps = _capacities(plan)
    fixed = _loads(plan, forced)
    room = {key: max(0.0, cap - fixed.get(key, 0.0)) for key, cap in caps.items()}
    room = defaultdict(lambda: float("inf"), room)
    best = Decimal(0)
    for size in range(len(optional) + 1):
        for subset in itertools.combinations(optional, size):
            if _fits(_loads(plan, list(subset)), room):
                best = max(best, sum((a.value or Decimal(0) for a in subset), Decimal(0)))
    return best + sum((a.value or Decimal(0) for a in forced), Decimal(0))


@st.composite
def small_cases(draw: st.DrawFn) -> tuple[model.Plan, dict[str, bool]]:
    """Up to 10 actions competing for 2 roles over 3 weeks and a budget, some sized to clash."""
    actions = []
    for i in range(draw(st.integers(1, 10))):
        actions.append(
            _action(
                f"a{i}",
                draw(st.integers(0, 1000)),
                hours=draw(st.integers(0, 40)),
                budget=draw(st.integers(0, 15)) * 100,
                role=draw(st.sampled_from([Role.SDR, Role.AE, Role.SDR, Role.AE, Role.MANAGER])),
                start=MONDAY + dt.timedelta(days=draw(st.integers(-6, 20))),
                days=draw(st.integers(1, 25)),
            )
        )
    team = {
        Role.SDR: (draw(st.integers(1, 2)), draw(st.integers(10, 40))),
        Role.AE: (draw(st.integers(1, 2)), draw(st.integers(10, 40))),
    }
    budget = draw(st.none() | st.integers(5, 40).map(lambda x: x * 100))
    plan = _plan(actions, team=team, budget=budget)
    decisions = draw(st.dictionaries(st.sampled_from([a.id for a in actions]), st.booleans(), max_size=2))
    return plan, decisions


@settings(max_examples=200, deadline=None)
@given(small_cases())
def test_it_matches_the_brute_force_optimum_on_small_random_plans(case: tuple[model.Plan, dict[str, bool]]) -> None:
    plan, decisions = case

    selection = select_actions(plan, decisions=decisions)

    assert selection.optimal
    assert float(selection.total_value) == pytest.approx(float(_brute_force(plan, decisions)), abs=1e-6)
    assert {a for a, include in decisions.items() if include} <= set(selection.selected)
    assert not {a for a, include in decisions.items() if not include} & set(selection.selected)
    if not selection.violations:
        _assert_feasible(plan, selection)
    slack = {c.constraint.key: max(0.0, c.slack) for c in selection.constraints}
    for item in selection.left_out:
        if item.reason in (Reason.LOWER_VALUE, Reason.DOES_NOT_FIT):
            assert item.bindings
            for b in item.bindings:
                assert b.needed > b.available
        if item.reason is Reason.LOWER_VALUE:  # it would overflow the slack the selection leaves
            assert all(b.available == pytest.approx(slack[b.constraint.key]) for b in item.bindings)
        assert item.reason is not Reason.SOLVER_LIMIT


# --- the demo plan -------------------------------------------------------------------------------
# The demo's team and budget are pinned here (3 SDRs, 4 AEs, no budget, as shipped), so that the
# derivations below stay true if the example grows a team member or a budget.

SALES_TEAM = (model.TeamRole(Role.SDR, 3, Decimal(35)), model.TeamRole(Role.AE, 4, Decimal(35)))


def _demo(plan: model.Plan, **changes: object) -> model.Plan:
    return dataclasses.replace(plan, **{"team": SALES_TEAM, "budget": None, **changes})


def test_it_selects_what_the_demo_team_can_carry(demo_plan: model.Plan) -> None:
    selection = select_actions(_demo(demo_plan))

    # no budget and plenty of hours: every action whose hours someone in the team can do
    assert selection.selected == ("seq-icp-q1", "abm-strategiques", "demos-semaine", "webinaire-cfo")
    assert _left(selection, "salon-santexpo") == (Reason.NO_SUCH_ROLE, [])  # the manager is not in the team
    assert _left(selection, "upsell-base") == (Reason.NO_SUCH_ROLE, [])  # nor is a CSM
    assert selection.optimal and selection.funnel_load_subtracted
    assert selection.total_value == 83334 * (
        60 * Decimal("0.09") + 12 * Decimal("0.18") + 67 * Decimal("0.18") + 40 * Decimal("0.036")
    )
    assert not any(c.constraint.kind is ConstraintKind.BUDGET for c in selection.constraints)
    assert len(selection.constraints) == 2 * 14  # SDR and AE × ISO weeks 2026-W53 to 2027-W13


def test_it_drops_the_least_valuable_action_when_the_demo_budget_is_short(demo_plan: model.Plan) -> None:
    # budgets: sequence 2 000, ABM 6 000, webinar 1 500, demos 0 → 9 500; only dropping the webinar
    # (the least valuable: 120 k€) brings it to 8 000
    selection = select_actions(_demo(demo_plan, budget=Decimal(8000)))

    assert selection.selected == ("seq-icp-q1", "abm-strategiques", "demos-semaine")
    assert _left(selection, "webinaire-cfo") == (Reason.LOWER_VALUE, ["budget"])
    assert selection.budget_used == 8000


def test_it_weighs_the_trade_show_against_the_budget_once_the_team_can_staff_it(demo_plan: model.Plan) -> None:
    # with a manager and a CSM, every action can be staffed; their budgets add up to 25 000 € for
    # 20 000 €: dropping the trade show (15 000 €, 112 501 €) loses less than dropping the ABM campaign
    # (6 000 €, 180 001 €), the only other single cut that fits
    team = (*SALES_TEAM, model.TeamRole(Role.CSM, 1, Decimal(35)), model.TeamRole(Role.MANAGER, 1, Decimal(20)))
    selection = select_actions(_demo(demo_plan, team=team, budget=Decimal(20000)))

    assert selection.selected == ("seq-icp-q1", "abm-strategiques", "demos-semaine", "webinaire-cfo", "upsell-base")
    salon = selection.left_out_reason("salon-santexpo")
    assert salon is not None and salon.reason is Reason.LOWER_VALUE  # alone it would fit: 15 000 ≤ 20 000
    assert [(b.constraint.key, b.needed, b.available) for b in salon.bindings] == [("budget", 15000, 10000)]


def test_it_gives_the_json_document_of_rankings_and_selection(demo_plan: model.Plan) -> None:
    plan = _demo(demo_plan)
    document = to_json(rankings(plan), select_actions(plan))

    assert [s["id"] for s in document["segments"]] == ["saas-midmarket", "sante", "industrie"]
    first = document["actions"][0]
    assert set(first["components"]) == {"value", "velocity", "cost"}
    assert sum(c["points"] for c in first["components"].values()) == pytest.approx(first["score"], abs=1e-3)
    left = {item["id"]: item for item in document["selection"]["left_out"]}
    assert left["upsell-base"]["reason"] == "no_such_role" and "CSM" in left["upsell-base"]["message"]
    assert document["selection"]["constraints"][0]["constraint"] == "hours:sdr:2026-W53"
