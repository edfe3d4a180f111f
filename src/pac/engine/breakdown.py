"""An annual (or any long) plan broken into quarters or months, each part a plan of its own.

Why: a manager sets the year's target once, then steers quarter by quarter. The year's totals must split
so that the parts add up exactly (1 000 000 € over four quarters is four whole amounts summing to
1 000 000, never 999 999), weighted by the season — from history or typed — and what the plan holds
(actions, events, sequences…) must land in the part where it happens, its volumes, budget and hours
shared out by the business days it spends in each part.

Invariant: for every split figure, the parts' values add up to the whole (``allocation.allocate``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from enum import StrEnum

from pac.engine import model
from pac.engine.allocation import allocate
from pac.engine.workdays import business_days_between, fiscal_quarter_bounds, fiscal_quarters_between, weeks_between

ONE_DAY = dt.timedelta(days=1)
#: Metrics that are levels or ratios, not totals: every part keeps the year's value.
NOT_SPLIT = frozenset({*model.RATE_METRICS, model.Metric.CYCLE_DAYS, model.Metric.AVERAGE_DEAL})


class By(StrEnum):
    QUARTER = "quarter"
    MONTH = "month"


@dataclasses.dataclass(frozen=True)
class Part:
    """One part: ``key`` names it (``2027-Q1``, ``2027-03``; quarters are fiscal, named after the year
    they start in), ``share`` is its weight in the whole (the parts' shares add up to 1), ``plan`` is
    the part as a plan of its own."""

    key: str
    start: dt.date
    end: dt.date
    share: Decimal
    plan: model.Plan


def _periods(plan: model.Plan, by: By) -> list[tuple[str, dt.date, dt.date]]:
    """The parts' keys and bounds, clipped to the plan."""
    found: list[tuple[str, dt.date, dt.date]] = []
    if by is By.QUARTER:
        for year, quarter in fiscal_quarters_between(plan.start, plan.end, plan.fiscal_year_start):
            first, last = fiscal_quarter_bounds(year, quarter, plan.fiscal_year_start)
            found.append((f"{year}-Q{quarter}", max(first, plan.start), min(last, plan.end)))
    else:
        day = plan.start.replace(day=1)
        while day <= plan.end:
            following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            found.append((f"{day:%Y-%m}", max(day, plan.start), min(following - ONE_DAY, plan.end)))
            day = following
    return found


def periods(plan: model.Plan, by: By) -> list[tuple[str, dt.date, dt.date]]:
    """The parts' keys and bounds ``break_down`` would make, without making them (is the plan long enough
    to split, into how many parts)."""
    return _periods(plan, By(by))


def _month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    return first, (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - ONE_DAY


def _weight(start: dt.date, end: dt.date, seasonality: Sequence[Decimal], country: str) -> Decimal:
    """The season's weight of [start, end]: each month counts its weight, pro rata of its business days
    inside the range (a whole month counts its full weight)."""
    total = Decimal(0)
    day = start
    while day <= end:
        first, last = _month_bounds(day)
        inside = business_days_between(day, min(last, end), country)
        whole = business_days_between(first, last, country)
        if whole:
            total += seasonality[day.month - 1] * Decimal(inside) / Decimal(whole)
        day = last + ONE_DAY
    return total


def _split(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``total`` shared by ``weights`` in whole units, or in cents when the total has cents."""
    cents = total != total.to_integral_value()
    unit = Decimal("0.01") if cents else Decimal(1)
    shares = allocate(int(total / unit), weights) if sum(weights, Decimal(0)) > 0 else [0] * len(weights)
    return [Decimal(s) * unit for s in shares]


def _objectives(
    plan: model.Plan, periods: Sequence[tuple[str, dt.date, dt.date]], weights: Sequence[Decimal]
) -> list[list[model.Objective]]:
    """Each part's objectives. A total due at the plan's end is split by the season and due at the part's
    end; an objective due earlier belongs whole to the part it falls in; levels, ratios and weekly
    objectives are kept by every part."""
    parts: list[list[model.Objective]] = [[] for _ in periods]
    for objective in plan.objectives:
        spread = (
            objective.per is None
            and objective.target is not None
            and objective.metric not in NOT_SPLIT
            and (objective.deadline is None or objective.deadline >= plan.end)
        )
        if spread and objective.target is not None:
            for n, amount in enumerate(_split(objective.target, weights)):
                if amount > 0:
                    parts[n].append(dataclasses.replace(objective, target=amount, deadline=periods[n][2]))
        elif objective.deadline is not None and objective.per is None and objective.metric not in NOT_SPLIT:
            for n, (_key, start, end) in enumerate(periods):
                if start <= objective.deadline <= end:
                    parts[n].append(objective)
        else:
            for part in parts:
                part.append(objective)
    return parts


def _overlap_days(start: dt.date, end: dt.date, first: dt.date, last: dt.date, country: str) -> int:
    return business_days_between(max(start, first), min(end, last), country)


def _actions(plan: model.Plan, periods: Sequence[tuple[str, dt.date, dt.date]]) -> list[list[model.Action]]:
    """Each part gets the actions that run in it, clipped to it; the expected volume, budget and hours are
    shared by the business days the action spends in each part (adding up to the action's)."""
    parts: list[list[model.Action]] = [[] for _ in periods]
    for action in plan.actions:
        days = [_overlap_days(action.start, action.end, s, e, plan.country) for _k, s, e in periods]
        inside = [n for n, (_k, s, e) in enumerate(periods) if action.start <= e and action.end >= s]
        if not inside:
            continue
        if sum(days) == 0:  # a weekend-only action: all of it where it starts
            days = [1 if n == inside[0] else 0 for n in range(len(periods))]
        weights = [Decimal(d) for d in days]
        budgets, hours = _split(action.budget, weights), _split(action.hours, weights)
        volumes = _split(action.expected.volume, weights) if action.expected else None
        for n in inside:
            if days[n] == 0:
                continue
            _key, start, end = periods[n]
            expected = (
                dataclasses.replace(action.expected, volume=volumes[n])
                if action.expected is not None and volumes is not None and volumes[n] > 0
                else None
            )
            parts[n].append(
                dataclasses.replace(
                    action,
                    start=max(action.start, start),
                    end=min(action.end, end),
                    budget=budgets[n],
                    hours=hours[n],
                    expected=expected,
                    milestones=tuple(m for m in action.milestones if start <= m.date <= end),
                )
            )
    return parts


def _within(start: dt.date, end: dt.date) -> Callable[[dt.date | None], bool]:
    return lambda day: day is not None and start <= day <= end


def break_down(plan: model.Plan, by: By, seasonality: Sequence[Decimal] | None = None) -> list[Part]:
    """The plan's parts, by fiscal quarter or by month. ``seasonality``: twelve monthly weights, January
    first (equal when None), e.g. from ``seasonality_from`` on the team's won revenue."""
    season = tuple(seasonality) if seasonality is not None else (Decimal(1),) * 12
    if len(season) != 12 or any(w < 0 for w in season) or sum(season, Decimal(0)) <= 0:
        raise ValueError("seasonality: twelve weights >= 0, January first, not all zero")
    periods = _periods(plan, By(by))
    weights = [_weight(s, e, season, plan.country) for _k, s, e in periods]
    whole = sum(weights, Decimal(0))
    objectives = _objectives(plan, periods, weights)
    actions = _actions(plan, periods)
    plan_weeks = weeks_between(plan.start, plan.end)
    event_days = {e.id: e.start for e in plan.events}
    parts: list[Part] = []
    for n, (key, start, end) in enumerate(periods):
        inside = _within(start, end)
        weekly = None
        if plan.weekly_weights is not None:
            kept = set(weeks_between(start, end))
            weekly = tuple(w for week, w in zip(plan_weeks, plan.weekly_weights, strict=True) if week in kept)
        part = dataclasses.replace(
            plan,
            start=start,
            end=end,
            objectives=tuple(objectives[n]),
            weekly_weights=weekly,
            budget=_split(plan.budget, weights)[n] if plan.budget is not None and whole > 0 else plan.budget,
            actions=tuple(actions[n]),
            events=tuple(e for e in plan.events if inside(e.start)),
            deadlines=tuple(d for d in plan.deadlines if d.date is None or inside(d.date)),
            sequences=tuple(
                s
                for s in plan.sequences
                if inside(s.start)
                or (s.event is not None and inside(event_days.get(s.event)))
                or (s.start is None and s.event is None and n == 0)
            ),
        )
        # an action's campaign event in another part stays named: keep the event the action prepares
        needed = {a.event for a in part.actions if a.event} - {e.id for e in part.events}
        if needed:
            part = dataclasses.replace(part, events=(*part.events, *(e for e in plan.events if e.id in needed)))
        parts.append(Part(key, start, end, weights[n] / whole if whole else Decimal(0), part))
    return parts


def seasonality_from(revenue_by_month: Sequence[tuple[dt.date, float]]) -> tuple[Decimal, ...]:
    """Twelve monthly weights (January first, mean 1) from won revenue per month (any years): each calendar
    month's average over the years it appears in. A month never seen weighs the average of the others."""
    sums = [0.0] * 12
    counts = [0] * 12
    for month, revenue in revenue_by_month:
        sums[month.month - 1] += max(revenue, 0.0)
        counts[month.month - 1] += 1
    means = [sums[m] / counts[m] if counts[m] else None for m in range(12)]
    seen = [m for m in means if m is not None]
    if not seen or sum(seen) <= 0:
        return (Decimal(1),) * 12
    fill = sum(seen) / len(seen)
    filled = [m if m is not None else fill for m in means]
    average = sum(filled) / 12
    return tuple(Decimal(str(round(m / average, 4))) for m in filled)
