"""Scoped reads: a user only ever gets the plans of their own team(s)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from pac.engine.calendar import ritual_starts
from pac.web.accounts.abilities import Ability, can
from pac.web.accounts.models import Team, User
from pac.web.plans.models import Action, CalendarFeed, DecisionLog, Plan, Ritual, RitualMeeting


def team_plan_rows(user: User) -> QuerySet[Plan]:
    """Every plan row of the user's teams, what-if scenarios included (a scenario is read and edited with
    the plan pages, by its id)."""
    return Plan.objects.filter(team__members=user).select_related("team", "owner", "scenario_of", "part_of").distinct()


def plans_visible_to(user: User) -> QuerySet[Plan]:
    """The plans of the user's teams: what every list of plans shows (scenarios are never applied: they
    are not plans of the team, only copies compared with one)."""
    return team_plan_rows(user).filter(scenario_of__isnull=True)


def plan_for(user: User, plan_id: int) -> Plan:
    """The plan (or scenario) if the user may see it; 404 otherwise (not 403: outsiders learn nothing)."""
    plan = team_plan_rows(user).filter(pk=plan_id).prefetch_related("objectives", "stages", "roles", "efforts").first()
    if plan is None:
        raise Http404
    return plan


def plan_scope(user: User, kwargs: Mapping[str, Any]) -> None:
    """The scope of a URL with a ``plan_id`` (``abilities.requires``): 404 unless the plan is the user's
    team's (one cheap query; the view then reads the plan it needs)."""
    if not Plan.objects.filter(pk=int(kwargs["plan_id"]), team__members=user).exists():
        raise Http404


def can_edit(user: User, plan: Plan) -> bool:
    """Whoever may change plans (managers, admins) in the plan's team: an executive who once made a
    plan changes nothing of it now."""
    return can(user, Ability.CHANGE_PLANS, plan)


#: Execution sections that another ability than ``CHANGE_PLANS`` lets change: marketing changes the events
#: (launch windows and their activation campaigns), nothing else of a plan.
SECTION_ABILITIES = {"events": Ability.CHANGE_CAMPAIGNS}


def can_edit_section(user: User, plan: Plan, section: str) -> bool:
    """Whether ``user`` may change the rows of one execution section of ``plan``."""
    return can(user, SECTION_ABILITIES.get(section, Ability.CHANGE_PLANS), plan)


def can_create_plans(user: User) -> bool:
    """A team plan commits the whole team: managers and admins create them, reps work inside them."""
    return can(user, Ability.CHANGE_PLANS)


def can_update_action(user: User, plan: Plan, action: Action) -> bool:
    """Who may update an action's status and progress: whoever may edit the plan, and the action's own
    owner (a rep keeps their own actions up to date, and changes nothing else)."""
    if action.plan_id != plan.pk:
        return False
    if can_edit(user, plan):
        return True
    return bool(action.owner) and action.owner == user.username and can(user, Ability.UPDATE_OWN_ACTIONS, plan)


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


def plan_for_section_editing(user: User, plan_id: int, section: str) -> Plan:
    """The plan if the user may change the rows of ``section``: 404 for outsiders, 403 for the others."""
    plan = plan_for(user, plan_id)
    if not can_edit_section(user, plan, section):
        raise PermissionDenied
    return plan


def action_for(plan: Plan, action_id: int) -> Action:
    """One of the plan's actions; 404 for another plan's."""
    action = Action.objects.filter(plan=plan, pk=action_id).first()
    if action is None:
        raise Http404
    return action


def active_feeds(user: User, plan: Plan) -> dict[bool, CalendarFeed]:
    """The user's calendar links to the plan still in force, by whether they are personal."""
    return {f.personal: f for f in CalendarFeed.objects.filter(plan=plan, user=user, revoked_at=None)}


def feed_for_token(token: str) -> CalendarFeed:
    """The calendar link a subscriber's token names, while it is in force and its owner still in the plan's
    team; 404 otherwise."""
    entry = (
        CalendarFeed.objects.select_related("plan", "user")
        .filter(
            token_hash=CalendarFeed.hash_token(token),
            revoked_at=None,
            user__is_active=True,
            plan__scenario_of__isnull=True,  # a scenario is never in anyone's calendar
        )
        .first()
    )
    if entry is None or not entry.plan.team.members.filter(pk=entry.user_id).exists():
        raise Http404
    return entry


def team_member(plan: Plan, user_id: int) -> User | None:
    """A member of the plan's team by id (None for anyone else)."""
    return plan.team.members.filter(pk=user_id).first()


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


def decisions_of(plan: Plan, kind: str = "") -> QuerySet[DecisionLog]:
    """The plan's decision log, the latest first, of one kind when given (a page of it is sliced by the
    caller)."""
    rows = DecisionLog.objects.filter(plan=plan).select_related("decided_by", "meeting__ritual")
    return rows.filter(kind=kind) if kind else rows
