"""Hours per role and week: what the team can give, and what the funnel and the actions ask of it.

One model of working time, shared by the funnel check (``capacity``), the selection of actions
(``priorities``) and whatever schedules work later:

- a team entry gives ``headcount × hours_per_week ÷ 5`` hours on each business day of the plan's
  country (no weekend, no public holiday), from its ``start`` on, times its ramp-up factor for the
  month since it started (``ramp_up: [0.5, 0.75]``: half in the first month, three quarters in the
  second, fully productive after) — so a hire who starts in week 6 is not counted from week 1;
- an entry without a start date is the team already in place, there before the plan starts too;
- work is spread over business days the same way: an action's hours evenly over the business days of
  its span (over its calendar days when it has none).

Work the funnel dates before the plan's start (the pipeline to build) is checked against whoever is
already there on those days; when nobody is, it is unassigned work, and the diagnostics say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from pac.engine.funnel import ceil_div
from pac.engine.model import Action, Plan, Role, Stage, TeamRole
from pac.engine.schedule import Schedule
from pac.engine.workdays import IsoWeek, business_days_in_week, is_business_day

#: A person's week when the plan gives none for a role that has effort but no team entry.
DEFAULT_HOURS_PER_WEEK = Decimal(35)
ONE_DAY = dt.timedelta(days=1)


def ramp_factor(member: TeamRole, day: dt.date) -> Decimal:
    """The share of full productivity of ``member`` on ``day``: 0 before its start, its ramp-up
    factor for the month it is in (counted in calendar months from the start), 1 after."""
    if member.start is None:
        return Decimal(1)
    if day < member.start:
        return Decimal(0)
    months = relativedelta(day, member.start)
    elapsed = months.years * 12 + months.months
    return member.ramp_up[elapsed] if elapsed < len(member.ramp_up) else Decimal(1)


def daily_hours(member: TeamRole, day: dt.date) -> Decimal:
    """Hours ``member`` (all of its headcount) gives on ``day``, a business day."""
    return member.headcount * member.hours_per_week / 5 * ramp_factor(member, day)


def members_of(plan: Plan, role: Role) -> list[TeamRole]:
    return [m for m in plan.team if m.role is role]


def hours_on(plan: Plan, role: Role, days: Iterable[dt.date]) -> Decimal:
    """Hours the team's ``role`` gives over ``days`` (business days)."""
    members = members_of(plan, role)
    return sum((daily_hours(m, day) for day in days for m in members), Decimal(0))


def available_hours(plan: Plan, role: Role, week: IsoWeek) -> Decimal:
    """Hours ``role`` gives in a week of the plan (its business days inside the plan's dates)."""
    return hours_on(plan, role, business_days_in_week(week, plan.start, plan.end, plan.country))


def available_before_start(plan: Plan, role: Role, week: IsoWeek) -> Decimal:
    """Hours ``role`` gives in the business days of ``week`` that fall before the plan starts."""
    last = plan.start - ONE_DAY
    return hours_on(plan, role, business_days_in_week(week, week.monday, last, plan.country))


def action_hours(plan: Plan, action: Action) -> dict[IsoWeek, Decimal]:
    """The action's hours falling in each week of the plan: spread evenly over the business days of
    its span (its calendar days when it has none); days outside the plan are not counted."""
    if not action.hours or action.end < action.start:
        return {}
    span = [action.start + dt.timedelta(days=i) for i in range((action.end - action.start).days + 1)]
    working = [day for day in span if is_business_day(day, plan.country)] or span
    per_day = action.hours / len(working)
    weeks: dict[IsoWeek, Decimal] = {}
    for day in working:
        if plan.start <= day <= plan.end:
            week = IsoWeek.of(day)
            weeks[week] = weeks.get(week, Decimal(0)) + per_day
    return weeks


@dataclass(frozen=True)
class WeekLoad:
    week: IsoWeek
    hours_needed: Decimal
    hours_available: Decimal
    person_hours: Decimal = Decimal(0)  # what one fully productive person gives on the week's counted days

    @property
    def utilisation(self) -> Decimal | None:
        return self.hours_needed / self.hours_available if self.hours_available else None

    @property
    def over(self) -> bool:
        return self.hours_needed > self.hours_available


