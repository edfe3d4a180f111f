"""Priorities: what to go after first, and which actions the team can actually carry.

Scoring (``rankings``)
======================
Segments, accounts and actions each get a score from three components: **potential value**,
**velocity** and **acquisition cost**. Raw inputs, per kind of candidate:

- **action** —
  *value*: ``action.value`` when given, else ``expected.volume × P(won | expected.stage) ×
  plan.average_deal``, where P(won | stage) is the product of the plan funnel's conversion rates
  from that stage down to won (1 at the ``won`` stage). When it cannot be computed (no expected
  stage, a stage the funnel lacks, a missing rate, no average deal) the action has *no value
  estimate* (flag ``no_value_estimate``).
  *velocity*: ``1 / days`` where ``days`` = the stage's median days to won (the ``days`` of that
  stage and every stage below it in the funnel) + the action's duration in calendar days (both ends
  included): the time from the action's start until its expected wins.
  *acquisition cost*: ``budget + hours × hourly_cost`` (``hourly_cost`` defaults to
  ``DEFAULT_HOURLY_COST`` = 60 per hour, in the plan's currency: a loaded cost of a sales hour).
- **segment** —
  *value*: ``potential_value``, else ``potential_accounts × plan.average_deal``;
  *velocity*: ``1 / cycle_days``, else ``1 / funnel lead time`` (days from the funnel's top stage to
  won); *acquisition cost*: ``acquisition_cost`` (per won customer).
- **account** —
  *value*: ``potential × icp_fit`` (``icp_fit`` defaults to 1);
  *velocity*: ``1 / days to won of the account's stage`` (an account without a stage is at the top
  of the funnel; a stage the funnel skips counts as the next stage it has);
  *acquisition cost*: its segment's ``acquisition_cost`` when known.

A velocity uses at least one day (``1 / max(days, 1)``).

**Normalisation.** Each component is scaled to 0–100 across the candidates ranked together (all the
segments; all the accounts; all the actions), min–max: ``100 × (x − min) / (max − min)`` for value
and velocity, and *inverted* for cost, ``100 × (max − x) / (max − min)``, so the cheapest scores
100. When every candidate has the same raw value the component is 100 for all (none is worse than
another). A missing raw value scores 0 on that component (unknown is not rewarded) and is flagged
(``no_value_estimate``, ``no_velocity_estimate``, ``no_cost_estimate``).

**Score** = Σ weight × component, with the plan's ``priority_weights`` (value, velocity, cost)
divided by their sum, so a score is always on 0–100 whatever the weights add up to (weights all
zero give every candidate 0). Every ``ScoreBreakdown`` keeps the raw inputs, the normalised
components and the weights, so a screen can explain each score.

**Rankings.** Segments by score; accounts with the strategic ones first, then by score; actions
grouped by the funnel stage of their expected outcome (funnel order, then actions without a stage),
by score within each group. Ties go to the id, alphabetically. Cancelled actions are not ranked.

Selection (``select_actions``)
==============================
A 0/1 choice ``x_a`` per action, solved exactly by ``scipy.optimize.milp`` (HiGHS, relative MIP gap
0 by default; ``time_limit`` — 10 s by default — only guards against huge plans: past it, or with a
``mip_rel_gap`` > 0, the result says ``optimal=False`` and gives its ``gap`` to the solver's upper
bound, after completing the solver's best selection greedily): maximise ``Σ value_a × x_a`` subject to

- **budget** (when ``plan.budget`` is set): ``Σ budget_a × x_a ≤ plan.budget``;
- **hours of role r in ISO week w**, for each role of the team and each week of the plan:
  ``Σ hours_a,w × x_a ≤ available_r,w`` over the actions of role r, where ``hours_a,w`` is the share
  of the action's hours falling in week w — hours are spread evenly over the Monday-to-Friday days of
  the action's span (over its calendar days when the span has none), and only the days inside the
  plan count: an action running past the plan is constrained only in the weeks it overlaps.
  ``available_r,w = max(0, headcount × hours_per_week × (weekdays of w inside the plan / 5) −
  funnel load)``, the funnel load being the role's hours that week from ``funnel.capacity`` (the
  reverse funnel's own work: effort × scheduled volumes), when the plan's funnel can be computed.
  Actions come on top of the funnel's work, so they get what the funnel leaves.

Who takes part: an action with hours for a role the team lacks (or with hours and no role) cannot be
selected; neither can an action without a value estimate, or worth 0. Cancelled actions are out.
Manager **decisions** force ``x_a``: excluded actions are left out, included ones are selected
whatever they cost. Included actions are fixed first; the optional ones share what they leave. When
the included actions alone overflow a constraint, the selection still succeeds and reports a
``Violation`` (which constraint, by how much, because of which actions) — it is never solved away.

Every left-out action says **why** (``Reason``): ``excluded_by_decision``, ``cancelled``,
``no_such_role``, ``no_value_estimate``, ``zero_value``; ``does_not_fit`` when it overflows a
constraint even alone (given what included actions use); ``lower_value`` when it fits alone but not
with the selected set — the constraints it would overflow given the selection's slack are listed, and
by optimality the selected actions it competes with are worth more; ``solver_limit`` if it would fit
but the solver stopped (time limit) before proving optimality (after a greedy completion this should
not happen).

The engine never reads the clock: a ``Decision`` carries its own ``when``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp  # type: ignore[import-untyped]
from scipy.sparse import csr_array  # type: ignore[import-untyped]

from pac.engine.calendar import IsoWeek, business_days_in_week, weekdays_between, weeks_between
from pac.engine.diagnostics import gettext_noop
from pac.engine.formatting import Formatter
from pac.engine.funnel import FunnelInputError, capacity, funnel_gaps, reverse_funnel, weekly_schedule
from pac.engine.model import Action, ActionStatus, FunnelStep, Plan, PriorityWeights, Role, Stage

#: Loaded cost of one hour of sales work, in the plan's currency, when none is given.
DEFAULT_HOURLY_COST = Decimal(60)

#: Default solver time limit (seconds): plans of a few hundred actions solve exactly well within it.
DEFAULT_TIME_LIMIT = 10.0

NO_VALUE_ESTIMATE = "no_value_estimate"
NO_VELOCITY_ESTIMATE = "no_velocity_estimate"
NO_COST_ESTIMATE = "no_cost_estimate"

NO_STAGE = "none"  # the group of actions whose expected outcome has no funnel stage


# --- funnel facts ------------------------------------------------------------------------------

_STAGE_ORDER = {stage: index for index, stage in enumerate(Stage)}


@dataclass(frozen=True)
class _FunnelFacts:
    """Per stage of the plan's funnel: P(won | stage) and median days to won; computed once per funnel."""

    stages: tuple[Stage, ...]  # empty when the funnel does not end with won
    probability: Mapping[Stage, Decimal | None]
    days: Mapping[Stage, int]


