"""The pace of a cumulative objective, week by week: the burn-up (plan, actual, and where the forecast
band goes) and the rolling re-plan.

The original weekly target spreads the objective over the business days of its window, as
``progress.expected_share`` does, so the burn-up and the progress bar say the same thing. Each week the
re-plan spreads what remains (target − actual so far) over the business days left, in the same
proportions: a team behind plan sees each remaining week's target grow, and by how much. Past weeks show
what was actually produced. Invariant: re-planned weeks to come + actual so far = target (when the
target is not yet reached), to the cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from pac.engine.model import Plan
from pac.engine.workdays import IsoWeek, business_days_in_week, weeks_between


@dataclass(frozen=True)
class WeekPace:
    week: IsoWeek
    business_days: int
    past: bool  # ended before today's week
    planned: Decimal  # the original weekly target
    replanned: Decimal | None  # what is still asked of the week (None: the week is past)
    actual: Decimal | None  # what the week brought, so far for the week under way (None: to come)
    planned_to_date: Decimal  # cumulative, at the week's end
    actual_to_date: Decimal | None  # cumulative, at the week's end (so far for the week under way)


@dataclass(frozen=True)
class Pace:
    target: Decimal
    weeks: tuple[WeekPace, ...]
    actual_to_date: Decimal
    remaining: Decimal  # target − actual so far, never below 0

    @property
    def next_week(self) -> WeekPace | None:
        """The first week still to come (its re-planned target is what to ask of the team now)."""
        return next((w for w in self.weeks if not w.past), None)

    @property
    def replanned_week(self) -> Decimal | None:
        """The re-planned target of the first whole week still to come (not the week under way, partly
        done), or of the last week when only short ones are left."""
        full = max((w.business_days for w in self.weeks), default=0)
        ahead = [w for w in self.weeks if w.actual is None]
        whole = next((w.replanned for w in ahead if w.business_days == full), None)
        return whole if whole is not None else (ahead[-1].replanned if ahead else None)


def _spread(total: Decimal, days: list[int]) -> list[Decimal]:
    """``total`` over slots weighted by business days, in cents, the rounding left on the last slot with
    days so that the parts add up to ``total`` exactly."""
    all_days = sum(days)
    if not all_days:  # no business day left: what remains is still due, on the last slot
        return [Decimal(0)] * (len(days) - 1) + [total] if days else []
    cent = Decimal("0.01")
    parts = [(total * d / all_days).quantize(cent) for d in days]
    last = max(i for i, d in enumerate(days) if d)
    parts[last] += total - sum(parts)
    return parts


def pace(
    plan: Plan, target: Decimal, weekly_actual: Mapping[IsoWeek, Decimal], today: dt.date, due: dt.date | None = None
) -> Pace:
    """The objective's weeks from the plan's start to ``due`` (the plan's end by default). The week under
    way shows its actual so far and is re-planned with the weeks after it (what it must still bring).
    ``weekly_actual`` by ISO week; a week missing from it brought nothing."""
    end = due or plan.end
    weeks = weeks_between(plan.start, end)
    days = [len(business_days_in_week(w, plan.start, end, plan.country)) for w in weeks]
    planned = _spread(target, days)
    current = IsoWeek.of(today)
    past = [w < current for w in weeks]
    started = [w <= current for w in weeks]
    actual_to_date = sum((weekly_actual.get(w, Decimal(0)) for w in weeks if w <= current), Decimal(0))
    remaining = max(target - actual_to_date, Decimal(0))
    to_come = [i for i, w in enumerate(weeks) if not past[i]]
    days_left = [
        len(business_days_in_week(weeks[i], max(today, plan.start), end, plan.country))
        if weeks[i] == current
        else days[i]
        for i in to_come
    ]  # the week under way shares what remains by the days it has left
    replanned = _spread(remaining, days_left) if to_come else []
    replanned_by_week = dict(zip((weeks[i] for i in to_come), replanned, strict=True))
    rows = []
    planned_sum = Decimal(0)
    actual_sum = Decimal(0)
    for week, week_days, week_planned, is_past, has_begun in zip(weeks, days, planned, past, started, strict=True):
        planned_sum += week_planned
        actual = weekly_actual.get(week, Decimal(0)) if has_begun else None
        actual_sum += actual or 0
        rows.append(
            WeekPace(
                week,
                week_days,
                is_past,
                week_planned,
                replanned_by_week.get(week),
                actual,
                planned_sum,
                actual_sum if has_begun else None,
            )
        )
    return Pace(target, tuple(rows), actual_to_date, remaining)
