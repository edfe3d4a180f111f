"""The weekly schedule: when each stage's volume has to be produced, ISO week by ISO week.

The wins are spread over the plan's business days (no weekend, no public holiday of the plan's
country), equally or by the plan's weekly weights; each upper stage is then moved earlier by its lead
time, back to a business day, since that is when the work leading to those wins happens. Part of it
may fall before the plan starts: that is the pipeline that must already exist on the first day.
Each stage's weekly volumes add up to its total exactly (``allocation``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from pac.engine.allocation import allocate
from pac.engine.funnel import FunnelInputError, ReverseFunnel
from pac.engine.model import Plan, Stage
from pac.engine.workdays import IsoWeek, business_days_in_week, previous_business_day, weeks_between


@dataclass(frozen=True)
class ScheduledVolume:
    week: IsoWeek
    stage: Stage
    volume: int
    before_plan: bool


@dataclass(frozen=True)
class Schedule:
    """Weekly volumes per stage; volumes dated before the plan start are the pipeline that must
    already exist on that date."""

    plan_weeks: tuple[IsoWeek, ...]
    rows: tuple[ScheduledVolume, ...]

    @property
    def weeks(self) -> list[IsoWeek]:
        return sorted({r.week for r in self.rows} | set(self.plan_weeks))

    def volume(self, week: IsoWeek, stage: Stage, before_plan: bool | None = None) -> int:
        """Volume of ``stage`` in ``week``; ``before_plan`` picks the part dated before (True) or
        from (False) the plan start, which matters in the plan's first, partial week."""
        cells = self._cells
        if before_plan is None:
            return cells.get((week, stage, True), 0) + cells.get((week, stage, False), 0)
        return cells.get((week, stage, before_plan), 0)

    @functools.cached_property
    def _cells(self) -> dict[tuple[IsoWeek, Stage, bool], int]:
        """Rows indexed once: capacity asks for weeks × stages × roles volumes."""
        return {(r.week, r.stage, r.before_plan): r.volume for r in self.rows}

    def before_plan(self) -> dict[Stage, int]:
        totals: dict[Stage, int] = defaultdict(int)
        for r in self.rows:
            if r.before_plan:
                totals[r.stage] += r.volume
        return dict(totals)

    def total(self, stage: Stage) -> int:
        return sum(r.volume for r in self.rows if r.stage is stage)


def day_weights(plan: Plan, weeks: list[IsoWeek]) -> list[tuple[dt.date, Decimal]]:
    """The plan's business days and their weights: equal by default; with ``weekly_weights``, each
    week's weight is shared by its business days (a week without one gets nothing: no work is dated
    on a day off). Raises ``FunnelInputError`` when no business day is left to carry the volumes."""
    if plan.weekly_weights is not None and len(plan.weekly_weights) != len(weeks):
        raise FunnelInputError("funnel_weights_length", expected=len(weeks), given=len(plan.weekly_weights))
    days: list[tuple[dt.date, Decimal]] = []
    for index, week in enumerate(weeks):
        working = business_days_in_week(week, plan.start, plan.end, plan.country)
        if working:
            weight = Decimal(1) if plan.weekly_weights is None else plan.weekly_weights[index] / len(working)
            days += [(d, weight) for d in working]
    if not days:
        raise FunnelInputError("plan_no_business_day", start=plan.start, end=plan.end, country=plan.country)
    if sum((w for _, w in days), Decimal(0)) <= 0:
        raise FunnelInputError("funnel_weights_on_days_off")
    return days


def weekly_schedule(plan: Plan, funnel: ReverseFunnel) -> Schedule:
    """Spread the wins over the plan's business days, move each upper stage earlier by its lead
    time (in calendar days, then back to a business day), then count per ISO week."""
    weeks = weeks_between(plan.start, plan.end)
    days = day_weights(plan, weeks)
    weights = [w for _, w in days]
    cells: dict[tuple[IsoWeek, Stage, bool], int] = defaultdict(int)
    for stage_volume in funnel.stages:
        shares = allocate(stage_volume.volume, weights)
        for (day, _), share in zip(days, shares, strict=True):
            if share:
                moved = day - dt.timedelta(days=stage_volume.days_to_won)
                if stage_volume.days_to_won:  # work happens on business days, like campaigns
                    moved = previous_business_day(moved, plan.country)
                cells[(IsoWeek.of(moved), stage_volume.stage, moved < plan.start)] += share
    rows = tuple(
        ScheduledVolume(week, stage, volume, before)
        for (week, stage, before), volume in sorted(
            cells.items(), key=lambda kv: (kv[0][0], not kv[0][2], kv[0][1].order)
        )
    )
    return Schedule(tuple(weeks), rows)