@lru_cache(maxsize=64)
def _funnel_facts(steps: tuple[FunnelStep, ...]) -> _FunnelFacts:
    if not steps or steps[-1].stage is not Stage.WON:
        return _FunnelFacts((), {}, {})
    probability: dict[Stage, Decimal | None] = {Stage.WON: Decimal(1)}
    days: dict[Stage, int] = {Stage.WON: 0}
    below_p: Decimal | None = Decimal(1)
    below_days = 0
    for step in reversed(steps[:-1]):
        below_p = below_p * step.rate if below_p is not None and step.rate is not None and step.rate > 0 else None
        below_days += step.days
        probability[step.stage], days[step.stage] = below_p, below_days
    return _FunnelFacts(tuple(step.stage for step in steps), probability, days)


def win_probability(plan: Plan, stage: Stage) -> Decimal | None:
    """P(won | stage): the product of the funnel's rates from ``stage`` down to won (1 for won);
    None when the funnel lacks the stage or a rate on the way."""
    return _funnel_facts(plan.steps).probability.get(stage)


def days_to_won(plan: Plan, stage: Stage | None) -> int | None:
    """Median days from ``stage`` to won: the ``days`` of that stage and of every stage below it.
    A stage the funnel skips counts as the next stage it has; no stage means the top of the funnel."""
    facts = _funnel_facts(plan.steps)
    if not facts.stages:
        return None
    if stage is None:
        return facts.days[facts.stages[0]]
    if stage in facts.days:
        return facts.days[stage]
    order = _STAGE_ORDER[stage]
    below = next((s for s in facts.stages if _STAGE_ORDER[s] >= order), None)
    return facts.days[below] if below is not None else None


@dataclass(frozen=True)
class ActionEstimate:
    """What an action is expected to bring, how fast, and what it costs (see the module docstring)."""

    value: Decimal | None
    value_source: str | None  # "given", "funnel", or None without an estimate
    win_probability: Decimal | None
    days_to_won: int | None
    duration_days: int
    cost: Decimal

    @property
    def days(self) -> int | None:
        """Days from the action's start to its expected wins."""
        return None if self.days_to_won is None else self.days_to_won + self.duration_days


def estimate_action(plan: Plan, action: Action, hourly_cost: Decimal = DEFAULT_HOURLY_COST) -> ActionEstimate:
    stage = action.expected.stage if action.expected else None
    probability = win_probability(plan, stage) if stage is not None else None
    value: Decimal | None
    if action.value is not None:
        value, source = action.value, "given"
    elif action.expected is not None and probability is not None and plan.average_deal:
        value, source = action.expected.volume * probability * plan.average_deal, "funnel"
    else:
        value, source = None, None
    return ActionEstimate(
        value=value,
        value_source=source,
        win_probability=probability,
        days_to_won=days_to_won(plan, stage) if stage is not None else None,
        duration_days=(action.end - action.start).days + 1,
        cost=action.budget + action.hours * hourly_cost,
    )


# --- scoring -----------------------------------------------------------------------------------


class Kind(StrEnum):
    SEGMENT = "segment"
    ACCOUNT = "account"
    ACTION = "action"


InputValue = Decimal | int | str | bool | None


@dataclass(frozen=True)
class Component:
    """One part of a score: the raw figure, its 0–100 place among the candidates, and its weight
    (the plan's weight divided by the sum of the three)."""

    raw: Decimal | None  # value and cost in money; velocity in 1/days
    normalised: float
    weight: float

    @property
    def points(self) -> float:
        return self.weight * self.normalised


@dataclass(frozen=True)
class ScoreBreakdown:
    value: Component
    velocity: Component
    cost: Component
    weights: PriorityWeights  # as the plan gives them
    inputs: Mapping[str, InputValue]  # the figures the raw values come from (documented per kind)
    flags: tuple[str, ...] = ()

    @property
    def score(self) -> float:
        return self.value.points + self.velocity.points + self.cost.points

    @property
    def days(self) -> int | None:
        days = self.inputs.get("days")
        return days if isinstance(days, int) and not isinstance(days, bool) else None


