"""The enrolment screen: whom (a segment, accounts, a persona), from when (a date, or an event for an
activation sequence); « Preview » shows what enrolling would do without keeping anything (contacts enrolled,
refused and why, touches per rep and per day against capacity, where it runs out); « Confirm » enrols."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect

from pac.engine import sequences as engine
from pac.web.accounts.abilities import Ability, requires
from pac.web.language import formatter
from pac.web.plans import selectors as plan_selectors
from pac.web.plans.models import Plan
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user
from pac.web.sequences import selectors, services
from pac.web.sequences.builder_views import steps_line
from pac.web.sequences.models import SequenceTemplate


class EnrolForm(forms.Form):
    """Whom and from when. The three « whom » narrow each other; at least one is needed."""

    segment = forms.ChoiceField(label=gettext_lazy("Segment"), required=False)
    accounts = forms.MultipleChoiceField(label=gettext_lazy("Accounts"), required=False)
    persona = forms.ChoiceField(label=gettext_lazy("Persona"), required=False)
    start = forms.DateField(
        label=gettext_lazy("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    event = forms.ChoiceField(label=gettext_lazy("Event"), required=False)

    def __init__(self, *args: Any, plan: Plan, sequence: SequenceTemplate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sequence = sequence
        every = [("", _("(all)"))]
        self.fields["segment"].choices = every + [(s.code, s.name) for s in plan.segments.order_by("name")]
        self.fields["accounts"].choices = [(a.code, a.name) for a in plan.accounts.order_by("name")]
        self.fields["accounts"].widget.attrs["size"] = 8
        self.fields["persona"].choices = every + [(p, p) for p in selectors.personas_of(plan)]
        events = plan.events.order_by("start")
        fmt = formatter(plan.currency)
        self.fields["event"].choices = [("", "—")] + [(str(e.pk), f"{e.name} ({fmt.date(e.start)})") for e in events]
        self.event_dates = {str(e.pk): e.start for e in events}
        if self.by_event:
            del self.fields["start"]
        else:
            del self.fields["event"]

    @property
    def by_event(self) -> bool:
        return self.sequence.anchor == engine.Anchor.EVENT

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("segment") or data.get("accounts") or data.get("persona")):
            raise ValidationError(_("Choose whom to enrol: a segment, accounts or a persona."))
        if self.by_event:
            if not data.get("event"):
                self.add_error("event", _("Choose the event the sequence leads to."))
            else:
                data["start"] = self.event_dates[data["event"]]
        elif not data.get("start"):
            self.add_error("start", _("Give the first day of the sequence."))
        return data

    def whom(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "segment": data.get("segment") or None,
            "accounts": list(data["accounts"]) if data.get("accounts") else None,
            "persona": data.get("persona") or None,
            "start": data["start"],
        }


def _initial_event(plan: Plan, sequence: SequenceTemplate) -> str:
    """The event a built-in activation sequence was made for (its id ends with the event's)."""
    for event in plan.events.all():
        if sequence.code.startswith(f"{engine.EVENT_ACTIVATION}-{event.code}"):
            return str(event.pk)
    return ""


def _grid(preview: services.EnrolPreview, fmt: Any) -> list[dict[str, Any]]:
    """The preview's table: a line per day, a cell per rep (touches / capacity, the new ones, rolled)."""
    by_day: dict[dt.date, list[services.RepDay]] = {}
    for cell in preview.days:
        by_day.setdefault(cell.day, []).append(cell)
    return [
        {
            "day": fmt.date(day),
            "cells": [
                {
                    "text": f"{fmt.number(c.touches)} / {fmt.number(c.capacity)}",
                    "new": fmt.number(c.new),
                    "full": c.touches >= c.capacity,
                    "rolled": fmt.number(c.rolled) if c.rolled else "",
                }
                for c in cells
            ],
        }
        for day, cells in sorted(by_day.items())
    ]


@requires(get=Ability.CHANGE_PLANS, post=Ability.CHANGE_PLANS, scope=plan_scope)
def enrol_page(request: HttpRequest, plan_id: int, sequence_id: int) -> HttpResponse:
    user = current_user(request)
    plan = plan_selectors.plan_for(user, plan_id)
    sequence = selectors.sequence_in(plan, sequence_id)
    fmt = formatter(plan.currency)
    context: dict[str, Any] = {
        "plan": plan,
        "sequence": sequence,
        "steps": steps_line(sequence),
        "title": _("Enrol in « %(name)s »") % {"name": sequence.name},
    }
    status = 200
    if request.method != "POST":
        initial = {"event": _initial_event(plan, sequence), "start": timezone.localdate()}
        context["form"] = EnrolForm(initial=initial, plan=plan, sequence=sequence)
        return render(request, "sequences/enrol.html", context)
    form = EnrolForm(request.POST, plan=plan, sequence=sequence)
    context["form"] = form
    if form.is_valid():
        try:
            if request.POST.get("op") == "confirm":
                result = services.enrol(user, plan, sequence, **form.whom())
                messages.success(
                    request,
                    _("%(enrolled)s contacts enrolled, %(refused)s refused.")
                    % {"enrolled": fmt.number(len(result.enrolled)), "refused": fmt.number(len(result.refused))},
                )
                target = reverse("sequences:list", args=[plan.pk])
                return HttpResponseClientRedirect(target) if getattr(request, "htmx", False) else redirect(target)
            preview = services.enrol_preview(user, plan, sequence, **form.whom())
        except ValidationError as error:
            form.add_error(None, error)
            status = 400
        else:
            context |= _preview_context(preview, fmt, selectors.people_names(plan, preview.owners))
    else:
        status = 400
    template = "sequences/_enrol_preview.html" if getattr(request, "htmx", False) else "sequences/enrol.html"
    return render(request, template, context, status=200 if getattr(request, "htmx", False) else status)


def _preview_context(preview: services.EnrolPreview, fmt: Any, names: dict[str, str]) -> dict[str, Any]:
    reasons: dict[str, list[str]] = {}
    for refusal in preview.refused:
        reasons.setdefault(refusal.reason, []).append(f"{refusal.contact.name} ({refusal.contact.account.name})")
    first_out: dict[str, dt.date] = {}
    for o in preview.overflow:
        if o.owner in preview.owners and (o.owner not in first_out or o.date < first_out[o.owner]):
            first_out[o.owner] = o.date
    rolled = {o.owner: 0 for o in preview.overflow}
    for o in preview.overflow:
        rolled[o.owner] += o.count
    return {
        "preview": preview,
        "enrolled": fmt.number(preview.enrolled),
        "refused_count": fmt.number(len(preview.refused)),
        "new_touches": fmt.number(preview.new_touches),
        "refusals": [
            {
                "reason": _(services.REFUSAL_MESSAGES[code]),
                "count": fmt.number(len(names)),
                "names": names[:20],
                "more": fmt.number(len(names) - 20) if len(names) > 20 else "",
            }
            for code, names in reasons.items()
        ],
        "owners": [names.get(o, o) for o in preview.owners],
        "grid": _grid(preview, fmt),
        "runs_out": [
            {"owner": names.get(owner, owner), "day": fmt.date(day), "rolled": fmt.number(rolled[owner])}
            for owner, day in sorted(first_out.items())
        ],
    }
