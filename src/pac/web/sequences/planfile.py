"""The plan file's ``sequences`` and ``touch_capacity`` sections as rows: stored when a plan file is imported
(cadences with built-ins written out as steps, the owners' capacity, and the enrolments the file declares,
scheduled through ``services.enrol``), and read back when the plan is exported, so that export → import
changes nothing. Registered in ``plans.filesections`` when the app starts.

A contact may go through several sequences of a plan (one finished or stopped, then the next), which a plan
file cannot say: each contact is written under one sequence, the one it is running in, else its latest. A
sequence whose file audience (segment, accounts, persona) no longer says whom it holds — a contact it matches
has moved to another sequence, or the enrolment screen added one it does not match — and a sequence built in
the web app are written with the exact ``contacts`` they hold."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

from django.db.models import Q

from pac.engine import model
from pac.engine import sequences as engine
from pac.engine.model import Channel
from pac.web.accounts.models import User
from pac.web.plans.models import Account, Contact, Plan
from pac.web.sequences import services
from pac.web.sequences.models import RUNNING, Enrolment, SequenceTemplate, TouchCapacity


def _audience(p: engine.PlannedSequence) -> dict[str, Any]:
    written = {
        "segment": p.segment,
        "accounts": list(p.accounts) or None,
        "persona": p.persona,
        "contacts": list(p.contacts) if p.contacts is not None else None,
        "start": p.start.isoformat() if p.start else None,
        "event": p.event,
        "owner": p.owner,
    }
    return {k: v for k, v in written.items() if v is not None}


def store(*, user: User, plan: Plan, source: model.Plan, today: dt.date) -> None:
    """The two sections of ``source`` as rows of ``plan``: capacity first (the enrolments are scheduled
    within it), then each sequence and the contacts it enrols, in the file's order. Refusals of single
    contacts (opted out, no e-mail for an e-mail step) are not errors: those contacts stay out."""
    c = source.touch_capacity
    if c is not None:
        services.touch_capacity_save(
            user, plan, default=c.default, owners=dict(c.owners), absences=c.absences, today=today
        )
    events = {e.id: e.start for e in source.events}
    for p in source.sequences:
        s = p.sequence
        sequence = services.sequence_save(
            user,
            plan,
            code=s.id,
            name=s.name,
            steps=[
                {
                    "offset": step.offset,
                    "channel": step.channel.value,
                    "instructions": step.instructions,
                    "templates": dict(step.templates),
                }
                for step in s.steps
            ],
            variants=[{"id": v.id, "split": v.split} for v in s.variants],
            exits=[e.value for e in s.exits],
            anchor=s.anchor.value,
            audience=_audience(p),
            pauses=[
                {
                    "start": q.start.isoformat(),
                    "end": q.end.isoformat(),
                    **({"contact": q.contact} if q.contact else {}),
                }
                for q in p.pauses
            ],
        )
        start = events[p.event] if p.event else (p.start or today)
        if p.contacts is not None:  # the exact audience: those contacts, nobody else
            if p.contacts:
                services.enrol(user, plan, sequence, contacts=p.contacts, start=start, today=today, owner=p.owner)
            continue
        accounts: list[str] | None = None
        if p.segment is not None or p.accounts:  # the segment's accounts and the listed ones (the file's « or »)
            in_segment = (
                Account.objects.filter(plan=plan, segment__code=p.segment) if p.segment else Account.objects.none()
            )
            accounts = sorted({*p.accounts, *in_segment.values_list("code", flat=True)})
        services.enrol(
            user, plan, sequence, accounts=accounts, persona=p.persona, start=start, today=today, owner=p.owner
        )


def _holders(plan: Plan) -> tuple[dict[int, list[str]], dict[int, str]]:
    """Each sequence's contacts (codes, in the plan's order): a contact under the sequence it is running in,
    else under its latest enrolment's (a finished one before it is history the plan file does not carry);
    and, by sequence, who does the touches of its accounts without an owner (the file's ``owner``)."""
    where: dict[int, tuple[bool, int, int, str, bool]] = {}  # contact → (running, pk, sequence, owner, orphan)
    rows = Enrolment.objects.filter(plan=plan).values_list(
        "contact_id", "sequence_id", "status", "pk", "owner", "account__owner"
    )
    for contact, sequence, status, pk, owner, account_owner in rows:
        key = (status in RUNNING, pk, sequence, owner, not account_owner)
        if contact not in where or key > where[contact]:
            where[contact] = key
    held: dict[int, list[str]] = {}
    stand_ins: dict[int, str] = {}
    for contact_pk, code in Contact.objects.filter(account__plan=plan).values_list("pk", "code"):
        if contact_pk in where:
            _running, _pk, sequence, owner, orphan = where[contact_pk]
            held.setdefault(sequence, []).append(code)
            if orphan:
                stand_ins.setdefault(sequence, owner)
    return held, stand_ins


def _matched(plan: Plan, audience: Mapping[str, Any]) -> set[str]:
    """The contacts (codes) of the plan a file audience matches, as the plan file reads it."""
    found = Contact.objects.filter(account__plan=plan)
    if "contacts" in audience:
        return set(found.filter(code__in=audience["contacts"]).values_list("code", flat=True))
    segment, accounts, persona = audience.get("segment"), audience.get("accounts") or [], audience.get("persona")
    if segment is not None or accounts:  # the segment's accounts or the listed ones (the file's « or »)
        either = Q(account__code__in=accounts)
        found = found.filter(either | Q(account__segment__code=segment) if segment is not None else either)
    if persona is not None:
        found = found.filter(persona__iexact=persona)
    return set(found.values_list("code", flat=True))


def _audiences(plan: Plan, rows: list[SequenceTemplate]) -> dict[int, dict[str, Any]]:
    """Whom each sequence is written to enrol (by its pk): its file audience while that still says whom it
    holds and shares no contact with another sequence, else exactly the contacts it holds (and who did the
    touches of those whose account has no owner)."""
    held, stand_ins = _holders(plan)
    holder = {code: pk for pk, codes in held.items() for code in codes}
    matched = {row.pk: _matched(plan, row.audience) for row in rows if row.audience}
    kept = {
        pk
        for pk, codes in matched.items()
        if all(holder.get(code, pk) == pk for code in codes) and set(held.get(pk, ())) <= codes
    }
    # a contact enrolled nowhere (added since the import, or refused) that two kept audiences would both take
    taken = Counter(code for pk in kept for code in matched[pk] if code not in holder)
    kept = {pk for pk in kept if not any(taken[code] > 1 for code in matched[pk])}
    audiences: dict[int, dict[str, Any]] = {}
    for row in rows:
        audience: dict[str, Any] = dict(row.audience or {})
        if row.pk in kept and "contacts" in audience:  # those still in the plan
            audience["contacts"] = [code for code in audience["contacts"] if code in matched[row.pk]]
        if row.pk not in kept:
            audience = {k: v for k, v in audience.items() if k not in ("segment", "accounts", "persona")}
            audience["contacts"] = held.get(row.pk, [])
            if audience.get("owner") is None and row.pk in stand_ins:
                audience["owner"] = stand_ins[row.pk]
        audiences[row.pk] = audience
    return audiences


def _planned(row: SequenceTemplate, audience: Mapping[str, Any]) -> engine.PlannedSequence:
    """``row`` as the plan file writes it, enrolling ``audience``."""
    start = audience.get("start")
    contacts = audience.get("contacts")
    return engine.PlannedSequence(
        engine.Sequence(
            row.code,
            row.name,
            tuple(
                engine.Step(
                    int(s["offset"]), Channel(s["channel"]), dict(s.get("templates", {})), s.get("instructions", "")
                )
                for s in row.steps
            ),
            tuple(engine.Variant(str(v["id"]), float(v["split"])) for v in row.variants),
            tuple(engine.ExitRule(e) for e in row.exits),
            engine.Anchor(row.anchor),
        ),
        segment=audience.get("segment"),
        accounts=tuple(audience.get("accounts", ())),
        persona=audience.get("persona"),
        contacts=tuple(contacts) if contacts is not None else None,
        start=dt.date.fromisoformat(start) if start else None,
        event=audience.get("event"),
        owner=audience.get("owner"),
        pauses=tuple(
            engine.Pause(row.code, dt.date.fromisoformat(q["start"]), dt.date.fromisoformat(q["end"]), q.get("contact"))
            for q in row.pauses
        ),
    )


def read(plan: Plan) -> dict[str, Any]:
    """``model.Plan``'s ``sequences`` (in the order they were stored) and ``touch_capacity``."""
    rows = list(SequenceTemplate.objects.filter(plan=plan).order_by("pk"))
    audiences = _audiences(plan, rows)
    planned = tuple(_planned(row, audiences[row.pk]) for row in rows)
    capacity = None
    row = TouchCapacity.objects.filter(plan=plan).first()
    if row is not None:
        capacity = services.capacity(plan)
    return {"sequences": planned, "touch_capacity": capacity}


class PlanFileSequences:
    """The section as ``plans.filesections`` calls it."""

    def store(self, *, user: User, plan: Plan, source: model.Plan, today: dt.date) -> None:
        store(user=user, plan=plan, source=source, today=today)

    def read(self, plan: Plan) -> Mapping[str, Any]:
        return read(plan)