@dataclass(frozen=True)
class Ranked:
    kind: Kind
    id: str
    name: str
    group: str | None  # actions: their expected stage (or "none"); accounts: "strategic" or "other"
    rank: int  # 1 = first, within its group for actions, over the list for segments and accounts
    breakdown: ScoreBreakdown

    @property
    def score(self) -> float:
        return self.breakdown.score


@dataclass(frozen=True)
class Rankings:
    segments: tuple[Ranked, ...]
    accounts: tuple[Ranked, ...]  # strategic ones first
    actions: tuple[Ranked, ...]  # grouped by stage, in funnel order
    weights: PriorityWeights
    hourly_cost: Decimal

    @property
    def strategic_accounts(self) -> tuple[Ranked, ...]:
        return tuple(r for r in self.accounts if r.group == "strategic")

    def actions_by_stage(self) -> dict[str, tuple[Ranked, ...]]:
        groups: dict[str, list[Ranked]] = {}
        for ranked in self.actions:
            groups.setdefault(ranked.group or NO_STAGE, []).append(ranked)
        return {stage: tuple(items) for stage, items in groups.items()}


@dataclass(frozen=True)
class _Candidate:
    id: str
    name: str
    group: str | None
    value: Decimal | None
    days: int | None
    cost: Decimal | None
    inputs: dict[str, InputValue]


def normalise(values: Sequence[Decimal | None], *, invert: bool = False) -> list[float]:
    """Min–max to 0–100 (inverted: the smallest scores 100); all equal → 100; missing → 0."""
    known = [v for v in values if v is not None]
    if not known:
        return [0.0] * len(values)
    low, high = min(known), max(known)
    result = []
    for v in values:
        if v is None:
            result.append(0.0)
        elif high == low:
            result.append(100.0)
        else:
            result.append(float(100 * ((high - v) if invert else (v - low)) / (high - low)))
    return result


def effective_weights(weights: PriorityWeights) -> tuple[float, float, float]:
    """The plan's weights as shares of their sum (all zero stays zero)."""
    total = weights.value + weights.velocity + weights.cost
    if total <= 0:
        return 0.0, 0.0, 0.0
    return float(weights.value / total), float(weights.velocity / total), float(weights.cost / total)


def _velocity(days: int | None) -> Decimal | None:
    return None if days is None else Decimal(1) / max(days, 1)


def _score(candidates: Sequence[_Candidate], weights: PriorityWeights) -> list[ScoreBreakdown]:
    velocities = [_velocity(c.days) for c in candidates]
    values = normalise([c.value for c in candidates])
    speeds = normalise(velocities)
    costs = normalise([c.cost for c in candidates], invert=True)
    w_value, w_velocity, w_cost = effective_weights(weights)
    result = []
    for i, c in enumerate(candidates):
        flags = tuple(
            flag
            for flag, missing in (
                (NO_VALUE_ESTIMATE, c.value is None),
                (NO_VELOCITY_ESTIMATE, c.days is None),
                (NO_COST_ESTIMATE, c.cost is None),
            )
            if missing
        )
        result.append(
            ScoreBreakdown(
                Component(c.value, values[i], w_value),
                Component(velocities[i], speeds[i], w_velocity),
                Component(c.cost, costs[i], w_cost),
                weights,
                c.inputs,
                flags,
            )
        )
    return result


def _rank(
    kind: Kind, candidates: Sequence[_Candidate], weights: PriorityWeights, group_order: Callable[[str | None], int]
) -> tuple[Ranked, ...]:
    breakdowns = _score(candidates, weights)
    order = sorted(
        range(len(candidates)), key=lambda i: (group_order(candidates[i].group), -breakdowns[i].score, candidates[i].id)
    )
    ranked: list[Ranked] = []
    rank_in_group: dict[str | None, int] = defaultdict(int)
    per_group = kind is Kind.ACTION
    for position, i in enumerate(order, 1):
        c = candidates[i]
        rank_in_group[c.group] += 1
        ranked.append(
            Ranked(kind, c.id, c.name, c.group, rank_in_group[c.group] if per_group else position, breakdowns[i])
        )
    return tuple(ranked)


def _lead_time(plan: Plan) -> int | None:
    return days_to_won(plan, None)


def rank_segments(plan: Plan) -> tuple[Ranked, ...]:
    candidates = []
    for s in plan.segments:
        value: Decimal | None = s.potential_value
        value_source: str | None = "potential_value" if value is not None else None
        if value is None and s.potential_accounts is not None and plan.average_deal:
            value, value_source = s.potential_accounts * plan.average_deal, "potential_accounts"
        days, days_source = (s.cycle_days, "cycle_days") if s.cycle_days is not None else (_lead_time(plan), "funnel")
        candidates.append(
            _Candidate(
                s.id,
                s.name,
                None,
                value,
                days,
                s.acquisition_cost,
                {
                    "value_source": value_source,
                    "potential_value": s.potential_value,
                    "potential_accounts": s.potential_accounts,
                    "average_deal": plan.average_deal,
                    "days": days,
                    "days_source": days_source if days is not None else None,
                    "acquisition_cost": s.acquisition_cost,
                },
            )
        )
    return _rank(Kind.SEGMENT, candidates, plan.priority_weights, lambda group: 0)


