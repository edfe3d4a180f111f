"""The plan file's ``sequences`` and ``touch_capacity`` sections: their models, cross-checks and conversions.

A sequence names its steps (or a built-in), its variants, its exit rules and whom it enrols (a segment,
accounts, a persona, or exactly the contacts it lists); ``touch_capacity`` says how many touches each owner
can do in a business day and when they are away. ``engine.sequences`` schedules them (``pac sequences``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from pac.engine import model
from pac.engine.fieldtypes import Day, Fraction, Identifier, LongText, Name, Person, ShortText
from pac.engine.labels import Message, gettext_noop
from pac.engine.model import Channel
from pac.engine.sequences import (
    BUILTINS,
    Absence,
    Anchor,
    Capacity,
    Enrolment,
    ExitRule,
    Pause,
    PlannedSequence,
    Sequence,
    Step,
    Variant,
    builtin,
)

Path = tuple[str | int, ...]
MAX_STEPS = 20
MAX_CONTACTS = 50_000  # a sequence's exact audience, as the web app's enrolment caps it
DailyTouches = Annotated[int, Field(ge=1, le=1000)]  # an owner away is an absence, not a capacity of 0


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepEntry(_Entry):
    offset: Annotated[int, Field(ge=-730, le=730)]
    channel: Annotated[Channel, BeforeValidator(_lower)]
    templates: dict[ShortText, Identifier] = {}
    instructions: LongText = ""


class VariantEntry(_Entry):
    id: Identifier
    split: Annotated[Fraction, Field(gt=0)]


class PauseEntry(_Entry):
    start: Day
    end: Day
    contact: Identifier | None = None


class SequenceEntry(_Entry):
    id: Identifier
    name: Name
    builtin: Annotated[str, Field(max_length=40)] | None = None
    steps: Annotated[list[StepEntry], Field(max_length=MAX_STEPS)] = []
    variants: Annotated[list[VariantEntry], Field(max_length=10)] = []
    exits: list[Annotated[ExitRule, BeforeValidator(_lower)]] = list(ExitRule)
    segment: Identifier | None = None
    accounts: list[Identifier] = []
    persona: ShortText | None = None
    contacts: Annotated[list[Identifier], Field(max_length=MAX_CONTACTS)] | None = None
    start: Day | None = None
    event: Identifier | None = None
    owner: Person | None = None
    pauses: Annotated[list[PauseEntry], Field(max_length=100)] = []


class AbsenceEntry(_Entry):
    owner: Person
    start: Day
    end: Day


class TouchCapacityEntry(_Entry):
    default: DailyTouches = 20
    owners: dict[Person, DailyTouches] = {}
    absences: Annotated[list[AbsenceEntry], Field(max_length=1000)] = []


def _steps(entry: SequenceEntry) -> tuple[Step, ...]:
    if entry.steps or entry.builtin not in BUILTINS:
        return tuple(Step(s.offset, s.channel, dict(s.templates), s.instructions) for s in entry.steps)
    return builtin(str(entry.builtin))[0]


def sequence_rules(doc: Any) -> list[tuple[Path, str]]:
    """Steps in order and in range, splits adding up to 1, known segment/accounts/event/contacts, an owner
    for every enrolled account, and no contact in two sequences of the plan."""
    problems: list[tuple[Path, str]] = []
    segments = {s.id for s in doc.segments}
    accounts = {a.id: a for a in doc.accounts}
    contacts = {c.id for c in doc.contacts}
    events = {e.id for e in doc.events}
    seen_ids: set[str] = set()
    enrolled: dict[str, str] = {}
    for i, entry in enumerate(doc.sequences):
        at: Path = ("sequences", i)
        if entry.id in seen_ids:
            problems.append(((*at, "id"), Message(gettext_noop("duplicate id {id}"), id=repr(entry.id))))
        seen_ids.add(entry.id)
        if entry.builtin is not None and entry.builtin not in BUILTINS:
            problems.append(
                (
                    (*at, "builtin"),
                    Message(
                        gettext_noop("unknown built-in sequence {value} (known: {known})"),
                        value=repr(entry.builtin),
                        known=", ".join(BUILTINS),
                    ),
                )
            )
        if (entry.builtin is None) == (not entry.steps):
            problems.append((at, Message(gettext_noop("give either steps or a builtin"))))
        steps = _steps(entry)
        anchored = entry.event is not None
        for j, step in enumerate(steps):
            where: Path = (*at, "steps", j, "offset") if entry.steps else (*at, "builtin")
            if j and step.offset < steps[j - 1].offset:
                problems.append(
                    (
                        where,
                        Message(
                            gettext_noop("must not be before the previous step's offset ({offset})"),
                            offset=steps[j - 1].offset,
                        ),
                    )
                )
            if anchored and step.offset > 0:
                problems.append((where, Message(gettext_noop("must be 0 or negative: days before the event"))))
            if not anchored and step.offset < 0:
                problems.append((where, Message(gettext_noop("must be 0 or more: business days after the start"))))
        if entry.variants and sum(v.split for v in entry.variants) != 1:
            problems.append(((*at, "variants"), Message(gettext_noop("the splits must add up to 1"))))
        if len({v.id for v in entry.variants}) != len(entry.variants):
            problems.append(((*at, "variants"), Message(gettext_noop("each variant needs its own id"))))
        if entry.segment is not None and entry.segment not in segments:
            problems.append(
                ((*at, "segment"), Message(gettext_noop("unknown segment {value}"), value=repr(entry.segment)))
            )
        for j, account in enumerate(entry.accounts):
            if account not in accounts:
                problems.append(
                    ((*at, "accounts", j), Message(gettext_noop("unknown account {value}"), value=repr(account)))
                )
        if entry.event is not None and entry.event not in events:
            problems.append(((*at, "event"), Message(gettext_noop("unknown event {value}"), value=repr(entry.event))))
        by_criteria = entry.segment is not None or bool(entry.accounts) or entry.persona is not None
        if entry.contacts is not None:
            if by_criteria:
                problems.append(
                    (
                        (*at, "contacts"),
                        Message(gettext_noop("give either contacts or a segment, accounts and a persona, not both")),
                    )
                )
            for j, listed in enumerate(entry.contacts):
                if listed not in contacts:
                    problems.append(
                        ((*at, "contacts", j), Message(gettext_noop("unknown contact {value}"), value=repr(listed)))
                    )
        elif not by_criteria:
            problems.append(
                (at, Message(gettext_noop("needs whom it enrols: a segment, accounts, a persona or contacts")))
            )
        for j, pause in enumerate(entry.pauses):
            if pause.end < pause.start:
                problems.append(
                    (
                        (*at, "pauses", j, "end"),
                        Message(gettext_noop("must not be before start ({start})"), start=pause.start),
                    )
                )
            if pause.contact is not None and pause.contact not in contacts:
                problems.append(
                    (
                        (*at, "pauses", j, "contact"),
                        Message(gettext_noop("unknown contact {value}"), value=repr(pause.contact)),
                    )
                )
        for contact in doc.contacts:
            if not _matches(entry, contact, accounts):
                continue
            if contact.id in enrolled:
                problems.append(
                    (
                        at,
                        Message(
                            gettext_noop("contact {contact} is already in sequence {sequence}"),
                            contact=repr(contact.id),
                            sequence=repr(enrolled[contact.id]),
                        ),
                    )
                )
                break
            enrolled[contact.id] = entry.id
            if accounts[contact.account].owner is None and entry.owner is None:
                problems.append(
                    (
                        (*at, "owner"),
                        Message(
                            gettext_noop("required: account {account} has no owner to do the touches"),
                            account=repr(contact.account),
                        ),
                    )
                )
                break
    capacity = getattr(doc, "touch_capacity", None)
    if capacity is not None:
        for j, absence in enumerate(capacity.absences):
            if absence.end < absence.start:
                problems.append(
                    (
                        ("touch_capacity", "absences", j, "end"),
                        Message(gettext_noop("must not be before start ({start})"), start=absence.start),
                    )
                )
    return problems


def _matches(entry: SequenceEntry | PlannedSequence, contact: Any, accounts: dict[str, Any]) -> bool:
    account = accounts.get(contact.account)
    if account is None:
        return False
    if entry.contacts is not None:  # an exact audience
        return contact.id in entry.contacts
    if entry.persona is not None and (contact.persona or "").casefold() != entry.persona.casefold():
        return False
    if entry.segment is None and not entry.accounts:
        return True
    return (entry.segment is not None and account.segment == entry.segment) or account.id in entry.accounts


def sequences_to_model(doc: Any) -> dict[str, Any]:
    """Keyword arguments for ``model.Plan``: its sequences and the owners' touch capacity."""
    planned = tuple(
        PlannedSequence(
            Sequence(
                e.id,
                e.name,
                _steps(e),
                tuple(Variant(v.id, float(v.split)) for v in e.variants),
                tuple(e.exits),
                Anchor.EVENT if e.event else Anchor.START,
            ),
            segment=e.segment,
            accounts=tuple(e.accounts),
            persona=e.persona,
            contacts=tuple(e.contacts) if e.contacts is not None else None,
            start=e.start,
            event=e.event,
            owner=e.owner,
            pauses=tuple(Pause(e.id, p.start, p.end, p.contact) for p in e.pauses),
        )
        for e in doc.sequences
    )
    c = doc.touch_capacity
    capacity = (
        Capacity(c.default, dict(c.owners), tuple(Absence(a.owner, a.start, a.end) for a in c.absences))
        if c is not None
        else None
    )
    return {"sequences": planned, "touch_capacity": capacity}