@dataclass(frozen=True)
class RoleCapacity:
    """One role's load: needed hours come from ``effort`` × scheduled volumes. ``weeks`` are the
    plan's weeks; ``before`` the weeks with work dated before the plan starts (their days before
    the start only)."""

    role: str
    headcount: int  # everyone the plan counts on in this role, hires included
    hours_per_week: Decimal  # one full-time person's week in this role
    weeks: tuple[WeekLoad, ...]
    before: tuple[WeekLoad, ...] = ()

    @property
    def hours_needed(self) -> Decimal:
        return sum((w.hours_needed for w in self.weeks), Decimal(0))

    @property
    def hours_available(self) -> Decimal:
        return sum((w.hours_available for w in self.weeks), Decimal(0))

    @property
    def hours_before_plan(self) -> Decimal:
        return sum((w.hours_needed for w in self.before), Decimal(0))

    @property
    def hours_before_unassigned(self) -> Decimal:
        """Hours dated before the start in weeks where nobody of this role is there yet."""
        return sum((w.hours_needed for w in self.before if not w.hours_available), Decimal(0))

    @property
    def weeks_before_over(self) -> list[IsoWeek]:
        """Weeks before the start where the people already there cannot do the work dated then."""
        return [w.week for w in self.before if w.hours_available and w.over]

    @property
    def utilisation(self) -> Decimal | None:
        return self.hours_needed / self.hours_available if self.hours_available else None

    @property
    def peak_utilisation(self) -> Decimal | None:
        values = [u for u in (w.utilisation for w in self.weeks) if u is not None]
        return max(values) if values else None

    @property
    def weeks_over_capacity(self) -> list[IsoWeek]:
        return [w.week for w in self.weeks if w.over]

    @property
    def headcount_needed(self) -> int:
        """Full-time people needed so that no week of the plan goes over 100 %: the busiest week's
        hours over what one fully productive person gives in that week."""
        needed = 0
        for w in self.weeks:
            if w.hours_needed and w.person_hours:
                needed = max(needed, ceil_div(w.hours_needed, w.person_hours))
        return needed


def roles_at_work(plan: Plan) -> list[Role]:
    """The team's roles in plan order, then the roles that have effort but nobody in the team."""
    roles = list(dict.fromkeys(m.role for m in plan.team))
    return roles + sorted({e.role for e in plan.effort} - set(roles), key=lambda r: r.value)


def capacity(plan: Plan, schedule: Schedule) -> list[RoleCapacity]:
    """Per role: hours needed each week (plan weeks, and the weeks before the start that hold
    scheduled work) against the hours the team gives then."""
    before_weeks = sorted({r.week for r in schedule.rows if r.before_plan})
    result = []
    for role in roles_at_work(plan):
        members = members_of(plan, role)
        efforts: dict[Stage, Decimal] = {e.stage: e.hours for e in plan.effort if e.role is role}

        def needed(week: IsoWeek, before: bool, efforts: dict[Stage, Decimal] = efforts) -> Decimal:
            return sum((h * schedule.volume(week, s, before) for s, h in efforts.items()), Decimal(0))

        full_week = max((m.hours_per_week for m in members), default=DEFAULT_HOURS_PER_WEEK)

        def person(week: IsoWeek, full_week: Decimal = full_week) -> Decimal:
            return full_week * len(business_days_in_week(week, plan.start, plan.end, plan.country)) / 5

        weeks = tuple(
            WeekLoad(w, needed(w, False), available_hours(plan, role, w), person(w)) for w in schedule.plan_weeks
        )
        before = tuple(
            WeekLoad(w, needed(w, True), available_before_start(plan, role, w)) for w in before_weeks if needed(w, True)
        )
        headcount = sum(m.headcount for m in members)
        result.append(RoleCapacity(role.value, headcount, full_week, weeks, before))
    return result
