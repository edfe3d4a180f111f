"""Two versions of a plan compared in words: « Action « Webinaire CFO » — Budget : 2 000 € → 3 500 € ».

``engine.plandiff`` finds the changes in the plan file; this names them for the reader: the section, the
object by its name (a funnel stage, a team role by their label), the field by the label its form uses,
and values as the history shows them (``history_values.field_value``: names, money, dates, choices)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import Any

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext

from pac.engine.plandiff import Change, Kind, to_json
from pac.web.plans import models as m
from pac.web.plans.entities import CRITERIA_LABELS
from pac.web.plans.history_values import EMPTY, Namer, field_value
from pac.web.plans.services import THRESHOLD_LABELS

#: Each plan file section: its label and the model whose field labels and values it shares.
SECTIONS: dict[str, tuple[Any, type[models.Model] | None]] = {
    "plan": (_l("Plan"), m.Plan),
    "objectives": (_l("Objectives"), m.Objective),
    "funnel": (_l("Funnel"), m.Plan),
    "team": (_l("Team"), m.PlanRole),
    "effort": (_l("Effort per stage"), m.Effort),
    "priorities": (_l("Priorities"), m.Plan),
    "segments": (_l("Segments"), m.Segment),
    "accounts": (_l("Accounts"), m.Account),
    "contacts": (_l("Contacts"), m.Contact),
    "events": (_l("Events"), m.Event),
    "actions": (_l("Actions"), m.Action),
    "rituals": (_l("Rituals"), m.Ritual),
    "deadlines": (_l("Reporting deadlines"), m.Deadline),
    "raci": (_l("Governance (RACI)"), m.GovernanceRaci),
    "partners": (_l("Channel partners"), m.Partner),
    "decisions": (_l("Decisions"), m.Decision),
    "alerts": (_l("Alert thresholds"), None),
    "sequences": (_l("Sequences"), None),
    "touch_capacity": (_l("Touches per day"), None),
}
#: Plan file keys whose name differs from their model field's, or that no model field holds.
KEYS: dict[str, Any] = {
    "stages": _l("stages"),
    "value": _l("weight of value"),
    "velocity": _l("weight of velocity"),
    "cost": _l("weight of cost"),
    "volume": _l("expected volume"),
    "metric": _l("metric"),
    "objective": _l("objective served"),
    "milestones": _l("milestones"),
    "criteria": _l("criteria"),
    "rates": _l("conversion rates"),
    "steps": _l("steps"),
    "variants": _l("variants"),
    "exits": _l("exit rules"),
    "offset": _l("day"),
    "instructions": _l("instructions"),
    "templates": _l("templates"),
    "split": _l("share"),
    "default": _l("per person"),
    "owners": _l("per person"),
    "absences": _l("absences"),
    "pauses": _l("pauses"),
    "builtin": _l("built-in sequence"),
    "id": _l("id"),
    "version": _l("plan file version"),
    "expected": _l("expected outcome"),
    "stage": _l("stage"),
}
#: What a key means inside ``expected`` (the action's expected outcome).
EXPECTED_FIELDS = {"volume": "expected_volume", "stage": "expected_stage", "metric": "expected_metric",
                   "objective": "expected_objective"}  # fmt: skip


@dataclass(frozen=True)
class ChangeLine:
    """One change as the page shows it."""

    kind: str  # added, removed, changed
    section: str
    subject: str  # the object, by its name ("" for a section-wide value)
    field: str  # "" for an object added or removed
    old: str
    new: str


def _model_field(model: type[models.Model] | None, key: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except Exception:
        return None
    return field if isinstance(field, models.Field) else None


class Wording:
    """Names and values of one plan's changes, in the reader's language."""

    def __init__(self, plan: m.Plan, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.namer = Namer(plan)
        self.old, self.new = old, new

    def line(self, change: Change) -> ChangeLine:
        section = change.path[0]
        label, model = SECTIONS.get(section, (section, None))
        subject, rest = self._subject(change.path, model)
        field = self._field(section, rest, model) if rest else ""
        if change.kind is Kind.CHANGED or rest:
            old, new = self._value(section, rest, model, change.old), self._value(section, rest, model, change.new)
        else:
            old = new = ""
        return ChangeLine(change.kind.value, capfirst(str(label)), subject, field, old, new)

    def _subject(self, path: tuple[str, ...], model: type[models.Model] | None) -> tuple[str, tuple[str, ...]]:
        """The object a change is about (its name), and the rest of the path (the field within it)."""
        section = path[0]
        if section == "funnel" and len(path) >= 3 and path[1] == "stages":
            return self._choice(m.FunnelStage, "stage", path[2]), path[3:]
        if section in {"plan", "funnel", "priorities", "alerts", "touch_capacity"} or len(path) < 2:
            return "", path[1:]
        identity = path[1]
        row = self._row(section, identity)
        if section == "team":
            return self._choice(m.PlanRole, "role", identity.lower()), path[2:]
        if section == "effort":
            stage, _sep, role = identity.partition("/")
            return f"{self._choice(m.Effort, 'stage', stage)} · {self._choice(m.Effort, 'role', role.lower())}", path[
                2:
            ]
        if section == "objectives" and row:
            title = self.namer.objective_title(str(row.get("metric", "")), str(row.get("segment", "")))
            return title or identity, path[2:]
        name = (row.get("name") or row.get("activity")) if row else None
        return str(name or identity), path[2:]

    def _row(self, section: str, identity: str) -> Mapping[str, Any]:
        for data in (self.new, self.old):
            for row in data.get(section) or []:
                if isinstance(row, Mapping) and str(row.get("id", row.get("activity", ""))) == identity:
                    return row
        return {}

    def _choice(self, model: type[models.Model], name: str, value: str) -> str:
        return field_value(model, name, value, self.namer)

    def _field(self, section: str, rest: tuple[str, ...], model: type[models.Model] | None) -> str:
        key = rest[0]
        if section == "actions" and key == "expected" and len(rest) > 1:
            return self._label(m.Action, EXPECTED_FIELDS.get(rest[1], rest[1]))
        if key == "criteria" and len(rest) > 1:
            return f"{capfirst(str(KEYS['criteria']))} · {CRITERIA_LABELS.get(rest[1], rest[1])}"
        if key == "rates" and len(rest) > 1:
            return f"{capfirst(str(KEYS['rates']))} · {self._choice(m.FunnelStage, 'stage', rest[1])}"
        if (key == "raci" and len(rest) > 1) or (section == "raci" and key in "RACI"):
            return f"RACI · {rest[-1]}"
        if section == "alerts":
            return capfirst(str(THRESHOLD_LABELS.get(key, KEYS.get(key, key))))
        if section == "touch_capacity" and key == "owners" and len(rest) > 1:
            return f"{capfirst(str(KEYS['owners']))} · {self.namer.person(rest[1])}"
        if section == "sequences" and len(rest) > 1 and key in {"steps", "variants"}:
            return f"{capfirst(str(KEYS[key]))} · {rest[1]}" + (
                f" · {self._label(None, rest[2])}" if len(rest) > 2 else ""
            )
        return self._label(model, key)

    def _label(self, model: type[models.Model] | None, key: str) -> str:
        field = _model_field(model, key)
        if key in KEYS and (field is None or (key in {"metric", "stage"} and model is m.Action)):
            return capfirst(str(KEYS[key]))
        if field is not None:
            return capfirst(str(field.verbose_name))
        return capfirst(str(KEYS.get(key, key)))

    def _value(self, section: str, rest: tuple[str, ...], model: type[models.Model] | None, value: Any) -> str:
        if value is None:
            return EMPTY
        key = rest[-1] if rest else ""
        if section == "actions" and rest[:1] == ("expected",) and len(rest) > 1:
            key = EXPECTED_FIELDS.get(rest[1], key)
        field = _model_field(model, key)
        if field is not None and not isinstance(value, dict | list):
            if isinstance(field, models.DecimalField) and isinstance(value, int | float | str):
                value = Decimal(str(value))
            if isinstance(field, models.ForeignKey):
                return str(value)  # the plan file names it by its id
            if isinstance(value, str) and field.choices:
                value = value.lower() if section in {"team", "effort"} else value
            return field_value(model, key, value, self.namer)  # type: ignore[arg-type]
        return self._plain(value)

    def _plain(self, value: Any) -> str:
        fmt = self.namer.fmt
        if isinstance(value, bool):
            return str(_l("yes") if value else _l("no"))
        if isinstance(value, dt.date):
            return fmt.date(value)
        if isinstance(value, int | float | Decimal):
            return fmt.number(Decimal(str(value)))
        if isinstance(value, list):
            return ", ".join(self._plain(v) for v in value) or EMPTY
        if isinstance(value, Mapping):
            shown = [str(v) for k, v in value.items() if k in {"name", "id"}]
            return (
                shown[0] if shown else ", ".join(f"{self._label(None, k)} {self._plain(v)}" for k, v in value.items())
            )
        return str(value)


def worded_changes(
    plan: m.Plan, old: Mapping[str, Any], new: Mapping[str, Any], changes: list[Change]
) -> dict[str, Any]:
    """The changes from plan file ``old`` to ``new`` as ``_diff_lines.html`` shows them: lines grouped by
    section, their total and their count by kind."""
    wording = Wording(plan, old, new)
    lines = [wording.line(c) for c in changes]
    return {
        "sections": [{"section": key, "lines": list(group)} for key, group in groupby(lines, key=lambda x: x.section)],
        "total": len(lines),
        "counts": {kind: sum(1 for line in lines if line.kind == kind) for kind in ("added", "removed", "changed")},
    }


#: Each kind of change in words, by count: « 1 ajout », « 2 changements » (as the comparison page says it).
KIND_WORDS = {
    "added": lambda n: ngettext("%(counter)s added", "%(counter)s added", n) % {"counter": n},
    "removed": lambda n: ngettext("%(counter)s removed", "%(counter)s removed", n) % {"counter": n},
    "changed": lambda n: ngettext("%(counter)s changed", "%(counter)s changed", n) % {"counter": n},
}


def change_counts(changes: list[Change]) -> dict[str, int]:
    """How many objects or values were added, removed and changed."""
    return {kind: sum(1 for c in changes if c.kind.value == kind) for kind in KIND_WORDS}


def summary(changes: list[Change] | None, unreadable: bool = False) -> str:
    """What one version changed, on one line, by section: « 3 modifications : Actions (1 ajout,
    1 changement) ; Segments (1 retrait) ». None: the first version kept, nothing to compare it with (or a
    plan file that no longer reads)."""
    if unreadable:
        return _("cannot be compared: its plan file no longer reads")
    if changes is None:
        return _("first version kept")
    if not changes:
        return _("nothing changed in the plan file")
    sections: dict[str, list[Change]] = {}
    for change in changes:
        sections.setdefault(change.path[0], []).append(change)
    parts = []
    for key, found in sections.items():
        label = capfirst(str(SECTIONS.get(key, (key, None))[0]))
        counts = ", ".join(KIND_WORDS[kind](n) for kind, n in change_counts(found).items() if n)
        parts.append(f"{label} ({counts})")
    total = ngettext("%(counter)s change:", "%(counter)s changes:", len(changes)) % {"counter": len(changes)}
    return f"{total} {'; '.join(parts)}"


def changes_data(
    plan: m.Plan, old: Mapping[str, Any], new: Mapping[str, Any], changes: list[Change]
) -> list[dict[str, Any]]:
    """Each change as data and in words: its kind, path and plain values (``engine.plandiff``) with the
    section, object, field and values as the comparison page words them — what ``--json`` and the API give."""
    wording = Wording(plan, old, new)
    return [
        {**found, "section": line.section, "subject": line.subject, "field": line.field,
         "old_text": line.old, "new_text": line.new}
        for found, line in zip(to_json(changes)["changes"], (wording.line(c) for c in changes), strict=True)
    ]  # fmt: skip
