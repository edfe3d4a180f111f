"""The plan's action list as people read it — owners by name, totals of budget and hours, progress,
overdue actions flagged — and the inline status and progress update an action's owner makes
(HTMX partial, compare-and-set on the action's version)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from pac.engine.labels import volume_label
from pac.engine.model import ActionStatus
from pac.web.accounts.abilities import Ability, requires
from pac.web.accounts.models import User
from pac.web.plans import execution, selectors
from pac.web.plans import models as m
from pac.web.plans.models import ACTION_STATUS_CHOICES
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user

#: Statuses after which an action is no longer late, whatever its end date.
CLOSED = {ActionStatus.DONE.value, ActionStatus.CANCELLED.value}

#: What the apps above this one count against an action's expected volume: each takes the actions and
#: answers action pk → volume reached, for the actions it knows about. The plans app imports none of them
#: (one-way graph): the sequences app adds its meetings booked and replies when it starts (``ready``).
PRODUCERS: list[Callable[[Sequence[m.Action]], Mapping[int, int]]] = []


def produced(actions: Sequence[m.Action]) -> dict[int, int]:
    """Action pk → the volume reached so far, from every producer; actions none knows are left out."""
    found: dict[int, int] = {}
    for producer in PRODUCERS:
        for pk, volume in producer(actions).items():
            found[pk] = found.get(pk, 0) + volume
    return found


def reached_text(reached: int, volume: Decimal, stage: str | None, fmt: Any) -> str:
    """« 12 / 30 RDV »: the volume reached against the expected one, with its stage."""
    return f"{fmt.number(reached)} / {volume_text(volume, stage, fmt)}"


def volume_text(volume: Decimal, stage: str | None, fmt: Any) -> str:
    """An expected outcome: its volume with its stage (``labels.volume_label``), the volume alone without one."""
    return volume_label(volume, stage, fmt.number, _) if stage else fmt.number(volume)


def is_overdue(action: m.Action, today: dt.date) -> bool:
    """Past its end and neither done nor cancelled."""
    return action.end < today and action.status not in CLOSED


def status_context(
    action: m.Action, plan: m.Plan, user: User, today: dt.date, fmt: Any, *, editor: bool | None = None
) -> dict[str, Any]:
    """What the status cell shows: status, progress, the overdue flag, and the inline form when the
    reader may update the action (``editor``: whether they may edit the whole plan, when known)."""
    may = (editor or selectors.can_update_action(user, plan, action)) and action.plan_id == plan.pk
    return {
        "pk": action.pk,
        "version": action.version,
        "status": action.status,
        "status_label": action.get_status_display(),
        "progress": action.progress,
        "progress_label": fmt.percent(Decimal(action.progress) / 100, 0),
        "overdue": is_overdue(action, today),
        "can_update": may,
        "statuses": ACTION_STATUS_CHOICES,
        "name": action.name,
    }


def _raci_names(raci: dict[str, Any], names: dict[str, str]) -> str:
    def named(value: Any) -> str:
        people = value if isinstance(value, list) else [value]
        return ", ".join(names.get(p, p) for p in people if p)

    return " · ".join(f"{letter}: {named(raci[letter])}" for letter in "RACI" if raci.get(letter))


def action_table(plan: m.Plan, rows: QuerySet[m.Action], user: User, fmt: Any) -> dict[str, Any]:
    """Headers, one line per action and the totals line of the actions list."""
    today = timezone.localdate()
    names = selectors.people_names(plan)
    editor = selectors.can_edit(user, plan)
    lines = []
    budget = Decimal(0)
    hours = Decimal(0)
    weighted = Decimal(0)
    progress_sum = 0
    actions = list(rows)
    reached = produced(actions)
    for a in actions:
        budget += a.budget
        hours += a.hours
        weighted += a.hours * a.progress
        progress_sum += a.progress
        expected = volume_text(a.expected_volume, a.expected_stage, fmt) if a.expected_volume is not None else ""
        if a.expected_volume is not None and a.pk in reached:
            expected = reached_text(reached[a.pk], a.expected_volume, a.expected_stage, fmt)
        lines.append(
            {
                "pk": a.pk,
                "name": a.name,
                "type": a.get_type_display(),
                "channel": a.get_channel_display(),
                "segment": a.segment.name if a.segment else "",
                "owner": names.get(a.owner, a.owner),
                "start": fmt.date(a.start),
                "end": fmt.date(a.end),
                "expected": expected,
                "budget": fmt.money(a.budget),
                "hours": fmt.number(a.hours),
                "raci": _raci_names(a.raci, names),
                "status": status_context(a, plan, user, today, fmt, editor=editor),
            }
        )
    # overall progress: weighted by the hours each action takes, a plain mean when no hours are given
    overall = None
    if actions:
        share = weighted / hours / 100 if hours else Decimal(progress_sum) / len(actions) / 100
        overall = fmt.percent(share, 0)
    return {
        "lines": lines,
        "totals": {
            "count": len(actions),
            "budget": fmt.money(budget),
            "hours": fmt.number(hours),
            "progress": overall,
            "overdue": sum(1 for line in lines if line["status"]["overdue"]),
        },
        "can_edit": editor,
    }


@requires(post=Ability.UPDATE_OWN_ACTIONS, scope=plan_scope)
def action_status(request: HttpRequest, plan_id: int, pk: int) -> HttpResponse:
    """Update an action's status and progress: the row's status cell comes back (HTMX), or the page the
    form was on (without JavaScript). A conflict shows the action as it stands now."""
    from pac.web.language import formatter

    user = current_user(request)
    plan = selectors.plan_for(user, plan_id)
    action = selectors.action_for(plan, pk)
    error = ""
    try:
        execution.action_progress_update(
            user=user,
            plan=plan,
            action=action,
            expected_version=_int(request.POST.get("version"), -1),
            status=request.POST.get("status", action.status),
            progress=_int(request.POST.get("progress"), -1),
        )
    except execution.ActionConflict as conflict:
        error = str(conflict)
    except ValidationError as invalid:
        error = " ".join(invalid.messages)
    if not getattr(request, "htmx", False):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Saved."))
        back = _local(request.POST.get("next", ""), request)
        if back:
            return redirect(back)
        return redirect("plans:entities", plan_id=plan.pk, entity="actions")
    plan.refresh_from_db(fields=["version"])
    context = status_context(action, plan, user, timezone.localdate(), formatter(plan.currency))
    return render(
        request,
        "plans/_action_status.html",
        # the page's other forms carry the plan's version, which the update moved on: they get the new one
        {
            "plan": plan,
            "s": context,
            "error": error,
            "saved": not error,
            "plan_version": plan.version,
            "next_url": _local(request.POST.get("next", ""), request),  # the page, not this URL
        },
    )


def _local(url: str, request: HttpRequest) -> str:
    """``url`` when it leads back into this site, else empty (no open redirect)."""
    return url if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}) else ""


def _int(value: str | None, default: int) -> int:
    try:
        return int(value or "")
    except ValueError:
        return default
