"""What a lever asks of the team, per role and ISO week, against what is free: the capacity check of
the corrective levers.

A lever's work is volumes of stages produced evenly over the business days of a window (each lower
stage later by the difference of lead times, as ``schedule`` dates them); each unit costs the plan's
``effort`` hours of each role. What is free is what ``capacity`` leaves after the plan's own load
(never below 0), plus the hours a proposed hire gives with the plan's ramp-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pac.engine.allocation import allocate
from pac.engine.capacity import RoleCapacity, daily_hours
from pac.engine.model import Plan, Role, Stage, TeamRole
from pac.engine.workdays import IsoWeek, business_days_in_week, is_business_day

Cell = tuple[Role, IsoWeek]


@dataclass(frozen=True)
class Work:
    """``volume`` of ``stage`` produced from ``first`` to ``last`` (both included)."""

    stage: Stage
    volume: int
    first: dt.date
    last: dt.date


@dataclass(frozen=True)
class Binding:
    """The role and week where a lever asks the most hours beyond what is free."""

    role: Role
    week: IsoWeek
    needed: Decimal
    free: Decimal


def working_days(plan: Plan, first: dt.date, last: dt.date) -> list[dt.date]:
    """The business days from ``first`` to ``last``; the last day alone when there is none."""
    span = (last - first).days + 1
    days = [first + dt.timedelta(days=i) for i in range(max(0, span))]
    return [d for d in days if is_business_day(d, plan.country)] or [last]


def hours_asked(plan: Plan, works: Iterable[Work]) -> dict[Cell, Decimal]:
    """Hours each role spends each week on ``works``, with the plan's effort per stage."""
    asked: dict[Cell, Decimal] = {}
    for work in works:
        efforts = [e for e in plan.effort if e.stage is work.stage and e.hours]
        if not efforts or not work.volume:
            continue
        days = working_days(plan, work.first, work.last)
        for day, share in zip(days, allocate(work.volume, [Decimal(1)] * len(days)), strict=True):
            for effort in efforts:
                if share:
                    cell = (effort.role, IsoWeek.of(day))
                    asked[cell] = asked.get(cell, Decimal(0)) + effort.hours * share
    return asked


def free_hours(roles: Sequence[RoleCapacity]) -> dict[Cell, Decimal]:
    """Each role's hours left in each plan week once the plan's own load is done."""
    return {
        (Role(rc.role), w.week): max(Decimal(0), w.hours_available - w.hours_needed) for rc in roles for w in rc.weeks
    }


def hire_hours(plan: Plan, hire: TeamRole, week: IsoWeek) -> Decimal:
    """Hours a hire gives in a plan week, with its ramp-up."""
    days = business_days_in_week(week, plan.start, plan.end, plan.country)
    return sum((daily_hours(hire, day) for day in days), Decimal(0))


def binding(
    plan: Plan, asked: dict[Cell, Decimal], free: dict[Cell, Decimal], hire: TeamRole | None = None
) -> Binding | None:
    """The cell asked most beyond what is free (the earliest on a tie), or None when all fits."""
    worst: Binding | None = None
    for (role, week), needed in sorted(asked.items(), key=lambda kv: (kv[0][1], kv[0][0].value)):
        available = free.get((role, week), Decimal(0))
        if hire is not None and hire.role is role:
            available += hire_hours(plan, hire, week)
        if needed > available and (worst is None or needed - available > worst.needed - worst.free):
            worst = Binding(role, week, needed, available)
    return worst


def freest_role(plan: Plan, stage: Stage, free: dict[Cell, Decimal], weeks: set[IsoWeek]) -> Role | None:
    """Of the roles with effort on ``stage``, the one with the most free hours over ``weeks``."""
    roles = sorted({e.role for e in plan.effort if e.stage is stage and e.hours}, key=lambda r: r.value)
    if not roles:
        return None
    return max(roles, key=lambda r: sum((free.get((r, w), Decimal(0)) for w in weeks), Decimal(0)))