def rank_accounts(plan: Plan) -> tuple[Ranked, ...]:
    segments = {s.id: s for s in plan.segments}
    candidates = []
    for a in plan.accounts:
        fit = a.icp_fit if a.icp_fit is not None else Decimal(1)
        segment = segments.get(a.segment) if a.segment else None
        cost = segment.acquisition_cost if segment else None
        days = days_to_won(plan, a.stage)
        candidates.append(
            _Candidate(
                a.id,
                a.name,
                "strategic" if a.strategic else "other",
                a.potential * fit if a.potential is not None else None,
                days,
                cost,
                {
                    "potential": a.potential,
                    "icp_fit": fit,
                    "stage": a.stage.value if a.stage else None,
                    "days": days,
                    "segment": a.segment,
                    "acquisition_cost": cost,
                    "strategic": a.strategic,
                },
            )
        )
    return _rank(Kind.ACCOUNT, candidates, plan.priority_weights, lambda group: 0 if group == "strategic" else 1)


def _stage_order(group: str | None) -> int:
    return _STAGE_ORDER[Stage(group)] if group not in (None, NO_STAGE) else len(Stage)


def rank_actions(plan: Plan, hourly_cost: Decimal = DEFAULT_HOURLY_COST) -> tuple[Ranked, ...]:
    candidates = []
    for a in plan.actions:
        if a.status is ActionStatus.CANCELLED:
            continue
        e = estimate_action(plan, a, hourly_cost)
        stage = a.expected.stage if a.expected else None
        candidates.append(
            _Candidate(
                a.id,
                a.name,
                stage.value if stage else NO_STAGE,
                e.value,
                e.days,
                e.cost,
                {
                    "value_source": e.value_source,
                    "given_value": a.value,
                    "expected_stage": stage.value if stage else None,
                    "expected_volume": a.expected.volume if a.expected else None,
                    "win_probability": e.win_probability,
                    "average_deal": plan.average_deal,
                    "days_to_won": e.days_to_won,
                    "duration_days": e.duration_days,
                    "days": e.days,
                    "budget": a.budget,
                    "hours": a.hours,
                    "hourly_cost": hourly_cost,
                },
            )
        )
    return _rank(Kind.ACTION, candidates, plan.priority_weights, _stage_order)


def rankings(plan: Plan, hourly_cost: Decimal = DEFAULT_HOURLY_COST) -> Rankings:
    return Rankings(
        rank_segments(plan), rank_accounts(plan), rank_actions(plan, hourly_cost), plan.priority_weights, hourly_cost
    )


