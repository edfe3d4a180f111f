"""Scoped reads: a user only ever gets the plans of their own team(s)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from pac.engine.calendar import ritual_starts
from pac.web.accounts.models import PLAN_EDITOR_ROLES, Team, User
from pac.web.plans.models import Action, DecisionLog, Plan, Ritual, RitualMeeting


def plans_visible_to(user: User) -> QuerySet[Plan]:
    return Plan.objects.filter(team__members=user).select_related("team", "owner").distinct()


def plan_for(user: User, plan_id: int) -> Plan:
    """The plan if the user may see it; 404 otherwise (not 403: outsiders learn nothing)."""
    plan = (
        plans_visible_to(user).filter(pk=plan_id).prefetch_related("objectives", "stages", "roles", "efforts").first()
    )
    if plan is None:
        raise Http404
    return plan


def can_edit(user: User, plan: Plan) -> bool:
    """The owner, or a manager/admin of the plan's team."""
    if plan.owner_id == user.pk:
        return True
    return user.role in PLAN_EDITOR_ROLES and plan.team.members.filter(pk=user.pk).exists()


def can_create_plans(user: User) -> bool:
    """A team plan commits the whole team: managers and admins create them, reps work inside them."""
    return user.role in PLAN_EDITOR_ROLES


def can_update_action(user: User, plan: Plan, action: Action) -> bool:
    """Who may update an action's status and progress: whoever may edit the plan, and the action's own
    owner (a rep keeps their own actions up to date, and changes nothing else)."""
    if action.plan_id != plan.pk:
        return False
    if can_edit(user, plan):
        return True
    return bool(action.owner) and action.owner == user.username and plan.team.members.filter(pk=user.pk).exists()


def people_names(plan: Plan) -> dict[str, str]:
    """Each team member's username → first and last name (the username when no name is given): lists
    show people, not logins."""
    return {
        u.username: (u.get_full_name() or u.username)
        for u in plan.team.members.only("username", "first_name", "last_name")
    }


def plan_for_editing(user: User, plan_id: int) -> Plan:
    """The plan if the user may change it: 404 for outsiders, 403 for teammates who may only read."""
    plan = plan_for(user, plan_id)
    if not can_edit(user, plan):
        raise PermissionDenied
    return plan


def teams_of(user: User) -> QuerySet[Team]:
    return user.teams.all()


@dataclass(frozen=True)
class Occurrence:
    """A ritual on one day, and its meeting when it was opened."""

    ritual: Ritual
    day: dt.date
    meeting: RitualMeeting | None


#: How far ahead the next occurrences are looked for (a quarterly ritual is found).
OCCURRENCES_AHEAD = dt.timedelta(days=120)


def ritual_days(plan: Plan, ritual: Ritual, start: dt.date, end: dt.date) -> list[dt.date]:
    """The days of [start, end] the ritual takes place within the plan (as the calendar expands it)."""
    first, last = max(start, plan.start), min(end, plan.end)
    if last < first:
        return []
    try:
        return [
            day for day, _at in ritual_starts(ritual.rrule, dt.datetime.combine(plan.start, ritual.time), first, last)
        ]
    except (ValueError, TypeError):  # a rule the calendar cannot read: no occurrence rather than an error
        return []


def next_occurrences(plan: Plan, today: dt.date) -> list[Occurrence]:
    """Each ritual's next occurrence from today on (today's included: the meeting of the day), the soonest
    first: what the plan page and the landing page link to."""
    found = []
    for ritual in plan.rituals.all():
        days = ritual_days(plan, ritual, today, today + OCCURRENCES_AHEAD)
        if days:
            found.append(Occurrence(ritual, days[0], ritual.meetings.filter(date=days[0]).first()))
    return sorted(found, key=lambda o: (o.day, o.ritual.time, o.ritual.pk))


def ritual_of(plan: Plan, ritual_id: int) -> Ritual:
    """One of the plan's rituals (the caller got the plan through ``plan_for``): 404 otherwise."""
    ritual = plan.rituals.filter(pk=ritual_id).first()
    if ritual is None:
        raise Http404
    return ritual


def decisions_of(plan: Plan, kind: str = "") -> list[DecisionLog]:
    """The plan's decision log, the latest first, of one kind when given (bounded: a page, not an export)."""
    rows = DecisionLog.objects.filter(plan=plan).select_related("decided_by", "meeting__ritual")
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows[:500])
