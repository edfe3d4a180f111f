"""A past value of a plan object's field as people write it, in the reader's language: field labels
translated, names instead of usernames, dates and amounts per locale, choice labels instead of codes,
recurrences in words. What the plan's history shows and exports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from babel.dates import format_time
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pac.engine.labels import campaign_offset
from pac.web.accounts.models import Team, User
from pac.web.language import formatter
from pac.web.plans import models as m
from pac.web.plans.entities import CRITERIA_LABELS
from pac.web.plans.recurrence import recurrence_text
from pac.web.plans.services import THRESHOLD_LABELS

#: Labels of the fields whose model gives none.
FIELD_LABELS = {
    "position": gettext_lazy("order"),
    "plan": gettext_lazy("plan"),
    "action": gettext_lazy("action"),
    "account": gettext_lazy("target account"),
    "decided_by": gettext_lazy("decided by"),
    "decided_at": gettext_lazy("decided on"),
    "active": gettext_lazy("still applies"),
    "id": gettext_lazy("number"),
}
#: Amounts in the plan's currency, and rates shown as percentages.
MONEY_FIELDS = {"average_deal", "budget", "potential_value", "acquisition_cost", "potential", "value"}
RATE_FIELDS = {"rate", "icp_fit", "weight_value", "weight_velocity", "weight_cost"}
#: Fields holding one username, or several.
PERSON_FIELDS = {"owner"}
PEOPLE_FIELDS = {"attendees"}
EMPTY = "—"


def field_label(model: type[models.Model], name: str) -> str:
    """The field's name as its form names it (« Statut »)."""
    if name in FIELD_LABELS:
        return capfirst(str(FIELD_LABELS[name]))
    field = model._meta.get_field(name)
    return capfirst(str(getattr(field, "verbose_name", name)))


def local_when(when: dt.datetime) -> str:
    """« 2 déc. 2026 à 09:15 » in the server's time zone."""
    fmt = formatter()
    moment = timezone.localtime(when)
    return _("{date} at {time}").format(
        date=fmt.date(moment.date()), time=format_time(moment.time(), "short", locale=fmt.locale)
    )


class Namer:
    """Names of what a plan's history mentions (people, segments, accounts, events, actions), looked up
    once each, deleted ones from their last recorded version."""

    def __init__(self, plan: m.Plan) -> None:
        self.plan = plan
        self.fmt = formatter(plan.currency)
        self._people: dict[str, str] | None = None
        self._names: dict[tuple[type[models.Model], int], str] = {}
        self._segments: dict[str, str] | None = None
        self._objectives: dict[str, str] | None = None

    def person(self, username: str) -> str:
        if self._people is None:
            self._people = {
                u.username: (u.get_full_name() or u.username)
                for u in User.objects.filter(teams__plans=self.plan).only("username", "first_name", "last_name")
            }
        return self._people.get(username, username)

    def people(self, usernames: Any) -> str:
        names = usernames if isinstance(usernames, list) else [usernames]
        return ", ".join(self.person(p) for p in names if p)

    def raci(self, raci: Any) -> str:
        if not isinstance(raci, dict):
            return str(raci)
        return " · ".join(f"{letter}: {self.people(raci[letter])}" for letter in "RACI" if raci.get(letter))

    def named(self, model: type[models.Model], pk: int) -> str:
        key = (model, pk)
        if key not in self._names:
            self._names[key] = self._lookup(model, pk)
        return self._names[key]

    def _lookup(self, model: type[models.Model], pk: int) -> str:
        if model is User:
            user = User.objects.filter(pk=pk).first()
            return (user.get_full_name() or user.username) if user else EMPTY
        if model is Team:
            return str(Team.objects.filter(pk=pk).values_list("name", flat=True).first() or EMPTY)
        row = model._default_manager.filter(pk=pk).first()
        if row is None and hasattr(model, "history"):  # deleted since: its last recorded version
            row = model.history.filter(id=pk).order_by("-history_id").first()
        return str(row) if row is not None else f"#{pk}"

    def objective_title(self, metric: str, segment: str) -> str:
        """An objective as the pages name it: what it measures, and its segment (« Démos · Santé »)."""
        if not metric:
            return ""
        name = str(dict(m.METRIC_CHOICES).get(metric, metric))
        return f"{name} · {self.segment(segment)}" if segment else name

    def segment(self, code: str) -> str:
        """A segment by its name; its code is what objectives keep."""
        if self._segments is None:
            self._segments = dict(self.plan.segments.values_list("code", "name"))
        return self._segments.get(code, code)

    def objective(self, code: str) -> str:
        """The objective an action serves, by what it measures; its code is what the action keeps."""
        if self._objectives is None:
            self._objectives = {
                o.code: self.objective_title(o.metric, o.segment) or o.code for o in self.plan.objectives.all()
            }
        return self._objectives.get(code, code)

    def accounts(self, ids: Any) -> str:
        return ", ".join(sorted(self.named(m.Account, pk) for pk in ids)) or EMPTY

    def title(self, kind: str, record: Any) -> str:
        """What the reader calls the object a history row is about."""
        if kind == "stage":
            return str(dict(m.STAGE_CHOICES).get(record.stage, record.stage))
        if kind == "role":
            return field_value(m.PlanRole, "role", record.role, self)
        if kind == "effort":
            stage = dict(m.STAGE_CHOICES).get(record.stage, record.stage)
            return f"{stage} · {field_value(m.Effort, 'role', record.role, self)}"
        if kind == "objective":
            return self.objective_title(record.metric, record.segment) or record.code
        if kind == "governance":
            return record.activity
        if kind == "decision":
            return self.named(m.Action, record.action_id)
        return record.name


