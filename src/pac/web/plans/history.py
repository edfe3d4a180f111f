"""The plan's history: every change to one of its objects, who made it and when (django-simple-history
rows, recorded by ``plans.recorded``), read newest first for one object or for the whole plan, and each
change worded field by field (``plans.history_values``). Also what erasing a person does to it
(``scrub_person``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pac.web.accounts.models import User
from pac.web.plans import models as m
from pac.web.plans.history_values import Namer, field_label, field_value
from pac.web.plans.recorded import CLI

#: Entries per page of the plan's history, and the most one object's history page shows.
PAGE_SIZE = 50
OBJECT_LIMIT = 500


@dataclass(frozen=True)
class Kind:
    """One kind of plan object whose changes are kept: its model, its name, and how a row leads to its plan."""

    key: str
    model: type[models.Model]
    label: Any
    scope: str = "plan"  # plan (the row's plan), self (the plan itself), account or action (through them)


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind("plan", m.Plan, gettext_lazy("Plan"), "self"),
        Kind("objective", m.Objective, gettext_lazy("Objective")),
        Kind("stage", m.FunnelStage, gettext_lazy("Funnel stage")),
        Kind("role", m.PlanRole, gettext_lazy("Team")),
        Kind("effort", m.Effort, gettext_lazy("Effort")),
        Kind("segment", m.Segment, gettext_lazy("Segment")),
        Kind("account", m.Account, gettext_lazy("Account")),
        Kind("contact", m.Contact, gettext_lazy("Contact"), "account"),
        Kind("event", m.Event, gettext_lazy("Event")),
        Kind("action", m.Action, gettext_lazy("Action")),
        Kind("milestone", m.Milestone, gettext_lazy("Milestone"), "action"),
        Kind("ritual", m.Ritual, gettext_lazy("Ritual")),
        Kind("deadline", m.Deadline, gettext_lazy("Reporting deadline")),
        Kind("governance", m.GovernanceRaci, gettext_lazy("Team RACI")),
        Kind("partner", m.Partner, gettext_lazy("Channel partner")),
        Kind("decision", m.Decision, gettext_lazy("Decision")),
    )
}
CHANGE_LABELS = {"+": gettext_lazy("created"), "~": gettext_lazy("changed"), "-": gettext_lazy("deleted")}
#: Fields a history row carries about itself, not about the object.
_OWN_FIELDS = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}


def history_model(kind: Kind) -> Any:
    return kind.model.history.model  # type: ignore[attr-defined]


def _in_plan(kind: Kind, plan: m.Plan) -> QuerySet[Any]:
    """Every history row of this kind that belongs to the plan, deleted objects included (their rows keep
    the plan's id; a contact or a milestone through its account's or action's rows)."""
    rows = history_model(kind).objects.all()
    if kind.scope == "self":
        return rows.filter(id=plan.pk)
    if kind.scope == "plan":
        return rows.filter(plan_id=plan.pk)
    parent = KINDS[kind.scope]
    return rows.filter(**{f"{kind.scope}_id__in": history_model(parent).objects.filter(plan_id=plan.pk).values("id")})


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Entry:
    """One change to one object, as the reader reads it."""

    when: dt.datetime
    who: str
    kind: str
    kind_label: str
    object_id: int
    title: str
    type: str  # + ~ -
    type_label: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Filters:
    kind: str = ""  # a key of KINDS, or every kind
    person: str = ""  # a user's id, CLI, or everybody


def filters_from(query: Any) -> Filters:
    """Unknown values fall back to « all » rather than failing."""
    kind = query.get("kind", "")
    person = query.get("person", "")
    return Filters(
        kind if kind in KINDS else "",
        person if person == CLI or (person.isdigit() and len(person) < 19) else "",
    )


def _matching(plan: m.Plan, filters: Filters) -> QuerySet[Any]:
    """(date, history id, kind) of every matching row, all kinds together, newest first."""
    queries = []
    for kind in KINDS.values():
        if filters.kind and kind.key != filters.kind:
            continue
        rows = _in_plan(kind, plan)
        if filters.person == CLI:
            rows = rows.filter(history_user__isnull=True, history_change_reason=CLI)
        elif filters.person:
            rows = rows.filter(history_user_id=int(filters.person))
        queries.append(
            rows.order_by()  # a part of a union keeps no order of its own (their models order newest first)
            .annotate(history_kind=Value(kind.key, output_field=CharField()))
            .values_list("history_date", "history_id", "history_kind")
        )
    first, *others = queries
    return (
        first.union(*others, all=True).order_by("-history_date", "-history_id")
        if others
        else first.order_by("-history_date", "-history_id")
    )


def plan_history_count(plan: m.Plan, filters: Filters) -> int:
    return _matching(plan, filters).count()


def plan_history(plan: m.Plan, filters: Filters, start: int, stop: int) -> list[Entry]:
    """Entries ``start`` to ``stop`` of the plan's history (newest first)."""
    page = list(_matching(plan, filters)[start:stop])
    wanted: dict[str, list[int]] = {}
    for _date, history_id, key in page:
        wanted.setdefault(key, []).append(history_id)
    namer = Namer(plan)
    entries: dict[tuple[str, int], Entry] = {}
    for key, ids in wanted.items():
        kind = KINDS[key]
        for history_id, entry in _entries(kind, history_model(kind).objects.filter(history_id__in=ids), namer):
            entries[(key, history_id)] = entry
    return [entries[(key, history_id)] for _date, history_id, key in page]


def object_history(plan: m.Plan, kind: Kind, pk: int) -> list[Entry] | None:
    """The changes to one object of the plan, newest first (the latest ``OBJECT_LIMIT``: the plan's history
    pages through them all); None when the plan never had it."""
    ids = list(
        _in_plan(kind, plan).filter(id=pk).order_by("-history_id").values_list("history_id", flat=True)[:OBJECT_LIMIT]
    )
    if not ids:
        return None
    found = _entries(kind, history_model(kind).objects.filter(history_id__in=ids), Namer(plan))
    return [entry for _id, entry in sorted(found, key=lambda pair: (pair[1].when, pair[0]), reverse=True)]


def export_entries(plan: m.Plan, filters: Filters, chunk: int = 500) -> Iterator[Entry]:
    """The whole history, newest first, read from the database a chunk at a time."""
    start = 0
    while True:
        entries = plan_history(plan, filters, start, start + chunk)
        yield from entries
        if len(entries) < chunk:
            return
        start += chunk


def _entries(kind: Kind, rows: QuerySet[Any], namer: Namer) -> list[tuple[int, Entry]]:
    """Each row worded against the row before it for the same object (what changed, from → to)."""
    model = history_model(kind)
    before = Subquery(
        model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    records = list(rows.annotate(previous_id=before))
    previous = {r.history_id: r for r in model.objects.filter(history_id__in=[r.previous_id for r in records])}
    accounts = _accounts_of([*records, *previous.values()]) if kind.key == "action" else {}
    users = {
        u.pk: u
        for u in User.objects.filter(pk__in={r.history_user_id for r in records} - {None}).only(
            "username", "first_name", "last_name"
        )
    }
    fields = [f for f in model._meta.fields if f.name not in _OWN_FIELDS]
    found = []
    for record in records:
        prior = previous.get(record.previous_id)
        changes: list[Change] = []
        if record.history_type == "~" and prior is not None:
            for field in fields:
                old, new = getattr(prior, field.attname), getattr(record, field.attname)
                if old != new:
                    changes.append(
                        Change(
                            field_label(kind.model, field.name),
                            field_value(kind.model, field.name, old, namer),
                            field_value(kind.model, field.name, new, namer),
                        )
                    )
            if kind.key == "action" and accounts.get(prior.history_id) != accounts.get(record.history_id):
                changes.append(
                    Change(
                        field_label(kind.model, "accounts"),
                        namer.accounts(accounts.get(prior.history_id, ())),
                        namer.accounts(accounts.get(record.history_id, ())),
                    )
                )
        user = users.get(record.history_user_id)
        found.append(
            (
                record.history_id,
                Entry(
                    when=record.history_date,
                    who=_who(user, record.history_change_reason),
                    kind=kind.key,
                    kind_label=str(kind.label),
                    object_id=record.id,
                    title=namer.title(kind.key, record),
                    type=record.history_type,
                    type_label=str(CHANGE_LABELS.get(record.history_type, record.history_type)),
                    changes=tuple(changes),
                ),
            )
        )
    return found


def _accounts_of(records: Iterable[Any]) -> dict[int, tuple[int, ...]]:
    """The accounts an action targeted in each of its history rows (its many-to-many as it stood)."""
    through = apps.get_model("plans", "HistoricalAction_accounts")  # simple-history's copy of the links
    pairs: dict[int, list[int]] = {}
    for history_id, account_id in through.objects.filter(history_id__in=[r.history_id for r in records]).values_list(
        "history_id", "account_id"
    ):
        pairs.setdefault(history_id, []).append(account_id)
    return {history_id: tuple(sorted(ids)) for history_id, ids in pairs.items()}


def _who(user: User | None, source: str | None) -> str:
    if user is not None:
        return user.get_full_name() or user.username
    if source == CLI:
        return _("command line")
    return _("unknown")


#: The history fields that may hold a username (owners, RACI letters, attendees).
_OWNER_FIELDS = {
    m.Account: ["owner"],
    m.Action: ["owner"],
    m.Ritual: ["owner"],
    m.Deadline: ["owner"],
    m.Partner: ["owner"],
}
_PEOPLE_FIELDS = {m.Action: ["raci"], m.GovernanceRaci: ["raci"], m.Ritual: ["attendees"]}


@transaction.atomic
def scrub_person(username: str) -> int:
    """What erasing a person does to the plans' history: their changes stop naming them (``history_user``
    emptied), and no past version of an object keeps their username as owner, in a RACI or among attendees.
    Returns the number of history rows changed."""
    changed = 0
    user = User.objects.filter(username=username).first()
    for kind in KINDS.values():
        model = history_model(kind)
        if user is not None:
            changed += model.objects.filter(history_user_id=user.pk).update(history_user=None)
        for name in _OWNER_FIELDS.get(kind.model, []):
            changed += model.objects.filter(**{name: username}).update(**{name: ""})
        for name in _PEOPLE_FIELDS.get(kind.model, []):
            for record in model.objects.filter(**{f"{name}__icontains": username}).iterator():
                value = getattr(record, name)
                cleaned = _without(value, username)
                if cleaned != value:
                    model.objects.filter(history_id=record.history_id).update(**{name: cleaned})
                    changed += 1
    return changed


def _without(value: Any, username: str) -> Any:
    """A RACI or a list of people without ``username``."""
    if isinstance(value, list):
        return [p for p in value if p != username]
    if isinstance(value, dict):
        return {k: ("" if v == username else _without(v, username)) for k, v in value.items()}
    return value
