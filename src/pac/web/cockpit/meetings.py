"""A ritual's meetings: the list of those held and the next ones, and one meeting — its agenda (frozen
from the cockpit when an editor opened it; before that, the agenda as it stands now, for the editors),
the minutes (compare-and-set: two editors do not overwrite each other) and the decisions taken there.
The plan's editors open meetings and write; the team reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from pac.web.accounts.abilities import Ability, requires
from pac.web.cockpit.agenda import build_agenda, shown_agenda
from pac.web.language import formatter
from pac.web.plans import governance, selectors
from pac.web.plans.decision_log import worded_change
from pac.web.plans.models import Plan, Ritual, RitualMeeting
from pac.web.plans.recurrence import recurrence_text
from pac.web.plans.selectors import plan_scope
from pac.web.plans.versioning import PlanConflict
from pac.web.requests import current_user

#: Meetings listed on a ritual's page (the latest first).
MEETINGS_SHOWN = 60


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Http404 from None


def _occurrence(request: HttpRequest, plan_id: int, ritual_id: int, day: str) -> tuple[Plan, Ritual, dt.date]:
    """The plan (404 for outsiders), its ritual, and a day the ritual takes place (404 otherwise)."""
    plan = selectors.plan_for(current_user(request), plan_id)
    ritual = selectors.ritual_of(plan, ritual_id)
    when = _day(day)
    if not governance.is_occurrence(ritual, plan, when):
        raise Http404
    return plan, ritual, when


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def ritual_meetings(request: HttpRequest, plan_id: int, ritual_id: int) -> HttpResponse:
    """The meetings held, and the occurrences to come in the next weeks."""
    plan = selectors.plan_for(current_user(request), plan_id)
    ritual = selectors.ritual_of(plan, ritual_id)
    today = timezone.localdate()
    held = list(ritual.meetings.all()[:MEETINGS_SHOWN])
    held_days = {m.date for m in held}
    coming = [
        d for d in selectors.ritual_days(plan, ritual, today, today + dt.timedelta(days=35)) if d not in held_days
    ]
    return render(
        request,
        "cockpit/ritual_meetings.html",
        {
            "plan": plan,
            "ritual": ritual,
            "rule": recurrence_text(ritual.rrule, ritual.time),
            "held": [{"meeting": m, "decisions": m.decisions.count()} for m in held],
            "coming": coming[:5],
            "title": ritual.name,
        },
    )


def _meeting_context(
    request: HttpRequest, plan: Plan, ritual: Ritual, day: dt.date, meeting: RitualMeeting | None
) -> dict[str, Any]:
    user = current_user(request)
    can_write = selectors.can_edit(user, plan)
    agenda = meeting.agenda if meeting is not None else None
    live = False
    if agenda is None and can_write:  # not opened yet: the agenda as it would be frozen now
        agenda, live = build_agenda(plan, timezone.localdate()), True
    fmt = formatter(plan.currency)
    members = list(plan.team.members.order_by("username"))
    decisions = (
        [
            {"entry": d, "what": worded_change(d.change, d.params, fmt, plan.currency)}
            for d in meeting.decisions.select_related("decided_by").order_by("decided_at", "id")
        ]
        if meeting is not None
        else []
    )
    return {
        "plan": plan,
        "ritual": ritual,
        "day": day,
        "meeting": meeting,
        "agenda": shown_agenda(agenda, plan.currency) if agenda else None,
        "live": live,
        "can_write": can_write,
        "members": [
            {
                "username": u.username,
                "name": u.get_full_name() or u.username,
                "present": meeting is not None and u.username in meeting.present,
                "expected": u.username in (ritual.attendees or []) or u.username == ritual.owner,
            }
            for u in members
        ],
        "present_names": ", ".join(
            u.get_full_name() or u.username for u in members if meeting is not None and u.username in meeting.present
        ),
        "decisions": decisions,
        "title": f"{ritual.name} · {fmt.date(day)}",
    }


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def meeting_page(request: HttpRequest, plan_id: int, ritual_id: int, day: str) -> HttpResponse:
    plan, ritual, when = _occurrence(request, plan_id, ritual_id, day)
    meeting = ritual.meetings.filter(date=when).first()
    return render(request, "cockpit/meeting.html", _meeting_context(request, plan, ritual, when, meeting))


def _back(plan: Plan, ritual: Ritual, day: dt.date) -> HttpResponse:
    return redirect("cockpit:meeting", plan_id=plan.pk, ritual_id=ritual.pk, day=day.isoformat())


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def meeting_open(request: HttpRequest, plan_id: int, ritual_id: int, day: str) -> HttpResponse:
    """Open the meeting: its agenda is built from the cockpit now and frozen."""
    plan, ritual, when = _occurrence(request, plan_id, ritual_id, day)
    user = current_user(request)
    if not selectors.can_edit(user, plan):
        raise PermissionDenied
    try:
        governance.meeting_open(
            user=user, plan=plan, ritual=ritual, day=when, agenda=build_agenda(plan, timezone.localdate())
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(plan, ritual, when)


def _held(request: HttpRequest, plan_id: int, ritual_id: int, day: str) -> tuple[Plan, Ritual, RitualMeeting]:
    plan, ritual, when = _occurrence(request, plan_id, ritual_id, day)
    if not selectors.can_edit(current_user(request), plan):
        raise PermissionDenied
    meeting = ritual.meetings.filter(date=when).first()
    if meeting is None:
        raise Http404
    return plan, ritual, meeting


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def meeting_minutes(request: HttpRequest, plan_id: int, ritual_id: int, day: str) -> HttpResponse:
    """Save the minutes and who was there; when someone else saved meanwhile, their minutes are shown with
    the text typed kept in the form, nothing overwritten."""
    plan, ritual, meeting = _held(request, plan_id, ritual_id, day)
    typed = request.POST.get("minutes", "")[: governance.MAX_MINUTES + 1]
    present = request.POST.getlist("present")[:500]
    try:
        governance.meeting_minutes_save(
            user=current_user(request),
            plan=plan,
            meeting=meeting,
            expected_version=_version(request),
            minutes=typed,
            present=present,
        )
    except PlanConflict as conflict:
        context = _meeting_context(request, plan, ritual, meeting.date, meeting)
        context.update({"conflict": str(conflict), "typed": typed})
        return render(request, "cockpit/meeting.html", context, status=409)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Minutes saved."))
    return _back(plan, ritual, meeting.date)


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def meeting_decision(request: HttpRequest, plan_id: int, ritual_id: int, day: str) -> HttpResponse:
    """A decision taken in the meeting: into the plan's decision log, linked to the meeting."""
    plan, ritual, meeting = _held(request, plan_id, ritual_id, day)
    try:
        governance.meeting_decision_record(
            user=current_user(request),
            plan=plan,
            meeting=meeting,
            decision=request.POST.get("decision", "")[:5000],
            reason=request.POST.get("reason", "")[:5000],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Decision recorded."))
    return _back(plan, ritual, meeting.date)