def field_value(model: type[models.Model], name: str, value: Any, namer: Namer) -> str:
    """``value`` of the field ``name`` as people write it."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    field = model._meta.get_field(name)
    fmt = namer.fmt
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        return namer.named(field.related_model, value)  # type: ignore[arg-type]
    if name in PERSON_FIELDS:
        return namer.person(value)
    if name in PEOPLE_FIELDS:
        return namer.people(value)
    if name == "raci":
        return namer.raci(value)
    if name == "expected_objective":
        return namer.objective(value)
    if name == "segment" and not isinstance(field, models.ForeignKey):  # an objective's segment, by its code
        return namer.segment(value)
    if name == "rrule":
        return recurrence_text(value)
    if name == "progress":
        return fmt.percent(Decimal(value) / 100, 0)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return local_when(value)
    if isinstance(value, dt.date):
        return fmt.date(value)
    if isinstance(value, dt.time):
        return format_time(value, "short", locale=fmt.locale)
    if isinstance(value, Decimal):
        if name in MONEY_FIELDS:
            return fmt.money(value)
        if name in RATE_FIELDS:
            return _percent(fmt, value)
        return fmt.number(value)
    if isinstance(value, int):
        return fmt.number(value)
    return _document(name, value, namer)


def _percent(fmt: Any, value: Decimal | str) -> str:
    share = Decimal(str(value))
    return fmt.percent(share, 0 if (share * 100) == (share * 100).to_integral_value() else 1)


def _document(name: str, value: Any, namer: Namer) -> str:
    """A JSON field (lists, criteria, rates, thresholds) in words."""
    fmt = namer.fmt
    if name == "campaigns":
        return ", ".join(campaign_offset(int(days), _) for days in value)
    if name == "ramp_up":
        return ", ".join(_percent(fmt, share) for share in value)
    if name == "weekly_weights":
        return ", ".join(fmt.number(Decimal(str(w))) for w in value)
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if name == "criteria":
                label = CRITERIA_LABELS.get(key, key)
            elif name == "rates":
                label = dict(m.STAGE_CHOICES).get(key, key)
                item = _percent(fmt, item)
            elif name == "alert_thresholds":
                label = THRESHOLD_LABELS.get(key, key)
            else:
                label = key
            shown = ", ".join(str(i) for i in item) if isinstance(item, list) else str(item)
            parts.append(_("{criterion}: {values}").format(criterion=capfirst(str(label)), values=shown))
        return " · ".join(parts)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