# --- selection ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A manager's override (*arbitrage*): keep or drop an action, by whom, why, when. The web app
    stores them; the selection takes the latest per action."""

    action: str
    include: bool
    who: str = ""
    why: str = ""
    when: dt.datetime | None = None


class ConstraintKind(StrEnum):
    BUDGET = "budget"
    HOURS = "hours"


@dataclass(frozen=True)
class Constraint:
    kind: ConstraintKind
    role: Role | None = None
    week: IsoWeek | None = None

    @property
    def key(self) -> str:
        """Stable id: ``budget`` or ``hours:ae:2027-W05``."""
        if self.kind is ConstraintKind.BUDGET:
            return "budget"
        assert self.role is not None and self.week is not None
        return f"hours:{self.role.value}:{self.week.label}"

    def label(self, translate: Callable[[str], str] = lambda s: s) -> str:
        if self.kind is ConstraintKind.BUDGET:
            return translate(CONSTRAINT_LABELS["budget"])
        assert self.role is not None and self.week is not None
        return translate(CONSTRAINT_LABELS["hours"]).format(role=self.role.value.upper(), week=self.week.label)


CONSTRAINT_LABELS = {
    "budget": gettext_noop("budget"),
    "hours": gettext_noop("hours of role {role} in week {week}"),
}


@dataclass(frozen=True)
class ConstraintUsage:
    constraint: Constraint
    capacity: float  # the budget, or headcount × hours per week × share of the week in the plan
    funnel_load: float  # hours the funnel's own work takes (0 for the budget)
    available: float  # capacity − funnel load, at least 0
    used: float  # by the selected actions, included ones too

    @property
    def slack(self) -> float:
        """What is left (negative: overflowed by included actions)."""
        return self.available - self.used

    @property
    def binding(self) -> bool:
        return self.slack <= _tolerance(self.available)


class Reason(StrEnum):
    EXCLUDED_BY_DECISION = "excluded_by_decision"
    CANCELLED = "cancelled"
    NO_SUCH_ROLE = "no_such_role"
    NO_VALUE_ESTIMATE = "no_value_estimate"
    ZERO_VALUE = "zero_value"
    DOES_NOT_FIT = "does_not_fit"
    LOWER_VALUE = "lower_value"
    SOLVER_LIMIT = "solver_limit"


@dataclass(frozen=True)
class Binding:
    """A constraint a left-out action would overflow: it needs ``needed``, only ``available`` is left."""

    constraint: Constraint
    needed: float
    available: float


@dataclass(frozen=True)
class LeftOut:
    action: str
    reason: Reason
    value: Decimal | None
    bindings: tuple[Binding, ...] = ()
    decision: Decision | None = None
    role: Role | None = None  # for no_such_role
    hours: Decimal = Decimal(0)


class ViolationCode(StrEnum):
    OVER_CAPACITY = "over_capacity"
    NO_SUCH_ROLE = "no_such_role"


@dataclass(frozen=True)
class Violation:
    """A constraint broken by actions included by decision (they stay selected)."""

    code: ViolationCode
    actions: tuple[str, ...]
    constraint: Constraint | None = None
    used: float = 0.0
    available: float = 0.0
    role: Role | None = None  # no_such_role
    hours: Decimal = Decimal(0)  # no_such_role: hours counted nowhere


@dataclass(frozen=True)
class Selection:
    selected: tuple[str, ...]  # in plan order
    left_out: tuple[LeftOut, ...]  # in plan order
    values: Mapping[str, Decimal | None]  # expected value of every action
    total_value: Decimal
    budget_used: Decimal
    budget_available: Decimal | None
    constraints: tuple[ConstraintUsage, ...]
    violations: tuple[Violation, ...]
    decisions: tuple[Decision, ...]  # the ones applied: the latest per known action
    unknown_decisions: tuple[str, ...]  # ids of decisions about actions the plan does not have
    optimal: bool
    gap: float | None  # (solver's upper bound − total) / total; 0 when proven optimal, None if unknown
    funnel_load_subtracted: bool

    def left_out_reason(self, action_id: str) -> LeftOut | None:
        return next((lo for lo in self.left_out if lo.action == action_id), None)

    @property
    def binding_constraints(self) -> tuple[ConstraintUsage, ...]:
        return tuple(c for c in self.constraints if c.binding and c.used > 0)


def _tolerance(available: float) -> float:
    return 1e-6 * max(1.0, abs(available))


def _spread(plan: Plan, action: Action) -> tuple[list[tuple[int, int]], int]:
    """Where an action's hours fall: (index of the plan week, days of the action counted in it) for
    each plan week it overlaps, and the number of days its hours are spread over."""
    if not action.hours or action.end < action.start:
        return [], 1
    first, last = max(action.start, plan.start), min(action.end, plan.end)
    span_weekdays = weekdays_between(action.start, action.end)
    span = span_weekdays or (action.end - action.start).days + 1
    origin = plan.start - dt.timedelta(days=plan.start.weekday())
    monday = first - dt.timedelta(days=first.weekday())
    shares = []
    while monday <= last:
        low, high = max(monday, first), min(monday + _SIX_DAYS, last)
        days = weekdays_between(low, high) if span_weekdays else (high - low).days + 1
        if days:
            shares.append(((monday - origin).days // 7, days))
        monday += _ONE_WEEK
    return shares, span


_SIX_DAYS = dt.timedelta(days=6)
_ONE_WEEK = dt.timedelta(days=7)


def weekly_hours(plan: Plan, action: Action) -> dict[IsoWeek, Decimal]:
    """The action's hours falling in each week of the plan: spread evenly over the weekdays of its
    span (its calendar days when it has no weekday); days outside the plan are not counted."""
    shares, span = _spread(plan, action)
    first_week = IsoWeek.of(plan.start)
    return {first_week.shift(index): action.hours * days / span for index, days in shares}


def funnel_load(plan: Plan) -> dict[tuple[str, IsoWeek], Decimal] | None:
    """Hours of each role's funnel work per plan week (``funnel.capacity``), or None when the plan's
    reverse funnel cannot be computed."""
    if funnel_gaps(plan):
        return None
    try:
        schedule = weekly_schedule(plan, reverse_funnel(plan))
    except FunnelInputError:
        return None
    return {(rc.role, load.week): load.hours_needed for rc in capacity(plan, schedule) for load in rc.weeks}


def _latest(decisions: Mapping[str, bool] | Iterable[Decision]) -> list[Decision]:
    if isinstance(decisions, Mapping):
        return [Decision(action, bool(include)) for action, include in decisions.items()]
    latest: dict[str, Decision] = {}
    for d in decisions:  # the latest ``when`` wins; among equals, the later in the sequence
        kept = latest.get(d.action)
        if kept is None or kept.when is None or (d.when is not None and d.when >= kept.when):
            latest[d.action] = d
    return list(latest.values())


@dataclass
class _Model:
    """The constraints of a plan: capacities, and where each action's use of them goes."""

    constraints: list[Constraint]
    capacity: list[float]
    load: list[float]
    budget_row: int | None
    role_rows: dict[Role, int]  # row of the role's first plan week; week i is that row + i

    @property
    def available(self) -> list[float]:
        return [max(0.0, c - load) for c, load in zip(self.capacity, self.load, strict=True)]

    def usage(self, plan: Plan, action: Action) -> dict[int, float]:
        """Row → amount the action takes of it (budget, and hours in each plan week)."""
        use: dict[int, float] = {}
        if self.budget_row is not None and action.budget:
            use[self.budget_row] = float(action.budget)
        first_row = self.role_rows.get(action.role) if action.role is not None else None
        if first_row is not None:
            shares, span = _spread(plan, action)
            hours = float(action.hours)
            for index, days in shares:
                use[first_row + index] = hours * days / span
        return use


