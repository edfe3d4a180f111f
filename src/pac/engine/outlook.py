"""The funnel pushed forward: how many wins the open pipeline and the current pace bring by the end of
the plan, against what is still to win — the gap the corrective levers (``corrections``) close.

A deal at a stage wins with the product of the plan's rates from that stage down, ``days_to_won``
later (the sum of the median ``days`` of its stage and those below), less the days it has already spent
in its stage when they are known: it counts only when that falls on or before the plan's end. A deal in
its stage for more than the plan's ``stalled_factor`` × that lead time is stalled (the alerts name it)
and is not counted on. The pace adds, at each stage, its weekly inflow for the weeks left
before that stage's lead time. A ``Change`` (more volume, a higher rate, a bigger deal, a shorter
cycle) is applied to the same computation, so a lever is checked by the very model that sized it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from pac.engine.funnel import revenue_target, won_target
from pac.engine.model import Plan, Stage

#: Wins below which a gap is closed: what decimal rounding leaves of an exact balance (28 digits).
EPSILON = Decimal("1e-12")

#: Open deals counted per stage at most, and weekly inflow, so that every figure stays bounded.
MAX_COUNT = 1_000_000
#: Days a deal may have spent in its stage (a century: anything longer is bad data).
MAX_DAYS = 36_500


@dataclass(frozen=True)
class Gap:
    """Where the period stands on the day of the computation: booked so far, the open deals by
    current stage, and the new entries per week at the current pace (usually at the funnel's top)."""

    booked_revenue: Decimal = Decimal(0)
    booked_wins: int = 0
    open_deals: Mapping[Stage, int] = field(default_factory=dict)
    weekly_inflow: Mapping[Stage, Decimal] = field(default_factory=dict)
    #: open deals whose days in their stage are known: stage → {days: deals} (``open_deals``: just entered)
    aged_deals: Mapping[Stage, Mapping[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        aged = [n for by_age in self.aged_deals.values() for n in by_age.values()]
        counts: list[Decimal | int] = [*self.open_deals.values(), *self.weekly_inflow.values(), self.booked_wins]
        if any(c < 0 or c > MAX_COUNT for c in [*counts, *aged]) or sum(aged) > MAX_COUNT:
            raise ValueError(f"counts must be between 0 and {MAX_COUNT}")
        if any(not 0 <= days <= MAX_DAYS for by_age in self.aged_deals.values() for days in by_age):
            raise ValueError(f"days in a stage must be between 0 and {MAX_DAYS}")


@dataclass(frozen=True)
class Change:
    """A lever, as what it changes: extra volume at stages (produced in time to close), a stage's
    rate, the average deal, days cut from every stage's lead time."""

    extra: Mapping[Stage, int] = field(default_factory=dict)
    rates: Mapping[Stage, Decimal] = field(default_factory=dict)
    average_deal: Decimal | None = None
    cycle_cut: int = 0


@dataclass(frozen=True)
class Outlook:
    """Wins still needed (revenue left ÷ average deal, or the wins objective left) against the wins the
    pipeline and the pace bring; ``revenue_needed`` is None for a plan counted in wins."""

    wins_needed: Decimal
    wins_expected: Decimal
    revenue_needed: Decimal | None
    average_deal: Decimal | None

    @property
    def short(self) -> Decimal:
        """Wins missing (0 when the pipeline and the pace are enough)."""
        return max(Decimal(0), self.wins_needed - self.wins_expected)

    @property
    def revenue_expected(self) -> Decimal | None:
        return self.wins_expected * self.average_deal if self.average_deal else None

    @property
    def closed(self) -> bool:
        return self.short <= EPSILON


def funnel_stages(plan: Plan) -> list[Stage]:
    """The plan's stages above « won », top to bottom."""
    return [s.stage for s in plan.steps if s.stage is not Stage.WON]


def plan_stage(plan: Plan, stage: Stage) -> Stage | None:
    """The plan's stage a CRM stage counts as: itself, or the next one down the plan has."""
    return next((s.stage for s in plan.steps if s.stage.order >= stage.order), None)


def days_to_won(plan: Plan, cut: int = 0) -> dict[Stage, int]:
    """Each stage's lead time to a win, ``cut`` days shorter (never under 0)."""
    found: dict[Stage, int] = {}
    total = 0
    for step in reversed(plan.steps):
        total += step.days if step.stage is not Stage.WON else 0
        found[step.stage] = max(0, total - cut)
    return found


def rates(plan: Plan, change: Change = Change()) -> dict[Stage, Decimal]:
    return {s.stage: change.rates.get(s.stage, s.rate or Decimal(0)) for s in plan.steps if s.stage is not Stage.WON}


def win_probability(plan: Plan, stage: Stage, change: Change = Change(), at: Stage = Stage.WON) -> Decimal:
    """The share of ``stage``'s volume that reaches ``at`` (ends won by default): the product of the
    rates from ``stage`` down to ``at``; 0 when ``at`` is above ``stage``."""
    if stage.order > at.order:
        return Decimal(0)
    probability = Decimal(1)
    for s, rate in rates(plan, change).items():
        if stage.order <= s.order < at.order:
            probability *= rate
    return probability


def expected_arrivals(
    plan: Plan, gap: Gap, today: dt.date, change: Change = Change(), at: Stage = Stage.WON
) -> Decimal:
    """How many reach stage ``at`` by the plan's end from the open deals, the pace and the change's
    extra volume (``at`` = won: the expected wins)."""
    left = (plan.end - today).days
    lead = days_to_won(plan, change.cycle_cut)
    if at not in lead:
        return Decimal(0)

    def reach(stage: Stage) -> Decimal:
        return win_probability(plan, stage, change, at)

    found = Decimal(0)
    for crm_stage, count in gap.open_deals.items():
        stage = plan_stage(plan, crm_stage)
        if stage is not None and lead[stage] - lead[at] <= left:
            found += count * reach(stage)
    usual = days_to_won(plan)  # a stalled deal is measured against the plan's lead time, whatever the change
    for crm_stage, by_age in gap.aged_deals.items():
        stage = plan_stage(plan, crm_stage)
        if stage is None:
            continue
        for days, count in by_age.items():
            stalled = usual[stage] > 0 and days > plan.alerts.stalled_factor * usual[stage]
            if not stalled and lead[stage] - lead[at] - days <= left:
                found += count * reach(stage)
    for crm_stage, weekly in gap.weekly_inflow.items():
        stage = plan_stage(plan, crm_stage)
        if stage is not None and lead[stage] - lead[at] < left:
            found += weekly * Decimal(left - lead[stage] + lead[at]) / 7 * reach(stage)
    for stage, volume in change.extra.items():
        found += volume * reach(stage)
    return found


def expected_wins(plan: Plan, gap: Gap, today: dt.date, change: Change = Change()) -> Decimal:
    """Wins the open deals, the pace and the change's extra volume bring by the plan's end."""
    return expected_arrivals(plan, gap, today, change)


def outlook(plan: Plan, gap: Gap, today: dt.date, change: Change = Change()) -> Outlook:
    """What is still needed against what is expected, with ``change`` applied."""
    average_deal = change.average_deal or plan.average_deal
    revenue = revenue_target(plan)
    expected = expected_wins(plan, gap, today, change)
    if revenue is not None and average_deal:
        left = max(Decimal(0), revenue - gap.booked_revenue)
        return Outlook(left / average_deal, expected, left, average_deal)
    return Outlook(Decimal(max(0, won_target(plan) - gap.booked_wins)), expected, None, average_deal)
