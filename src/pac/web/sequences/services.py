"""The one write path of sequences: save a cadence, enrol contacts, honour opt-outs, pause, resume, stop,
and let a worker claim the e-mail touches that are due. Every change is one transaction.

The dates always come from ``pac.engine.sequences``: enrolling schedules the new touches around those
already stored for the same reps (pinned, their capacity taken first); resuming reschedules and moves
only what the pause forced to move.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pac.engine import sequences as engine
from pac.engine.model import Channel
from pac.engine.sequence_templates import MailTemplate, check_mail
from pac.web.accounts.abilities import Ability, can
from pac.web.accounts.models import Team, User
from pac.web.crm.models import Activity
from pac.web.language import formatter
from pac.web.plans.models import Account, Action, Contact, Plan
from pac.web.sequences.models import (
    RUNNING,
    ContactConsent,
    Enrolment,
    EnrolmentStatus,
    LegalBasis,
    OptOut,
    OptOutSource,
    SequenceTemplate,
    StepTemplate,
    Touch,
    TouchCapacity,
    TouchOutcome,
    TouchStatus,
)

#: Bounds of what a manager may save: a cadence is a handful of steps, not a campaign calendar.
MAX_STEPS = 20
MAX_OFFSET = 365
MAX_VARIANTS = 5
MAX_TEMPLATES = 200
MAX_INSTRUCTIONS = 2000
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,64}")
#: The most contacts one enrolment may take at once.
MAX_ENROL = 50_000

#: Why a contact is not enrolled (codes the enrolment screen words).
REFUSED_OPTED_OUT = "opted_out"
REFUSED_ALREADY_ENROLLED = "already_enrolled"
REFUSED_NO_EMAIL = "no_email"
REFUSAL_MESSAGES = {
    REFUSED_OPTED_OUT: gettext_noop("This contact has opted out of the team's e-mails."),
    REFUSED_ALREADY_ENROLLED: gettext_noop("This contact is already in an active sequence of this plan."),
    REFUSED_NO_EMAIL: gettext_noop("This contact has no e-mail address and the sequence has e-mail steps."),
}


def require_change(user: User, plan: Plan) -> None:
    """An outsider learns nothing (404); a teammate who may not change plans is told so (403)."""
    if not plan.team.members.filter(pk=user.pk).exists():
        raise Http404
    if not can(user, Ability.CHANGE_PLANS, plan):
        raise PermissionDenied(_("You may not change this plan."))


def capacity(plan: Plan | None = None) -> engine.Capacity:
    """The plan's touches per owner and business day, with the owners' absences (its ``TouchCapacity``,
    from the plan file's ``touch_capacity``); without one, ``SEQUENCE_DAILY_CAPACITY`` for everybody."""
    row = TouchCapacity.objects.filter(plan=plan).first() if plan is not None else None
    if row is None:
        return engine.Capacity(default=int(getattr(settings, "SEQUENCE_DAILY_CAPACITY", 40)))
    return engine.Capacity(
        default=row.default,
        owners={str(k): int(v) for k, v in row.owners.items()},
        absences=tuple(
            engine.Absence(str(a["owner"]), dt.date.fromisoformat(a["start"]), dt.date.fromisoformat(a["end"]))
            for a in row.absences
        ),
    )


#: Bounds of a plan's touch capacity, as the plan file's: touches per day, absences.
MAX_DAILY_TOUCHES = 1000
MAX_ABSENCES = 1000


@transaction.atomic
def touch_capacity_save(
    user: User,
    plan: Plan,
    *,
    default: int,
    owners: Mapping[str, int] | None = None,
    absences: Sequence[engine.Absence] = (),
    today: dt.date | None = None,
) -> engine.Schedule | None:
    """Set how many touches each owner of the plan can do per business day and when they are away, then
    reschedule the reps concerned: touches an absence now covers move to the first days with room, the
    others keep their day (``engine.reschedule``)."""
    require_change(user, plan)
    counts = [default, *(owners or {}).values()]
    if any(isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_DAILY_TOUCHES for n in counts):
        raise ValidationError(
            _("A daily capacity is a whole number of touches from 1 to %(limit)d.") % {"limit": MAX_DAILY_TOUCHES}
        )
    if len(absences) > MAX_ABSENCES or any(a.end < a.start for a in absences):
        raise ValidationError(_("An absence ends on or after its first day."))
    TouchCapacity.objects.update_or_create(
        plan=plan,
        defaults={
            "default": default,
            "owners": {str(k): int(v) for k, v in (owners or {}).items()},
            "absences": [{"owner": a.owner, "start": a.start.isoformat(), "end": a.end.isoformat()} for a in absences],
        },
    )
    concerned = set(Enrolment.objects.filter(plan=plan, status__in=RUNNING).values_list("owner", flat=True))
    if not concerned:
        return None
    return _reschedule(plan, concerned, today or timezone.localdate())


# --- saving a cadence ------------------------------------------------------------------------


def _steps_problems(steps: Sequence[Mapping[str, Any]], anchor: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not 1 <= len(steps) <= MAX_STEPS:
        errors["steps"] = [_("A sequence has between 1 and %(limit)d steps.") % {"limit": MAX_STEPS}]
        return errors
    channels = {c.value for c in Channel}
    for n, step in enumerate(steps, start=1):
        key = f"steps.{n}"
        offset = step.get("offset")
        if not isinstance(offset, int) or isinstance(offset, bool) or abs(offset) > MAX_OFFSET:
            errors.setdefault(key, []).append(
                _("Step %(step)d: the offset must be a whole number of days up to %(limit)d.")
                % {"step": n, "limit": MAX_OFFSET}
            )
        elif (anchor == engine.Anchor.START and offset < 0) or (anchor == engine.Anchor.EVENT and offset > 0):
            errors.setdefault(key, []).append(
                _("Step %(step)d: days after the start are positive, days before an event negative.") % {"step": n}
            )
        if step.get("channel") not in channels:
            errors.setdefault(key, []).append(_("Step %(step)d: unknown channel.") % {"step": n})
        named = step.get("templates") or {}
        if not isinstance(named, Mapping) or any(
            len(str(persona)) > 60 or not SLUG.fullmatch(str(name)) for persona, name in named.items()
        ):
            errors.setdefault(key, []).append(
                _("Step %(step)d: templates by persona (at most 60 characters) and template id.") % {"step": n}
            )
        if len(str(step.get("instructions", ""))) > MAX_INSTRUCTIONS:
            errors.setdefault(key, []).append(
                _("Step %(step)d: instructions of at most %(limit)d characters.")
                % {"step": n, "limit": MAX_INSTRUCTIONS}
            )
    return errors


def _variants_problems(variants: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    if not variants:
        return {}
    ids = [str(v.get("id", "")) for v in variants]
    splits = [v.get("split") for v in variants]
    if (
        len(variants) > MAX_VARIANTS
        or any(not i or len(i) > 20 for i in ids)
        or len(set(ids)) != len(ids)
        or any(not isinstance(s, int | float) or isinstance(s, bool) or s <= 0 for s in splits)
        or abs(sum(float(s) for s in splits if isinstance(s, int | float)) - 1) > 1e-6
    ):
        return {
            "variants": [
                _("Up to %(limit)d variants, each with its own short name and a share; the shares add up to 100 %%.")
                % {"limit": MAX_VARIANTS}
            ]
        }
    return {}


def _templates_problems(templates: Sequence[Mapping[str, Any]], steps: int, variants: set[str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if len(templates) > MAX_TEMPLATES:
        return {"templates": [_("At most %(limit)d templates per sequence.") % {"limit": MAX_TEMPLATES}]}
    seen: set[tuple[int, str, str]] = set()
    show = formatter()
    for n, t in enumerate(templates, start=1):
        key = f"templates.{n}"
        step = t.get("step")
        if not isinstance(step, int) or not 1 <= step <= steps:
            errors.setdefault(key, []).append(_("Template %(n)d: no such step.") % {"n": n})
        where = (step if isinstance(step, int) else 0, str(t.get("persona", "")), str(t.get("variant", "")))
        if len(where[1]) > 60 or where[2] not in variants:
            errors.setdefault(key, []).append(
                _("Template %(n)d: a persona of at most 60 characters and one of the sequence's variants.") % {"n": n}
            )
        if where in seen:
            errors.setdefault(key, []).append(
                _("Template %(n)d: this step already has a template for this persona and variant.") % {"n": n}
            )
        seen.add(where)
        problems = check_mail(MailTemplate(str(t.get("subject", "")), str(t.get("body", ""))))
        for problem in problems:
            errors.setdefault(key, []).append(
                _("Template %(n)d: %(problem)s") % {"n": n, "problem": problem.message(show, _)}
            )
    return errors


@transaction.atomic
def sequence_save(
    user: User,
    plan: Plan,
    *,
    code: str,
    name: str,
    steps: Sequence[Mapping[str, Any]],
    templates: Sequence[Mapping[str, Any]] = (),
    variants: Sequence[Mapping[str, Any]] = (),
    exits: Iterable[str] = tuple(engine.ExitRule),
    anchor: str = engine.Anchor.START.value,
    version: int | None = None,
    audience: Mapping[str, Any] | None = None,
    pauses: Sequence[Mapping[str, Any]] | None = None,
) -> SequenceTemplate:
    """Create or replace the sequence ``code`` of ``plan``. Templates are checked in Jinja2's sandbox
    (unknown variables, attributes outside it) before anything is written; ``ValidationError`` maps each
    located field (``steps.2``, ``templates.1``) to its messages. ``version``: the one the editor read, so
    that two managers editing at once cannot overwrite each other. ``audience`` and ``pauses``: whom the plan
    file's entry enrols and its dated pauses (checked by the plan file), kept to write the file back; None
    leaves them as they are."""
    require_change(user, plan)
    errors: dict[str, list[str]] = {}
    if not SLUG.fullmatch(code):
        errors["code"] = [_("An id of 1 to 64 letters, digits, dashes or underscores.")]
    if anchor not in {a.value for a in engine.Anchor}:
        errors["anchor"] = [_("Unknown start of the sequence.")]
    if not name.strip() or len(name) > 200:
        errors["name"] = [_("Give the sequence a name of at most 200 characters.")]
    exits = list(exits)
    if not set(exits) <= {e.value for e in engine.ExitRule}:
        errors["exits"] = [_("Unknown exit rule.")]
    errors |= _steps_problems(steps, anchor)
    errors |= _variants_problems(variants)
    errors |= _templates_problems(templates, len(steps), {"", *(str(v.get("id", "")) for v in variants)})
    if errors:
        raise ValidationError(errors)
    fields = {
        "name": name.strip(),
        "anchor": anchor,
        "steps": [
            {
                "offset": s["offset"],
                "channel": s["channel"],
                "instructions": str(s.get("instructions", "")),
                **({"templates": {str(k): str(v) for k, v in s["templates"].items()}} if s.get("templates") else {}),
            }
            for s in steps
        ],
        "variants": [{"id": str(v["id"]), "split": float(v["split"])} for v in variants],
        "exits": exits,
        **({"audience": dict(audience)} if audience is not None else {}),
        **({"pauses": [dict(p) for p in pauses]} if pauses is not None else {}),
    }
    existing = SequenceTemplate.objects.filter(plan=plan, code=code).first()
    if existing is None:
        sequence = SequenceTemplate.objects.create(plan=plan, code=code, **fields)
    else:
        if version is not None and version != existing.version:
            raise ValidationError(
                _("Someone else changed this sequence meanwhile: reload it and apply your change again.")
            )
        updated = SequenceTemplate.objects.filter(pk=existing.pk, version=existing.version).update(
            version=existing.version + 1, **fields
        )
        if updated != 1:
            raise ValidationError(
                _("Someone else changed this sequence meanwhile: reload it and apply your change again.")
            )
        sequence = SequenceTemplate.objects.get(pk=existing.pk)
        sequence.templates.all().delete()
    StepTemplate.objects.bulk_create(
        StepTemplate(
            sequence=sequence,
            step=t["step"],
            persona=str(t.get("persona", "")),
            variant=str(t.get("variant", "")),
            subject=str(t["subject"]),
            body=str(t["body"]),
        )
        for t in templates
    )
    return sequence


# --- engine shapes ---------------------------------------------------------------------------


def to_engine(sequence: SequenceTemplate) -> engine.Sequence:
    """The stored cadence as the scheduler's ``Sequence`` (its id is the row's, unique in the team)."""
    return engine.Sequence(
        id=str(sequence.pk),
        name=sequence.name,
        steps=tuple(
            engine.Step(
                int(s["offset"]),
                Channel(s["channel"]),
                dict(s.get("templates", {})),
                instructions=s.get("instructions", ""),
            )
            for s in sequence.steps
        ),
        variants=tuple(engine.Variant(str(v["id"]), float(v["split"])) for v in sequence.variants),
        exits=tuple(engine.ExitRule(e) for e in sequence.exits),
        anchor=engine.Anchor(sequence.anchor),
    )


def _engine_enrolment(e: Enrolment) -> engine.Enrolment:
    return engine.Enrolment(
        sequence=str(e.sequence_id),
        contact=str(e.contact_id),
        account=str(e.account_id),
        owner=e.owner,
        start=e.start,
        priority=0 if e.account.strategic else 1,
        persona=e.contact.persona or None,
    )


def _running_of(team: Team, owners: Iterable[str]) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(
        plan__team=team, owner__in=set(owners), status=EnrolmentStatus.ACTIVE, sequence__paused=False
    ).select_related("sequence", "account", "contact")


def _touches_of(enrolments: Iterable[Enrolment]) -> list[Touch]:
    return list(Touch.objects.filter(enrolment__in=[e.pk for e in enrolments]))


def _store(schedule: engine.Schedule, enrolments: Iterable[Enrolment], stored: Iterable[Touch]) -> None:
    """Write the schedule: new touches created, scheduled ones whose day changed moved; done, claimed and
    skipped ones are history and never rewritten."""
    by_key = {(str(e.sequence_id), str(e.contact_id)): e for e in enrolments}
    existing = {(t.enrolment_id, t.step): t for t in stored}
    new: list[Touch] = []
    moved: list[Touch] = []
    for t in schedule.touches:
        enrolment = by_key[(t.sequence, t.contact)]
        old = existing.get((enrolment.pk, t.step))
        if old is None:
            new.append(Touch(enrolment=enrolment, step=t.step, channel=t.channel.value, due=t.date, owner=t.owner))
        elif old.status == TouchStatus.SCHEDULED and old.due != t.date:
            old.due = t.date
            moved.append(old)
    Touch.objects.bulk_create(new, batch_size=1000)
    Touch.objects.bulk_update(moved, ["due"], batch_size=1000)


def _reschedule(plan: Plan, owners: Iterable[str], today: dt.date) -> engine.Schedule:
    """Schedule again every running enrolment of these reps: what is done stays, what is stored keeps its
    day unless it must move (``engine.reschedule``), what is new gets the first days with room."""
    running = list(_running_of(plan.team, owners))  # paused ones keep their rows until resumed
    stored = _touches_of(running)
    key = {e.pk: (str(e.sequence_id), str(e.contact_id), e.account_id) for e in running}
    previous = engine.Schedule(
        tuple(
            engine.Touch(t.due, t.owner, key[t.enrolment_id][1], key[t.enrolment_id][0], t.step, Channel(t.channel), "")
            for t in stored
            # late touches not yet done are not history: they are placed again from today
            if t.status != TouchStatus.SCHEDULED or t.due >= today
        ),
        (),
    )
    sequences = {e.sequence_id: e.sequence for e in running}
    result = engine.reschedule(
        previous,
        [to_engine(s) for s in sequences.values()],
        [_engine_enrolment(e) for e in running],
        capacity(plan),
        today,
        plan.country,
        _pauses(sequences.values()),
    )
    _store(result, running, stored)
    return result


def _pauses(sequences: Iterable[SequenceTemplate]) -> list[engine.Pause]:
    """The plan file's dated pauses of these sequences, in the scheduler's ids (rows' keys as strings)."""
    dated = [s for s in sequences if s.pauses]
    codes = {p["contact"] for s in dated for p in s.pauses if p.get("contact")}
    contacts = dict(
        Contact.objects.filter(account__plan__in={s.plan_id for s in dated}, code__in=codes)
        .values_list("code", "pk")
    ) if codes else {}  # fmt: skip
    return [
        engine.Pause(
            str(s.pk),
            dt.date.fromisoformat(p["start"]),
            dt.date.fromisoformat(p["end"]),
            str(contacts[p["contact"]]) if p.get("contact") in contacts else None,
        )
        for s in dated
        for p in s.pauses
        if not p.get("contact") or p["contact"] in contacts
    ]


# --- enrolment -------------------------------------------------------------------------------


def _lock_team(team_id: int) -> None:
    """Take the team's row lock until the transaction ends: the enrolments and resumptions of one team
    schedule one after the other, each around the touches the previous one stored (two at once would each
    fill a rep's day up to capacity). PostgreSQL waits on the row; SQLite has one writer at a time anyway."""
    Team.objects.select_for_update().filter(pk=team_id).values_list("pk", flat=True).first()


@dataclass(frozen=True)
class Refusal:
    contact: Contact
    reason: str  # REFUSED_* code


@dataclass
class EnrolResult:
    enrolled: list[Enrolment] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    overflow: tuple[engine.Overflow, ...] = ()


@transaction.atomic
def enrol(
    user: User,
    plan: Plan,
    sequence: SequenceTemplate,
    *,
    segment: str | None = None,
    accounts: Sequence[str] | None = None,
    persona: str | None = None,
    start: dt.date,
    today: dt.date | None = None,
    owner: str | None = None,
    contacts: Sequence[str] | None = None,
) -> EnrolResult:
    """Enrol the plan's contacts of a segment, an account list (codes) and/or a persona, or those of a list
    of contact codes (a plan file's exact audience), from ``start``.

    Refused, with the reason: opted-out contacts, contacts already in a running sequence of the plan, and
    contacts without an e-mail when the sequence has e-mail steps. The touches are scheduled around the
    reps' touches already stored, never beyond their daily capacity; ``overflow`` says where it runs out.
    A contact's touches go to their account's owner, else ``owner``, else the plan's owner."""
    require_change(user, plan)
    if sequence.plan_id != plan.pk:
        raise Http404
    if plan.scenario_of_id is not None:  # a what-if copy is never applied: nobody is contacted from it
        raise ValidationError(_("A scenario is never applied: its sequences enrol nobody."))
    _lock_team(plan.team_id)
    if segment is None and accounts is None and persona is None and contacts is None:
        raise ValidationError(_("Choose whom to enrol: a segment, accounts or a persona."))
    if any(len(listed) > MAX_ENROL for listed in (accounts or (), contacts or ())):
        raise ValidationError(_("At most %(limit)d contacts may be enrolled at once.") % {"limit": MAX_ENROL})
    found = Contact.objects.filter(account__plan=plan).select_related("account").order_by("pk")
    if segment is not None:
        found = found.filter(account__segment__code=segment)
    if accounts is not None:
        found = found.filter(account__code__in=list(accounts))
    if persona is not None:
        found = found.filter(persona__iexact=persona)  # « CFO » is « cfo », as the plan file matches
    if contacts is not None:
        found = found.filter(code__in=list(contacts))
    chosen = list(found[: MAX_ENROL + 1])
    if len(chosen) > MAX_ENROL:
        raise ValidationError(_("At most %(limit)d contacts may be enrolled at once.") % {"limit": MAX_ENROL})
    # the running enrolments of the plan, locked so that two enrolments at once cannot both take a contact
    busy = set(
        Enrolment.objects.select_for_update()
        .filter(plan=plan, status__in=RUNNING, contact__in=[c.pk for c in chosen])
        .values_list("contact_id", flat=True)
    )
    opted = set(OptOut.objects.filter(team=plan.team).values_list("email", flat=True))
    has_email_step = any(s["channel"] == Channel.EMAIL for s in sequence.steps)
    result = EnrolResult()
    engine_sequence = to_engine(sequence)
    for contact in chosen:
        email = contact.email.strip().lower()
        if email and email in opted:
            result.refused.append(Refusal(contact, REFUSED_OPTED_OUT))
        elif contact.pk in busy:
            result.refused.append(Refusal(contact, REFUSED_ALREADY_ENROLLED))
        elif has_email_step and not email:
            result.refused.append(Refusal(contact, REFUSED_NO_EMAIL))
        else:
            result.enrolled.append(
                Enrolment(
                    plan=plan,
                    sequence=sequence,
                    contact=contact,
                    account=contact.account,
                    owner=contact.account.owner or owner or plan.owner.username,
                    variant=engine.variant_of(engine_sequence, str(contact.pk)),
                    start=start,
                )
            )
    try:
        with transaction.atomic():
            Enrolment.objects.bulk_create(result.enrolled, batch_size=1000)
    except IntegrityError:  # another enrolment took one of these contacts meanwhile (the partial unique index)
        raise ValidationError(
            _("Some of these contacts were enrolled by someone else meanwhile: look again and confirm.")
        ) from None
    if result.enrolled:
        schedule = _reschedule(plan, {e.owner for e in result.enrolled}, today or timezone.localdate())
        result.overflow = schedule.overflow
    return result


@dataclass(frozen=True)
class RepDay:
    """One rep's day in an enrolment's preview: touches stored that day (theirs, all sequences, the new
    ones included) against their capacity, and how many were due but rolled to the next business day."""

    day: dt.date
    owner: str
    touches: int
    new: int
    capacity: int
    rolled: int


@dataclass
class EnrolPreview:
    """What ``enrol`` would do, computed by ``enrol`` itself in a transaction rolled back: nothing is kept."""

    enrolled: int = 0
    refused: list[Refusal] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    days: list[RepDay] = field(default_factory=list)  # the days the new touches fall on, per rep
    overflow: tuple[engine.Overflow, ...] = ()
    new_touches: int = 0


class _Rollback(Exception):
    pass


def enrol_preview(
    user: User,
    plan: Plan,
    sequence: SequenceTemplate,
    *,
    segment: str | None = None,
    accounts: Sequence[str] | None = None,
    persona: str | None = None,
    start: dt.date,
    today: dt.date | None = None,
) -> EnrolPreview:
    """The enrolment screen's « Preview »: ``enrol`` run for real, its touches counted per rep and per day,
    then everything rolled back. The same code path as confirming, so the preview cannot drift from it."""
    preview = EnrolPreview()
    try:
        with transaction.atomic():
            result = enrol(
                user, plan, sequence, segment=segment, accounts=accounts, persona=persona, start=start, today=today
            )
            preview.enrolled = len(result.enrolled)
            preview.refused = list(result.refused)
            preview.overflow = result.overflow
            owners = sorted({e.owner for e in result.enrolled})
            preview.owners = owners
            new_ids = [e.pk for e in result.enrolled]
            new = {
                (row["owner"], row["due"]): row["n"]
                for row in Touch.objects.filter(enrolment__in=new_ids)
                .values("owner", "due")
                .annotate(n=Count("pk"))
                .order_by()
            }
            preview.new_touches = sum(new.values())
            days = sorted({day for _owner, day in new} | {o.date for o in result.overflow if o.owner in owners})
            total = {
                (row["owner"], row["due"]): row["n"]
                for row in Touch.objects.filter(enrolment__plan__team=plan.team, owner__in=owners, due__in=days)
                .exclude(status=TouchStatus.SKIPPED)
                .values("owner", "due")
                .annotate(n=Count("pk"))
                .order_by()
            }
            rolled = {(o.owner, o.date): o.count for o in result.overflow}
            cap = capacity(plan)
            preview.days = [
                RepDay(
                    day,
                    owner,
                    total.get((owner, day), 0),
                    new.get((owner, day), 0),
                    cap.of(owner),
                    rolled.get((owner, day), 0),
                )
                for day in days
                for owner in owners
            ]
            raise _Rollback
    except _Rollback:
        pass
    return preview


# --- opt-outs, stop, pause, resume -----------------------------------------------------------


def _stop(enrolments: QuerySet[Enrolment], reason: str) -> int:
    ids = list(enrolments.filter(status__in=RUNNING).values_list("pk", flat=True))
    Touch.objects.filter(enrolment__in=ids, status=TouchStatus.SCHEDULED).update(status=TouchStatus.SKIPPED)
    return Enrolment.objects.filter(pk__in=ids).update(status=EnrolmentStatus.STOPPED, stop_reason=reason)


@transaction.atomic
def opt_out(team: Team, email: str, source: str) -> int:
    """Record that ``email`` opted out (link, manual, import) and stop at once every running enrolment of
    that address in every plan of the team, skipping their pending touches. Returns how many stopped.
    The caller has checked who asks (the link's signed token, or a team member)."""
    address = email.strip().lower()
    if not address or len(address) > 254 or "@" not in address:
        raise ValidationError(_("Not an e-mail address."))
    if source not in OptOutSource.values:
        raise ValueError(f"unknown opt-out source {source!r}")
    OptOut.objects.get_or_create(team=team, email=address, defaults={"source": source})
    return _stop(Enrolment.objects.filter(plan__team=team, contact__email__iexact=address), engine.ExitRule.OPT_OUT)


@dataclass(frozen=True)
class OptOutsRecorded:
    """What recording a list of opt-outs did: addresses new to the team, running enrolments stopped."""

    new: int
    stopped: int


#: Addresses per query when many are recorded at once (SQLite's bound on a query's parameters).
_CHUNK = 500


@transaction.atomic
def opt_outs_record(user: User, plan: Plan, addresses: Sequence[str], source: str) -> OptOutsRecorded:
    """Record many opt-outs of the plan's team at once (an imported file), all or nothing: each address
    (checked and lowercased by the caller) once, with ``source``; every running enrolment of those
    addresses in every plan of the team stopped, their pending touches skipped."""
    require_change(user, plan)
    if source not in OptOutSource.values:
        raise ValueError(f"unknown opt-out source {source!r}")
    from django.db.models.functions import Lower

    team = plan.team
    wanted = list(dict.fromkeys(a.strip().lower() for a in addresses if a.strip()))
    new = stopped = 0
    for n in range(0, len(wanted), _CHUNK):
        chunk = wanted[n : n + _CHUNK]
        known = set(OptOut.objects.filter(team=team, email__in=chunk).values_list("email", flat=True))
        fresh = [OptOut(team=team, email=a, source=source) for a in chunk if a not in known]
        OptOut.objects.bulk_create(fresh, ignore_conflicts=True)
        new += len(fresh)
        running = Enrolment.objects.annotate(address=Lower("contact__email")).filter(plan__team=team, address__in=chunk)
        stopped += _stop(running, engine.ExitRule.OPT_OUT)
    return OptOutsRecorded(new=new, stopped=stopped)


@transaction.atomic
def stop(user: User, *, sequence: SequenceTemplate | None = None, enrolment: Enrolment | None = None) -> int:
    """Stop a whole sequence or one person in it (a manual exit)."""
    target = _target(sequence, enrolment)
    require_change(user, target.plan)
    return _stop(_enrolments_of(sequence, enrolment), engine.ExitRule.MANUAL)


@transaction.atomic
def pause(user: User, *, sequence: SequenceTemplate | None = None, enrolment: Enrolment | None = None,
          today: dt.date | None = None) -> None:  # fmt: skip
    """Pause a sequence (for everyone) or one person (holidays, absence): their touches wait, no worker
    takes them, until ``resume``."""
    target = _target(sequence, enrolment)
    require_change(user, target.plan)
    day = today or timezone.localdate()
    if sequence is not None:
        SequenceTemplate.objects.filter(pk=sequence.pk, paused=False).update(paused=True, paused_on=day)
    else:
        Enrolment.objects.filter(pk=target.pk, status=EnrolmentStatus.ACTIVE).update(
            status=EnrolmentStatus.PAUSED, paused_on=day
        )


@transaction.atomic
def resume(user: User, *, sequence: SequenceTemplate | None = None, enrolment: Enrolment | None = None,
           today: dt.date | None = None) -> engine.Schedule:  # fmt: skip
    """Resume, then reschedule the reps concerned: only the touches the pause held back move."""
    target = _target(sequence, enrolment)
    require_change(user, target.plan)
    _lock_team(target.plan.team_id)
    day = today or timezone.localdate()
    owners = set(_enrolments_of(sequence, enrolment).filter(status__in=RUNNING).values_list("owner", flat=True))
    if sequence is not None:
        SequenceTemplate.objects.filter(pk=sequence.pk).update(paused=False, paused_on=None)
    else:
        Enrolment.objects.filter(pk=target.pk, status=EnrolmentStatus.PAUSED).update(
            status=EnrolmentStatus.ACTIVE, paused_on=None
        )
    return _reschedule(target.plan, owners, day)


def _target(sequence: SequenceTemplate | None, enrolment: Enrolment | None) -> SequenceTemplate | Enrolment:
    if (sequence is None) == (enrolment is None):
        raise ValueError("give a sequence or an enrolment")
    return sequence if sequence is not None else enrolment  # type: ignore[return-value]


def _enrolments_of(sequence: SequenceTemplate | None, enrolment: Enrolment | None) -> QuerySet[Enrolment]:
    if sequence is not None:
        return Enrolment.objects.filter(sequence=sequence)
    assert enrolment is not None
    return Enrolment.objects.filter(pk=enrolment.pk)


@transaction.atomic
def consent_set(user: User, contact: Contact, *, legal_basis: str, data_source: str) -> ContactConsent:
    """Record why the team may prospect ``contact`` and where their data came from (docs/data-protection.md)."""
    require_change(user, contact.account.plan)
    if legal_basis not in LegalBasis.values:
        raise ValidationError({"legal_basis": [_("Unknown legal basis.")]})
    if len(data_source) > 200:
        raise ValidationError({"data_source": [_("At most 200 characters.")]})
    consent, _created = ContactConsent.objects.update_or_create(
        contact=contact, defaults={"legal_basis": legal_basis, "data_source": data_source.strip()}
    )
    return consent


def consent_of(contact: Contact) -> ContactConsent:
    """The contact's legal basis and data source; unrecorded, legitimate interest (the CNIL's B2B default)."""
    return ContactConsent.objects.filter(contact=contact).first() or ContactConsent(contact=contact)


#: The outcomes that take the contact out of the sequence, and the exit rule each is.
EXITS = {
    TouchOutcome.REPLIED: engine.ExitRule.REPLY,
    TouchOutcome.BOOKED: engine.ExitRule.MEETING,
    TouchOutcome.BOUNCED: engine.ExitRule.BOUNCE,
}


@transaction.atomic
def touch_done(touch: Touch, outcome: str, user: User | None = None) -> Touch:
    """Record what came of a touch, once: the worker after sending a claimed e-mail (``user`` None), or a
    rep from their queue (their own touches; a manager any of the plan's). A reply, a booked meeting or a
    bounce stops the enrolment when the sequence has that exit rule; the last step done finishes it."""
    enrolment = Enrolment.objects.select_related("plan__team", "sequence").get(pk=touch.enrolment_id)
    if user is not None:
        if not enrolment.plan.team.members.filter(pk=user.pk).exists():
            raise Http404
        own = touch.owner == user.username and can(user, Ability.UPDATE_OWN_ACTIONS, enrolment.plan)
        if not (own or can(user, Ability.CHANGE_PLANS, enrolment.plan)):
            raise PermissionDenied(_("You may only log the outcome of your own touches."))
    if outcome not in TouchOutcome.values:
        raise ValidationError({"outcome": [_("Unknown outcome.")]})
    # the worker's touch is claimed, or sending (its SMTP transaction begun); a rep's is scheduled or claimed
    expected = TouchStatus.SENDING if user is None else TouchStatus.SCHEDULED
    done = Touch.objects.filter(pk=touch.pk, status__in=[expected, TouchStatus.CLAIMED]).update(
        status=TouchStatus.DONE, outcome=outcome, done_at=timezone.now(), retry_at=None
    )
    if done != 1:
        raise ValidationError(_("This touch was already done or is no longer due."))
    done_touch = Touch.objects.get(pk=touch.pk)
    _record_activities(done_touch, enrolment)
    exit_rule = EXITS.get(TouchOutcome(outcome))
    if exit_rule is not None and exit_rule.value in enrolment.sequence.exits:
        _stop(Enrolment.objects.filter(pk=enrolment.pk), exit_rule)
    elif not Touch.objects.filter(enrolment=enrolment).exclude(status=TouchStatus.DONE).exists():
        Enrolment.objects.filter(pk=enrolment.pk, status__in=RUNNING).update(status=EnrolmentStatus.FINISHED)
    return done_touch


#: A touch's channel → the canonical activity kind (DESIGN.md: email, call, meeting, demo, social, event,
#: task). A field visit or a partner's touch is a task: only a booked meeting is a meeting.
ACTIVITY_KINDS = {
    Channel.EMAIL.value: "email",
    Channel.PHONE.value: "call",
    Channel.SOCIAL.value: "social",
    Channel.EVENT.value: "event",
    Channel.WEBINAR.value: "event",
    Channel.PARTNER.value: "task",
    Channel.FIELD.value: "task",
}


def activity_id(touch: Touch) -> str:
    """The external id of the activity a done touch became (« pac-touch-42 »); its booked meeting's adds
    « -meeting »."""
    return f"pac-touch-{touch.pk}"


def _record_activities(touch: Touch, enrolment: Enrolment) -> None:
    """A done touch becomes a canonical CRM activity of the team, which the KPI engine reads like an
    imported one: its kind from the channel, the touch's owner, the account (its plan code, as in the plan
    file), scheduled on its due day, the outcome's code. A booked meeting is also a ``meeting`` activity
    on the day it was booked (its own date is not known yet; ``held`` stays empty until the CRM says)."""
    day = timezone.localdate(touch.done_at) if touch.done_at else timezone.localdate()
    account = Account.objects.filter(pk=enrolment.account_id).values_list("code", flat=True).first() or ""
    common = {"owner": touch.owner, "account": account, "held": None}
    Activity.objects.update_or_create(
        team_id=enrolment.plan.team_id,
        external_id=activity_id(touch),
        defaults={**common, "kind": ACTIVITY_KINDS.get(touch.channel, "task"), "scheduled": touch.due,
                  "outcome": touch.outcome},
    )  # fmt: skip
    if touch.outcome == TouchOutcome.BOOKED:
        Activity.objects.update_or_create(
            team_id=enrolment.plan.team_id,
            external_id=f"{activity_id(touch)}-meeting",
            defaults={**common, "kind": "meeting", "scheduled": day, "outcome": TouchOutcome.BOOKED.value},
        )


@transaction.atomic
def sequence_set_action(user: User, sequence: SequenceTemplate, action: Action | None) -> SequenceTemplate:
    """Tie the sequence to one of its plan's actions (or to none): what it produces counts against that
    action's expected volume."""
    require_change(user, sequence.plan)
    if action is not None and action.plan_id != sequence.plan_id:
        raise ValidationError({"action": [_("Choose an action of this plan.")]})
    SequenceTemplate.objects.filter(pk=sequence.pk).update(action=action)
    sequence.action = action
    return sequence


def touches_sent(touch_ids: Sequence[int]) -> int:
    """The worker's record of e-mails the SMTP server took (its 250), in a few statements whatever their
    number: each touch still ``sending`` is done with the outcome « sent » (a step is done once: a touch
    another worker took meanwhile is left to it), and the enrolments whose last step it was are finished.
    « Sent » is no exit. Returns how many were recorded. Runs in the caller's transaction."""
    if not touch_ids:
        return 0
    ids = list(touch_ids)
    done = Touch.objects.filter(pk__in=ids, status=TouchStatus.SENDING).update(
        status=TouchStatus.DONE, outcome=TouchOutcome.SENT, done_at=timezone.now(), retry_at=None
    )
    left = Touch.objects.filter(enrolment=OuterRef("pk")).exclude(status=TouchStatus.DONE)
    Enrolment.objects.filter(
        pk__in=Touch.objects.filter(pk__in=ids).values("enrolment_id"), status__in=RUNNING
    ).exclude(Exists(left)).update(status=EnrolmentStatus.FINISHED)
    return done


# --- the worker's claim ----------------------------------------------------------------------


def claim_due(today: dt.date, limit: int = 100, *, where: Q | None = None) -> list[Touch]:
    """Claim up to ``limit`` e-mail touches due by ``today`` for this worker run, atomically: a touch
    leaves ``scheduled`` in one ``UPDATE … WHERE status='scheduled'``, so two workers (or a restarted
    one) never get the same touch. On PostgreSQL the candidates are also locked with SKIP LOCKED, so
    concurrent workers take different rows instead of waiting on each other. ``where``: a further
    condition (the sender's: the plans whose contacts are in their sending window, retries that are due)."""
    limit = max(1, min(int(limit), 1000))
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = Touch.objects.filter(
            status=TouchStatus.SCHEDULED,
            channel=Channel.EMAIL.value,
            due__lte=today,
            enrolment__status=EnrolmentStatus.ACTIVE,
            enrolment__sequence__paused=False,
        ).order_by("due", "pk")
        if where is not None:
            due = due.filter(where)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("pk", flat=True)[:limit])
        claimed = Touch.objects.filter(pk__in=ids, status=TouchStatus.SCHEDULED).update(
            status=TouchStatus.CLAIMED, claim=token, claimed_at=timezone.now()
        )
        # read back in the same transaction: a claim is returned to its worker or not made at all
        return (
            list(
                Touch.objects.filter(claim=token).select_related(
                    "enrolment__contact", "enrolment__account__segment", "enrolment__plan", "enrolment__sequence"
                )
            )
            if claimed
            else []
        )