def _build_model(plan: Plan, subtract_funnel_load: bool) -> tuple[_Model, bool]:
    constraints: list[Constraint] = []
    capacities: list[float] = []
    loads: list[float] = []
    budget_row = None
    if plan.budget is not None:
        budget_row = len(constraints)
        constraints.append(Constraint(ConstraintKind.BUDGET))
        capacities.append(float(plan.budget))
        loads.append(0.0)
    team: dict[Role, Decimal] = defaultdict(Decimal)
    for member in plan.team:
        team[member.role] += member.headcount * member.hours_per_week
    load = funnel_load(plan) if subtract_funnel_load else None
    role_rows: dict[Role, int] = {}
    for role, weekly in team.items():
        role_rows[role] = len(constraints)
        for week in weeks_between(plan.start, plan.end):
            constraints.append(Constraint(ConstraintKind.HOURS, role, week))
            capacities.append(float(weekly * len(business_days_in_week(week, plan.start, plan.end, plan.country)) / 5))
            loads.append(float(load.get((role.value, week), 0)) if load else 0.0)
    return _Model(constraints, capacities, loads, budget_row, role_rows), load is not None


def _solve(
    values: list[float],
    usage: list[dict[int, float]],
    room: list[float],
    *,
    mip_rel_gap: float,
    time_limit: float | None,
) -> tuple[list[bool], bool, float | None]:
    """Choose among free candidates; returns the choice, whether the solver finished (rather than
    stopping at its time limit), and its upper bound on the candidates' total value (None if unknown)."""
    n = len(values)
    rows, cols, data = [], [], []
    for col, use in enumerate(usage):
        for row, amount in use.items():
            rows.append(row)
            cols.append(col)
            data.append(amount)
    matrix = csr_array((data, (rows, cols)), shape=(len(room), n))
    options: dict[str, float] = {"mip_rel_gap": mip_rel_gap}
    if time_limit is not None:
        options["time_limit"] = time_limit
    result = milp(
        c=-np.asarray(values, dtype=np.float64),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix, -np.inf, np.asarray(room, dtype=np.float64)),
        options=options,
    )
    if result.status not in (0, 1):  # 0 optimal, 1 a limit was reached; 0 is always feasible here
        raise RuntimeError(f"the solver failed: {result.message}")
    chosen = [bool(v > 0.5) for v in result.x] if result.x is not None else [False] * n
    bound = result.mip_dual_bound
    return chosen, result.status == 0, (-float(bound) if bound is not None and np.isfinite(bound) else None)


def select_actions(
    plan: Plan,
    *,
    decisions: Mapping[str, bool] | Iterable[Decision] = (),
    subtract_funnel_load: bool = True,
    mip_rel_gap: float = 0.0,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
) -> Selection:
    """The most valuable set of actions the team can carry (see the module docstring)."""
    model, load_subtracted = _build_model(plan, subtract_funnel_load)
    available = model.available
    team_roles = {member.role for member in plan.team}
    known = {a.id for a in plan.actions}
    latest = _latest(decisions)
    applied = [d for d in latest if d.action in known]
    unknown = tuple(sorted({d.action for d in latest} - known))
    forced = {d.action: d for d in applied}

    values: dict[str, Decimal | None] = {}
    usage: dict[str, dict[int, float]] = {}
    left: dict[str, LeftOut] = {}
    included: list[Action] = []
    free: list[Action] = []
    violations: list[Violation] = []
    for a in plan.actions:
        value = values[a.id] = estimate_action(plan, a).value
        usage[a.id] = model.usage(plan, a)
        decision = forced.get(a.id)
        no_role = bool(a.hours) and a.role not in team_roles
        if decision is not None and not decision.include:
            left[a.id] = LeftOut(a.id, Reason.EXCLUDED_BY_DECISION, value, decision=decision)
        elif decision is not None:
            included.append(a)
            if no_role:
                violations.append(Violation(ViolationCode.NO_SUCH_ROLE, (a.id,), role=a.role, hours=a.hours))
        elif a.status is ActionStatus.CANCELLED:
            left[a.id] = LeftOut(a.id, Reason.CANCELLED, value)
        elif no_role:
            left[a.id] = LeftOut(a.id, Reason.NO_SUCH_ROLE, value, role=a.role, hours=a.hours)
        elif value is None:
            left[a.id] = LeftOut(a.id, Reason.NO_VALUE_ESTIMATE, value)
        elif value <= 0:
            left[a.id] = LeftOut(a.id, Reason.ZERO_VALUE, value)
        else:
            free.append(a)

    fixed_use = [0.0] * len(model.constraints)
    for a in included:
        for row, amount in usage[a.id].items():
            fixed_use[row] += amount
    room = [max(0.0, available[i] - fixed_use[i]) for i in range(len(available))]

    def overflows(action_id: str, space: Sequence[float]) -> tuple[Binding, ...]:
        return tuple(
            Binding(model.constraints[row], amount, space[row])
            for row, amount in sorted(usage[action_id].items())
            if amount > space[row] + _tolerance(space[row])
        )

    chosen: set[str] = set()
    candidates: list[Action] = []
    for a in free:
        too_big = overflows(a.id, room)
        if too_big:
            left[a.id] = LeftOut(a.id, Reason.DOES_NOT_FIT, values[a.id], too_big)
        elif not usage[a.id]:
            chosen.add(a.id)  # it uses no constrained resource: always worth taking
        else:
            candidates.append(a)

    optimal, bound = True, None
    if candidates:
        picks, finished, bound = _solve(
            [float(values[a.id] or 0) for a in candidates],
            [usage[a.id] for a in candidates],
            room,
            mip_rel_gap=mip_rel_gap,
            time_limit=time_limit,
        )
        optimal = finished and mip_rel_gap == 0  # with a gap allowed, "finished" is not "optimal"
        chosen |= {a.id for a, pick in zip(candidates, picks, strict=True) if pick}

    used = list(fixed_use)
    for action_id in chosen:
        for row, amount in usage[action_id].items():
            used[row] += amount

    slack = [max(0.0, available[i] - used[i]) for i in range(len(used))]
    if not optimal:  # complete the solver's incumbent greedily: whatever still fits, best first
        for a in sorted((a for a in candidates if a.id not in chosen), key=lambda a: -(values[a.id] or 0)):
            if not overflows(a.id, slack):
                chosen.add(a.id)
                for row, amount in usage[a.id].items():
                    used[row] += amount
                    slack[row] = max(0.0, available[row] - used[row])
    for a in candidates:
        if a.id not in chosen:
            bindings = overflows(a.id, slack)
            left[a.id] = LeftOut(a.id, Reason.LOWER_VALUE if bindings else Reason.SOLVER_LIMIT, values[a.id], bindings)

    for row, amount in enumerate(fixed_use):
        if amount > available[row] + _tolerance(available[row]):
            culprits = tuple(a.id for a in included if row in usage[a.id])
            violations.append(
                Violation(ViolationCode.OVER_CAPACITY, culprits, model.constraints[row], amount, available[row])
            )

    selected_ids = {a.id for a in included} | chosen
    selected = tuple(a.id for a in plan.actions if a.id in selected_ids)
    total = sum((values[i] or Decimal(0) for i in selected), Decimal(0))
    gap: float | None = 0.0
    if not optimal:  # the solver's bound covers the optimised candidates; the rest is fixed
        optimised = {a.id for a in candidates}
        rest = sum((values[i] or Decimal(0) for i in selected if i not in optimised), Decimal(0))
        gap = max(0.0, (bound + float(rest) - float(total)) / float(total)) if bound is not None and total > 0 else None
    by_id = {a.id: a for a in plan.actions}
    return Selection(
        selected=selected,
        left_out=tuple(left[a.id] for a in plan.actions if a.id in left),
        values=values,
        total_value=total,
        budget_used=sum((by_id[i].budget for i in selected), Decimal(0)),
        budget_available=plan.budget,
        constraints=tuple(
            ConstraintUsage(c, model.capacity[i], model.load[i], available[i], used[i])
            for i, c in enumerate(model.constraints)
        ),
        violations=tuple(violations),
        decisions=tuple(applied),
        unknown_decisions=unknown,
        optimal=optimal,
        gap=gap,
        funnel_load_subtracted=load_subtracted,
    )


