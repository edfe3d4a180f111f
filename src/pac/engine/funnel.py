"""The reverse funnel: from a revenue target down to the volumes each stage must produce.

Rule (DESIGN.md): ``won = ceil(revenue / average_deal)``; going up, each stage needs
``ceil(next_volume / rate)``, in exact decimals so that 12 / 0.6 is 20 and never 21. The lead
time of a stage is the sum of the median ``days`` of the stages below it: that much work happens
before the win, so part of it can fall before the plan starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from pac.engine.model import Metric, Plan, Stage


class FunnelInputError(ValueError):
    """The plan lacks what the reverse funnel needs; ``code`` names the gap for diagnostics."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def ceil_div(numerator: Decimal, denominator: Decimal) -> int:
    return int((numerator / denominator).to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True)
class StageVolume:
    stage: Stage
    volume: int
    rate: Decimal | None
    days_to_won: int


@dataclass(frozen=True)
class ReverseFunnel:
    stages: tuple[StageVolume, ...]
    revenue_target: Decimal | None

    @property
    def won(self) -> int:
        return self.stages[-1].volume

    @property
    def lead_time_days(self) -> int:
        return self.stages[0].days_to_won

    def volume(self, stage: Stage) -> int | None:
        return next((s.volume for s in self.stages if s.stage is stage), None)


def periods_in_plan(plan: Plan, per: str | None) -> Decimal:
    """How many times a recurring objective repeats over the plan (13 weeks in a quarter)."""
    if per is None:
        return Decimal(1)
    days = Decimal(plan.days)
    length = {"week": Decimal(7), "month": Decimal("365.25") / 12, "quarter": Decimal("365.25") / 4}[per]
    return max(Decimal(1), (days / length).to_integral_value())


def revenue_target(plan: Plan) -> Decimal | None:
    """Sum of the plan's revenue objectives (recurring ones multiplied out)."""
    targets = [
        o.target * periods_in_plan(plan, o.per)
        for o in plan.objectives
        if o.metric is Metric.REVENUE and o.target is not None
    ]
    return sum(targets, Decimal(0)) if targets else None


def funnel_gaps(plan: Plan) -> list[FunnelInputError]:
    """Everything missing for the reverse funnel, all at once (not just the first gap)."""
    gaps = []
    steps = list(plan.steps)
    if not steps or steps[-1].stage is not Stage.WON:
        gaps.append(FunnelInputError("funnel_no_won_stage"))
    for step in steps[:-1]:
        if step.rate is None or step.rate <= 0:
            gaps.append(FunnelInputError("funnel_rate_missing", stage=step.stage.value))
    has_wins = any(o.metric is Metric.WINS and o.target is not None for o in plan.objectives)
    if revenue_target(plan) is not None:
        if not plan.average_deal:
            gaps.append(FunnelInputError("funnel_no_average_deal"))
    elif not has_wins:
        gaps.append(FunnelInputError("funnel_no_target"))
    return gaps


def won_target(plan: Plan) -> int:
    """Wins needed: from revenue ÷ average deal, else from the ``wins`` objectives."""
    revenue = revenue_target(plan)
    if revenue is not None and plan.average_deal:
        return ceil_div(revenue, plan.average_deal)
    total = sum(
        (
            o.target * periods_in_plan(plan, o.per)
            for o in plan.objectives
            if o.metric is Metric.WINS and o.target is not None
        ),
        Decimal(0),
    )
    return ceil_div(total, Decimal(1))


def reverse_funnel(plan: Plan) -> ReverseFunnel:
    """Volumes needed at each stage; raises the first of ``funnel_gaps`` when the plan cannot say."""
    gaps = funnel_gaps(plan)
    if gaps:
        raise gaps[0]
    steps = list(plan.steps)
    volumes: list[StageVolume] = [StageVolume(Stage.WON, won_target(plan), None, 0)]
    for step in reversed(steps[:-1]):
        below = volumes[0]
        assert step.rate is not None
        volumes.insert(
            0,
            StageVolume(
                step.stage, ceil_div(Decimal(below.volume), step.rate), step.rate, below.days_to_won + step.days
            ),
        )
    return ReverseFunnel(tuple(volumes), revenue_target(plan))
