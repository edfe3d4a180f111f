"""The plan file's ``sequences`` and ``touch_capacity`` sections as rows: stored when a plan file is imported
(cadences with built-ins written out as steps, the owners' capacity, and the enrolments the file declares,
scheduled through ``services.enrol``), and read back when the plan is exported, so that export → import
changes nothing. Registered in ``plans.filesections`` when the app starts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pac.engine import model
from pac.engine import sequences as engine
from pac.engine.model import Channel
from pac.web.accounts.models import User
from pac.web.plans.models import Account, Plan
from pac.web.sequences import services
from pac.web.sequences.models import SequenceTemplate, TouchCapacity


def _audience(p: engine.PlannedSequence) -> dict[str, Any]:
    written = {
        "segment": p.segment,
        "accounts": list(p.accounts) or None,
        "persona": p.persona,
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
        accounts: list[str] | None = None
        if p.segment is not None or p.accounts:  # the segment's accounts and the listed ones (the file's « or »)
            in_segment = (
                Account.objects.filter(plan=plan, segment__code=p.segment) if p.segment else Account.objects.none()
            )
            accounts = sorted({*p.accounts, *in_segment.values_list("code", flat=True)})
        start = events[p.event] if p.event else (p.start or today)
        services.enrol(
            user, plan, sequence, accounts=accounts, persona=p.persona, start=start, today=today, owner=p.owner
        )


def _planned(row: SequenceTemplate) -> engine.PlannedSequence | None:
    audience: Mapping[str, Any] = row.audience or {}
    accounts = tuple(audience.get("accounts", ()))
    if not audience:  # built in the web app: whom it enrolled, by account
        accounts = tuple(sorted(set(row.enrolments.values_list("account__code", flat=True))))
        if not accounts:
            return None  # nobody to enrol: a plan file's sequence needs whom it enrols
    start = audience.get("start")
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
        accounts=accounts,
        persona=audience.get("persona"),
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
    planned = (_planned(row) for row in SequenceTemplate.objects.filter(plan=plan).order_by("pk"))
    capacity = None
    row = TouchCapacity.objects.filter(plan=plan).first()
    if row is not None:
        capacity = services.capacity(plan)
    return {"sequences": tuple(p for p in planned if p is not None), "touch_capacity": capacity}


class PlanFileSequences:
    """The section as ``plans.filesections`` calls it."""

    def store(self, *, user: User, plan: Plan, source: model.Plan, today: dt.date) -> None:
        store(user=user, plan=plan, source=source, today=today)

    def read(self, plan: Plan) -> Mapping[str, Any]:
        return read(plan)