# --- messages and JSON -------------------------------------------------------------------------

REASON_TEMPLATES: dict[str, str] = {
    "excluded_by_decision": gettext_noop("Excluded by decision."),
    "excluded_by_decision_of": gettext_noop("Excluded by decision of {who}."),
    "decision_why": gettext_noop("Reason given: {why}"),
    Reason.CANCELLED: gettext_noop("Cancelled action."),
    Reason.NO_SUCH_ROLE: gettext_noop("Its {hours} hours are for role {role}, which is not in the team."),
    Reason.NO_VALUE_ESTIMATE: gettext_noop(
        "No value estimate: give it a value, or an expected outcome at a funnel stage "
        "(with rates down to won and an average deal)."
    ),
    Reason.ZERO_VALUE: gettext_noop("Its expected value is zero."),
    Reason.DOES_NOT_FIT: gettext_noop("Does not fit, even alone: {constraints}."),
    Reason.LOWER_VALUE: gettext_noop(
        "Fits alone, but not with the selected actions, which are worth more: {constraints}."
    ),
    Reason.SOLVER_LIMIT: gettext_noop("Would fit, but the solver stopped at its time limit before taking it."),
    "binding": gettext_noop("{constraint} needs {needed}, {available} left"),
    "hours": gettext_noop("{hours} h"),
    "no_role": gettext_noop("(none)"),
}

VIOLATION_TEMPLATES: dict[ViolationCode, str] = {
    ViolationCode.OVER_CAPACITY: gettext_noop(
        "Actions included by decision ({actions}) overflow the {constraint}: {used} for {available} available."
    ),
    ViolationCode.NO_SUCH_ROLE: gettext_noop(
        "Included by decision, {actions} has {hours} hours for role {role}, which is not in the team: "
        "they are counted nowhere."
    ),
}

Translate = Callable[[str], str]


def _identity(text: str) -> str:
    return text


def _amount(constraint: Constraint, amount: float, fmt: Formatter, translate: Translate) -> str:
    figure = Decimal(str(round(amount, 2)))
    if constraint.kind is ConstraintKind.BUDGET:
        return fmt.money(figure)
    return translate(REASON_TEMPLATES["hours"]).format(hours=fmt.number(figure))


def binding_message(binding: Binding, fmt: Formatter, translate: Translate = _identity) -> str:
    c = binding.constraint
    return translate(REASON_TEMPLATES["binding"]).format(
        constraint=c.label(translate),
        needed=_amount(c, binding.needed, fmt, translate),
        available=_amount(c, binding.available, fmt, translate),
    )


