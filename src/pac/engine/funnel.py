"""The reverse funnel: from a revenue target down to the volumes each stage must produce.

Rule (DESIGN.md): ``won = ceil(revenue / average_deal)``; going up, each stage needs
``ceil(next_volume / rate)``, in exact decimals so that 12 / 0.6 is 20 and never 21. The lead
time of a stage is the sum of the median ``days`` of the stages below it: that much work happens
before the win, so part of it can fall before the plan starts.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from pac.engine.allocation import allocate
from pac.engine.calendar import IsoWeek, business_days_in_week, previous_business_day, weeks_between
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
    """Business days of the plan (no weekend, no public holiday of the plan's country) and their
    weights: equal by default; with ``weekly_weights``, each week's weight is shared by its
    business days."""
    if plan.weekly_weights is not None and len(plan.weekly_weights) != len(weeks):
        raise FunnelInputError("funnel_weights_length", expected=len(weeks), given=len(plan.weekly_weights))
    days: list[tuple[dt.date, Decimal]] = []
    for index, week in enumerate(weeks):
        working = business_days_in_week(week, plan.start, plan.end, plan.country)
        if not working and plan.weekly_weights is not None:
            # a week with no business day in the plan still gets the weight it was given
            working = [d for d in (week.monday + dt.timedelta(days=i) for i in range(7)) if plan.start <= d <= plan.end]
        if not working:
            continue
        weight = Decimal(1) if plan.weekly_weights is None else plan.weekly_weights[index] / len(working)
        days += [(d, weight) for d in working]
    if not days:  # a plan made only of weekend and holidays still has to land somewhere
        days = [(plan.start, Decimal(1))]
    return days


def weekly_schedule(plan: Plan, funnel: ReverseFunnel) -> Schedule:
    """Spread the wins over the plan's business days, move each upper stage earlier by its lead
    time (in calendar days, then back to a business day), then count per ISO week. Each stage's
    weekly volumes add up to its total exactly."""
    weeks = weeks_between(plan.start, plan.end)
    days = day_weights(plan, weeks)
    weights = [w for _, w in days]
    if sum(weights, Decimal(0)) <= 0:
        raise FunnelInputError("funnel_weights_length", expected=len(weeks), given=len(weeks))
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


@dataclass(frozen=True)
class WeekLoad:
    week: IsoWeek
    hours_needed: Decimal
    hours_available: Decimal

    @property
    def utilisation(self) -> Decimal | None:
        return self.hours_needed / self.hours_available if self.hours_available else None


@dataclass(frozen=True)
class RoleCapacity:
    """One role's load over the plan: needed hours come from ``effort`` × scheduled volumes."""

    role: str
    headcount: int
    hours_per_week: Decimal
    weeks: tuple[WeekLoad, ...]
    hours_before_plan: Decimal

    @property
    def hours_needed(self) -> Decimal:
        return sum((w.hours_needed for w in self.weeks), Decimal(0))

    @property
    def hours_available(self) -> Decimal:
        return sum((w.hours_available for w in self.weeks), Decimal(0))

    @property
    def utilisation(self) -> Decimal | None:
        return self.hours_needed / self.hours_available if self.hours_available else None

    @property
    def peak_utilisation(self) -> Decimal | None:
        values = [u for u in (w.utilisation for w in self.weeks) if u is not None]
        return max(values) if values else None

    @property
    def weeks_over_capacity(self) -> list[IsoWeek]:
        return [w.week for w in self.weeks if w.hours_needed > w.hours_available]

    @property
    def headcount_needed(self) -> int:
        """People needed so that no week of the plan goes over 100 %."""
        needed = 0
        for w in self.weeks:
            per_person = w.hours_available / self.headcount if self.headcount else None
            if w.hours_needed and per_person:
                needed = max(needed, ceil_div(w.hours_needed, per_person))
            elif w.hours_needed:
                needed = max(needed, ceil_div(w.hours_needed, self.hours_per_week))
        return needed


def capacity(plan: Plan, schedule: Schedule) -> list[RoleCapacity]:
    """Per role: hours needed each plan week vs headcount × hours (pro rata on partial weeks)."""
    team = {t.role.value: t for t in plan.team}
    roles = list(team) + sorted({e.role.value for e in plan.effort} - set(team))
    result = []
    for role in roles:
        member = team.get(role)
        headcount = member.headcount if member else 0
        hours_per_week = member.hours_per_week if member else Decimal(35)
        efforts = {e.stage: e.hours for e in plan.effort if e.role.value == role}

        def needed(week: IsoWeek, before: bool, efforts: dict[Stage, Decimal] = efforts) -> Decimal:
            return sum((h * schedule.volume(week, s, before) for s, h in efforts.items()), Decimal(0))

        loads = tuple(
            WeekLoad(
                w,
                needed(w, False),
                headcount * hours_per_week * len(business_days_in_week(w, plan.start, plan.end, plan.country)) / 5,
            )
            for w in schedule.plan_weeks
        )
        before = sum((needed(w, True) for w in schedule.weeks), Decimal(0))
        result.append(RoleCapacity(role, headcount, hours_per_week, loads, before))
    return result