def sequences_to_data(plan: model.Plan) -> dict[str, Any]:
    """The two sections as plain YAML data (left out when empty); steps are always written out."""
    data: dict[str, Any] = {}
    c = plan.touch_capacity
    if c is not None:
        data["touch_capacity"] = {
            "default": c.default,
            **({"owners": dict(c.owners)} if c.owners else {}),
            **(
                {"absences": [{"owner": a.owner, "start": a.start, "end": a.end} for a in c.absences]}
                if c.absences
                else {}
            ),
        }
    rows = []
    for p in plan.sequences:
        s = p.sequence
        row: dict[str, Any] = {"id": s.id, "name": s.name, "steps": []}
        for step in s.steps:
            written: dict[str, Any] = {"offset": step.offset, "channel": step.channel.value}
            if step.templates:
                written["templates"] = dict(step.templates)
            if step.instructions:
                written["instructions"] = step.instructions
            row["steps"].append(written)
        if s.variants:
            row["variants"] = [{"id": v.id, "split": _split(v.split)} for v in s.variants]
        if s.exits != tuple(ExitRule):
            row["exits"] = [e.value for e in s.exits]
        optional = {
            "segment": p.segment,
            "accounts": list(p.accounts) or None,
            "persona": p.persona,
            "contacts": list(p.contacts) if p.contacts is not None else None,
            "start": p.start,
            "event": p.event,
            "owner": p.owner,
        }
        row.update({k: v for k, v in optional.items() if v is not None})
        if p.pauses:
            row["pauses"] = [
                {"start": q.start, "end": q.end, **({"contact": q.contact} if q.contact else {})} for q in p.pauses
            ]
        rows.append(row)
    if rows:
        data["sequences"] = rows
    return data


def _split(value: float) -> float | str:
    return float(Decimal(repr(value)))


def plan_enrolments(plan: model.Plan, today: dt.date) -> list[Enrolment]:
    """Who each sequence of the plan enrols: the contacts of its segment or accounts (with its persona), or
    the contacts it lists, owned by their account's owner (else the sequence's), strategic accounts first,
    then by ICP fit."""
    accounts = {a.id: a for a in plan.accounts}
    events = {e.id: e.start for e in plan.events}
    enrolments = []
    for p in plan.sequences:
        start = events[p.event] if p.event else max(today, p.start or today)
        for contact in plan.contacts:
            if not _matches(p, contact, accounts):
                continue
            account = accounts[contact.account]
            owner = account.owner or p.owner or ""
            fit = account.icp_fit if account.icp_fit is not None else Decimal(0)
            priority = (0 if account.strategic else 1000) + (999 - int(fit * 999))
            enrolments.append(Enrolment(p.sequence.id, contact.id, account.id, owner, start, priority, contact.persona))
    return enrolments