def _role(role: Role | None, translate: Translate) -> str:
    return role.value.upper() if role is not None else translate(REASON_TEMPLATES["no_role"])


def left_out_message(item: LeftOut, fmt: Formatter | None = None, translate: Translate = _identity) -> str:
    """Why an action was left out, in the reader's language."""
    fmt = fmt or Formatter("en")
    if item.reason is Reason.EXCLUDED_BY_DECISION:
        d = item.decision
        text = (
            translate(REASON_TEMPLATES["excluded_by_decision_of"]).format(who=d.who)
            if d and d.who
            else translate(REASON_TEMPLATES["excluded_by_decision"])
        )
        if d and d.why:
            text += " " + translate(REASON_TEMPLATES["decision_why"]).format(why=d.why)
        return text
    return translate(REASON_TEMPLATES[item.reason]).format(
        hours=fmt.number(item.hours),
        role=_role(item.role, translate),
        constraints="; ".join(binding_message(b, fmt, translate) for b in item.bindings),
    )


def violation_message(violation: Violation, fmt: Formatter | None = None, translate: Translate = _identity) -> str:
    fmt = fmt or Formatter("en")
    c = violation.constraint
    return translate(VIOLATION_TEMPLATES[violation.code]).format(
        actions=", ".join(violation.actions),
        constraint=c.label(translate) if c else "",
        used=_amount(c, violation.used, fmt, translate) if c else "",
        available=_amount(c, violation.available, fmt, translate) if c else "",
        hours=fmt.number(violation.hours),
        role=_role(violation.role, translate),
    )


def _num(value: Decimal | float | int | None, digits: int = 6) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(round(value, digits))
    return round(float(value), digits) if isinstance(value, float) else value


def _input(value: InputValue) -> Any:
    return _num(value) if isinstance(value, Decimal) else value


def ranked_to_json(ranked: Ranked) -> dict[str, Any]:
    b = ranked.breakdown
    return {
        "id": ranked.id,
        "name": ranked.name,
        "group": ranked.group,
        "rank": ranked.rank,
        "score": round(b.score, 4),
        "components": {
            name: {
                "raw": _num(c.raw),
                "normalised": round(c.normalised, 4),
                "weight": round(c.weight, 6),
                "points": round(c.points, 4),
            }
            for name, c in (("value", b.value), ("velocity", b.velocity), ("cost", b.cost))
        },
        "inputs": {k: _input(v) for k, v in b.inputs.items()},
        "flags": list(b.flags),
    }


def _decision_json(d: Decision) -> dict[str, Any]:
    return {
        "action": d.action,
        "include": d.include,
        "who": d.who,
        "why": d.why,
        "when": d.when.isoformat() if d.when else None,
    }


def selection_to_json(selection: Selection, fmt: Formatter | None = None) -> dict[str, Any]:
    fmt = fmt or Formatter("en")
    return {
        "selected": list(selection.selected),
        "total_value": _num(selection.total_value, 2),
        "budget_used": _num(selection.budget_used, 2),
        "budget_available": _num(selection.budget_available, 2),
        "optimal": selection.optimal,
        "gap": selection.gap,
        "funnel_load_subtracted": selection.funnel_load_subtracted,
        "left_out": [
            {
                "id": lo.action,
                "reason": lo.reason.value,
                "message": left_out_message(lo, fmt),
                "value": _num(lo.value, 2),
                "constraints": [
                    {
                        "constraint": b.constraint.key,
                        "label": b.constraint.label(),
                        "needed": _num(b.needed, 4),
                        "available": _num(b.available, 4),
                    }
                    for b in lo.bindings
                ],
                "decision": _decision_json(lo.decision) if lo.decision else None,
            }
            for lo in selection.left_out
        ],
        "constraints": [
            {
                "constraint": c.constraint.key,
                "kind": c.constraint.kind.value,
                "role": c.constraint.role.value if c.constraint.role else None,
                "week": c.constraint.week.label if c.constraint.week else None,
                "label": c.constraint.label(),
                "capacity": _num(c.capacity, 4),
                "funnel_load": _num(c.funnel_load, 4),
                "available": _num(c.available, 4),
                "used": _num(c.used, 4),
                "slack": _num(c.slack, 4),
                "binding": c.binding,
            }
            for c in selection.constraints
        ],
        "violations": [
            {
                "code": v.code.value,
                "actions": list(v.actions),
                "constraint": v.constraint.key if v.constraint else None,
                "used": _num(v.used, 4),
                "available": _num(v.available, 4),
                "message": violation_message(v, fmt),
            }
            for v in selection.violations
        ],
        "decisions": [_decision_json(d) for d in selection.decisions],
        "unknown_decisions": list(selection.unknown_decisions),
    }


def to_json(ranks: Rankings, selection: Selection, fmt: Formatter | None = None) -> dict[str, Any]:
    """The ``pac priorities --json`` document."""
    w = ranks.weights
    return {
        "weights": {"value": _num(w.value), "velocity": _num(w.velocity), "cost": _num(w.cost)},
        "hourly_cost": _num(ranks.hourly_cost),
        "segments": [ranked_to_json(r) for r in ranks.segments],
        "accounts": [ranked_to_json(r) for r in ranks.accounts],
        "actions": [ranked_to_json(r) for r in ranks.actions],
        "selection": selection_to_json(selection, fmt),
    }
