"""The write path of the plan's governance: the decision log (every arbitration, whichever page made it)
and the rituals' meetings (opened with their agenda, minutes kept with compare-and-set, decisions taken
during them).

``log_decision`` is called inside the transaction of the change it records (a priority override, a lever
accepted, an alert set aside, a forecast adjusted), so a change is never kept without its decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from pac.engine.calendar import ritual_starts
from pac.web.accounts.models import User
from pac.web.plans.decision_log import CHANGES, MAX_TEXT
from pac.web.plans.models import DECISION_KINDS, DecisionLog, Plan, Ritual, RitualMeeting
from pac.web.plans.versioning import PlanConflict, require_editor

#: The longest minutes kept (about thirty pages of text).
MAX_MINUTES = 100_000


class MeetingConflict(PlanConflict):
    """Someone else saved the minutes since the form was opened."""


def log_decision(
    *,
    user: User,
    plan: Plan,
    kind: str,
    change: str,
    params: Mapping[str, Any] | None = None,
    subject: str = "",
    subject_name: str = "",
    reason: str = "",
    meeting: RitualMeeting | None = None,
) -> DecisionLog:
    """One arbitration in the log, inside the caller's transaction (the caller checked who may make it)."""
    if kind not in DECISION_KINDS or change not in CHANGES:
        raise ValueError(f"unknown decision {kind}/{change}")
    return DecisionLog.objects.create(
        plan=plan,
        kind=kind,
        change=change,
        params=dict(params or {}),
        subject=subject[:300],
        subject_name=subject_name[:300],
        reason=reason.strip()[:MAX_TEXT],
        decided_by=user,
        meeting=meeting,
    )


def is_occurrence(ritual: Ritual, plan: Plan, day: dt.date) -> bool:
    """Whether the ritual's recurrence falls on ``day`` within the plan (anchored at the plan's start, as
    the calendar expands it)."""
    if not plan.start <= day <= plan.end:
        return False
    anchor = dt.datetime.combine(plan.start, ritual.time)
    try:
        return any(found == day for found, _at in ritual_starts(ritual.rrule, anchor, day, day))
    except (ValueError, TypeError):
        return False


@transaction.atomic
def meeting_open(*, user: User, plan: Plan, ritual: Ritual, day: dt.date, agenda: Mapping[str, Any]) -> RitualMeeting:
    """Hold the ritual's occurrence of ``day``: its agenda frozen as given (the cockpit's figures now). A
    meeting already opened is returned as it is: the first agenda stands."""
    require_editor(user, plan)
    if ritual.plan_id != plan.pk:
        raise PermissionDenied(_("This ritual is not in the plan."))
    if not is_occurrence(ritual, plan, day):
        raise ValidationError(_("The ritual does not take place on that day."))
    found = RitualMeeting.objects.filter(ritual=ritual, date=day).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return RitualMeeting.objects.create(ritual=ritual, date=day, agenda=dict(agenda), opened_by=user)
    except IntegrityError:  # opened by someone else at the same moment
        return RitualMeeting.objects.get(ritual=ritual, date=day)


@transaction.atomic
def meeting_minutes_save(
    *, user: User, plan: Plan, meeting: RitualMeeting, expected_version: int, minutes: str, present: Sequence[str]
) -> RitualMeeting:
    """The minutes and who was there, compare-and-set on the meeting's ``version``: minutes saved by
    someone else since the form was opened are not overwritten (the caller shows them and the text typed)."""
    require_editor(user, plan)
    if meeting.ritual.plan_id != plan.pk:
        raise PermissionDenied(_("This meeting is not in the plan."))
    text = minutes.replace("\r\n", "\n").strip()
    if len(text) > MAX_MINUTES:
        raise ValidationError(_("Minutes hold at most %(count)s characters.") % {"count": MAX_MINUTES})
    members = set(plan.team.members.values_list("username", flat=True))
    unknown = sorted(set(present) - members)
    if unknown:
        raise ValidationError(_("Not members of the team: %(names)s.") % {"names": ", ".join(unknown)})
    # claim the meeting at the version the form was opened at (the row stays locked until the commit) …
    claimed = RitualMeeting.objects.filter(pk=meeting.pk, version=expected_version).update(version=F("version") + 1)
    if not claimed:
        meeting.refresh_from_db()
        raise MeetingConflict(
            _("These minutes were saved by someone else meanwhile: here they are now; add your text again.")
        )
    # … then save it as a row, not a queryset update: the minutes go into the plan's history with their author
    meeting.refresh_from_db(fields=["version"])
    meeting.minutes = text
    meeting.present = sorted(set(present))
    meeting.save(update_fields=["minutes", "present", "updated_at"])
    return meeting


@transaction.atomic
def meeting_decision_record(
    *, user: User, plan: Plan, meeting: RitualMeeting, decision: str, reason: str
) -> DecisionLog:
    """A decision taken during a meeting, typed by an editor: what was decided (required) and why."""
    require_editor(user, plan)
    if meeting.ritual.plan_id != plan.pk:
        raise PermissionDenied(_("This meeting is not in the plan."))
    what = " ".join(decision.split())
    if not what:
        raise ValidationError(_("Say what was decided."))
    if len(what) > MAX_TEXT or len(reason) > MAX_TEXT:
        raise ValidationError(_("At most %(count)s characters.") % {"count": MAX_TEXT})
    return log_decision(
        user=user,
        plan=plan,
        kind="meeting",
        change="meeting_decision",
        params={"decision": what},
        subject=f"meeting:{meeting.pk}",
        subject_name=f"{meeting.ritual.name} {meeting.date.isoformat()}",
        reason=reason,
        meeting=meeting,
    )
