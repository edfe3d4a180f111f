"""The rep's « Aujourd'hui » queue: the manual touches due today or late (strategic accounts first), each
with what to do and the one-click outcomes that make sense for its channel, logged through HTMX (the row
becomes a « done » line). A manager sees their team's queue, one rep at a time if they wish."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pac.engine import labels
from pac.engine.model import Channel
from pac.web.accounts.abilities import Ability, can, requires
from pac.web.accounts.models import User
from pac.web.language import formatter
from pac.web.requests import current_user
from pac.web.sequences import selectors, services
from pac.web.sequences.models import Touch, TouchOutcome

#: The outcome buttons of a manual touch, per channel: (outcome code, the button's words).
_NO_ANSWER = (TouchOutcome.NO_ANSWER.value, gettext_lazy("No answer"))
_REPLIED = (TouchOutcome.REPLIED.value, gettext_lazy("Replied"))
_BOOKED = (TouchOutcome.BOOKED.value, gettext_lazy("Meeting booked"))
OUTCOMES: dict[str, list[tuple[str, Any]]] = {
    Channel.PHONE.value: [_NO_ANSWER, _REPLIED, _BOOKED, (TouchOutcome.BOUNCED.value, gettext_lazy("Wrong number"))],
    Channel.SOCIAL.value: [
        (TouchOutcome.NO_ANSWER.value, gettext_lazy("Sent, no answer")),
        _REPLIED,
        _BOOKED,
        (TouchOutcome.BOUNCED.value, gettext_lazy("Profile not found")),
    ],
}
DEFAULT_OUTCOMES = [_NO_ANSWER, _REPLIED, _BOOKED]
#: How a logged outcome reads on the « done » line.
DONE_WORDS: dict[str, Any] = {
    TouchOutcome.NO_ANSWER.value: gettext_lazy("no answer"),
    TouchOutcome.REPLIED.value: gettext_lazy("replied"),
    TouchOutcome.BOOKED.value: gettext_lazy("meeting booked"),
    TouchOutcome.BOUNCED.value: gettext_lazy("invalid contact details"),
    TouchOutcome.SENT.value: gettext_lazy("e-mail sent"),
}
EVERYONE = "all"


def outcomes_for(channel: str) -> list[tuple[str, str]]:
    return [(code, str(words)) for code, words in OUTCOMES.get(channel, DEFAULT_OUTCOMES)]


def _late(due: dt.date, today: dt.date) -> str:
    days = (today - due).days
    if days <= 0:
        return _("due today")
    return ngettext("%(days)d day late", "%(days)d days late", days) % {"days": days}


def row(touch: Touch, today: dt.date, names: dict[str, str]) -> dict[str, Any]:
    """What one line of the queue shows."""
    enrolment = touch.enrolment
    steps = enrolment.sequence.steps
    step = steps[touch.step - 1] if 0 < touch.step <= len(steps) else {}
    return {
        "pk": touch.pk,
        "contact": enrolment.contact.name,
        "email": enrolment.contact.email,
        "persona": enrolment.contact.persona,
        "account": enrolment.account.name,
        "strategic": enrolment.account.strategic,
        "sequence": enrolment.sequence.name,
        "results_url": reverse("sequences:results", args=[enrolment.plan_id, enrolment.sequence_id]),
        "step": _("Step %(step)d of %(steps)d") % {"step": touch.step, "steps": len(steps)},
        "channel": _(labels.CHANNEL_LABELS[Channel(touch.channel)]),
        "instructions": str(step.get("instructions", "")),
        "late": _late(touch.due, today),
        "is_late": touch.due < today,
        "owner": names.get(touch.owner, touch.owner),
        "outcomes": outcomes_for(touch.channel),
    }


def _names(user: User) -> dict[str, str]:
    return {
        u.username: (u.get_full_name() or u.username)
        for u in User.objects.filter(teams__in=user.teams.all()).distinct().only("username", "first_name", "last_name")
    }


@requires(get=Ability.UPDATE_OWN_ACTIONS)
def today(request: HttpRequest) -> HttpResponse:
    """The queue: one's own touches; a manager's team's (every rep, or the one chosen)."""
    user = current_user(request)
    day = timezone.localdate()
    names = _names(user)
    manager = can(user, Ability.CHANGE_PLANS)
    rep = request.GET.get("rep", EVERYONE if manager else "")
    owners = selectors.queue_owners(user) if manager else []
    if manager and rep not in (EVERYONE, "", *owners):
        rep = EVERYONE  # an unknown rep: the whole team rather than an empty page
    if manager and rep:
        touches = selectors.team_queue(user, day, None if rep == EVERYONE else rep)
    else:
        touches = selectors.today_queue(user, day)
    rows = [row(t, day, names) for t in touches]
    return render(
        request,
        "sequences/today.html",
        {
            "rows": rows,
            "today": formatter().date(day),
            "manager": manager,
            "rep": rep,
            "everyone": EVERYONE,
            "reps": [(o, names.get(o, o)) for o in owners],
            "show_owner": manager and rep == EVERYONE,
            "late": sum(1 for r in rows if r["is_late"]),
        },
    )


@requires(post=Ability.UPDATE_OWN_ACTIONS, scope=selectors.touch_scope)
def touch_outcome(request: HttpRequest, touch_id: int) -> HttpResponse:
    """Log a touch's outcome (``services.touch_done``: one's own touches, a manager any of the team's).
    HTMX gets the row back as a « done » line, or the reason it was not logged (done already, no longer
    due); without JavaScript, the queue again with a message."""
    user = current_user(request)
    touch = selectors.touch_for(user, touch_id)
    outcome = request.POST.get("outcome", "")
    day = timezone.localdate()
    error = ""
    if outcome not in {code for code, _words in outcomes_for(touch.channel)}:
        error = _("Choose one of the outcomes offered.")
    else:
        try:
            services.touch_done(touch, outcome, user)
        except ValidationError:
            error = _("This touch was already logged, or its contact left the sequence: nothing was changed.")
    if not getattr(request, "htmx", False):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Saved."))
        return redirect("sequences:today")
    context = {
        "r": row(touch, day, _names(user)),
        "error": error,
        "done": DONE_WORDS.get(outcome, "") if not error else "",
    }
    return render(request, "sequences/_today_done.html", context)
