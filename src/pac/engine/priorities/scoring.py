"""Scoring: what to go after first — segments, accounts and actions on value, velocity and cost.

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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from pac.engine.model import Action, ActionStatus, FunnelStep, Plan, PriorityWeights, Stage

#: Loaded cost of one hour of sales work, in the plan's currency, when none is given.
DEFAULT_HOURLY_COST = Decimal(60)

NO_VALUE_ESTIMATE = "no_value_estimate"
NO_VELOCITY_ESTIMATE = "no_velocity_estimate"
NO_COST_ESTIMATE = "no_cost_estimate"

NO_STAGE = "none"  # the group of actions whose expected outcome has no funnel stage


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
