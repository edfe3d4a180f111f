"""Scoped reads of sequences: what a rep has to do today, only in the plans they see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from pac.engine import sequence_templates as templates
from pac.engine.model import Channel
from pac.engine.sequence_stats import VariantCounts
from pac.engine.sequence_templates import MailContext
from pac.web.accounts.abilities import Ability, can
from pac.web.accounts.models import User
from pac.web.plans.models import Action, Contact, Plan, Segment
from pac.web.plans.selectors import plans_visible_to
from pac.web.sequences.models import (
    RUNNING,
    ContactConsent,
    Enrolment,
    EnrolmentStatus,
    OptOut,
    SequenceTemplate,
    Touch,
    TouchOutcome,
    TouchStatus,
)


def _due_manual(user: User, today: dt.date) -> QuerySet[Touch]:
    """The manual touches (phone, social…) due today or late in the plans the user sees, of running
    enrolments of running sequences: what a queue shows. E-mail touches are not in it: the worker sends them."""
    return Touch.objects.filter(
        enrolment__plan__in=plans_visible_to(user).values("pk"),
        status=TouchStatus.SCHEDULED,
        due__lte=today,
        enrolment__status=EnrolmentStatus.ACTIVE,
        enrolment__sequence__paused=False,
    ).exclude(channel=Channel.EMAIL.value)


#: A queue's order: strategic accounts first, then the longest overdue, then by account name.
QUEUE_ORDER = ("-enrolment__account__strategic", "due", "enrolment__account__name", "pk")


def today_queue(user: User, today: dt.date, limit: int = 500) -> QuerySet[Touch]:
    """The rep's « Aujourd'hui » queue: their own due manual touches, in the queue's order."""
    return (
        _due_manual(user, today)
        .filter(owner=user.username)
        .select_related("enrolment__contact", "enrolment__account", "enrolment__sequence")
        .order_by(*QUEUE_ORDER)[:limit]
    )


def today_count(user: User, today: dt.date) -> int:
    """How many touches the rep's queue holds (the menu's count), without reading them."""
    return _due_manual(user, today).filter(owner=user.username).count()


def sequence_for(user: User, sequence_id: int) -> SequenceTemplate:
    """The sequence if it belongs to a plan the user sees; 404 otherwise (outsiders learn nothing)."""
    sequence = SequenceTemplate.objects.filter(pk=sequence_id, plan__in=plans_visible_to(user).values("pk")).first()
    if sequence is None:
        raise Http404
    return sequence


def variant_counts(sequence: SequenceTemplate) -> dict[int, dict[str, VariantCounts]]:
    """Per step and variant, what ``pac.engine.sequence_stats`` compares: touches done (a bounce is not a
    send), replies and meetings booked, counted in the database."""
    rows = (
        Touch.objects.filter(enrolment__sequence=sequence, status=TouchStatus.DONE)
        .values("step", "enrolment__variant")
        .annotate(
            sent=Count("pk", filter=~Q(outcome=TouchOutcome.BOUNCED)),
            replied=Count("pk", filter=Q(outcome=TouchOutcome.REPLIED)),
            booked=Count("pk", filter=Q(outcome=TouchOutcome.BOOKED)),
        )
        .order_by("step", "enrolment__variant")
    )
    counts: dict[int, dict[str, VariantCounts]] = {}
    for row in rows:
        counts.setdefault(row["step"], {})[row["enrolment__variant"]] = VariantCounts(
            row["sent"], row["replied"], row["booked"]
        )
    return counts


# --- the sequence builder and the enrolment screen ------------------------------------------


def sequences_of(plan: Plan) -> list[SequenceTemplate]:
    """The plan's sequences with their enrolment counts (``enrolled``: ever, ``running``: active now)."""
    return list(
        SequenceTemplate.objects.filter(plan=plan)
        .annotate(
            enrolled=Count("enrolments"),
            running=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE)),
        )
        .order_by("name", "pk")
    )


# --- the « Aujourd'hui » queue, the results page, what sequences bring to their actions -------


def team_queue(user: User, today: dt.date, owner: str | None = None, limit: int = 500) -> QuerySet[Touch]:
    """A manager's view of the queue: every rep's manual touches due today or late in the plans of their
    teams (one rep's with ``owner``), in the order each rep sees them. Only for those who change plans."""
    if not can(user, Ability.CHANGE_PLANS):
        return Touch.objects.none()
    found = _due_manual(user, today)
    if owner:
        found = found.filter(owner=owner)
    return found.select_related("enrolment__contact", "enrolment__account", "enrolment__sequence").order_by(
        *QUEUE_ORDER
    )[:limit]


def queue_owners(user: User) -> list[str]:
    """The reps who have touches in the plans a manager sees (the queue's filter), by username."""
    if not can(user, Ability.CHANGE_PLANS):
        return []
    return sorted(
        set(
            Touch.objects.filter(enrolment__plan__in=plans_visible_to(user).values("pk"))
            .exclude(channel=Channel.EMAIL.value)
            .values_list("owner", flat=True)
            .distinct()
        )
    )


def touch_scope(user: User, kwargs: Mapping[str, Any]) -> None:
    """The scope of a URL with a ``touch_id`` (``abilities.requires``): 404 unless the touch belongs to a
    plan of the user's teams."""
    if not Touch.objects.filter(pk=int(kwargs["touch_id"]), enrolment__plan__team__members=user).exists():
        raise Http404


def touch_for(user: User, touch_id: int) -> Touch:
    """A touch of a plan the user sees, with what its queue row shows; 404 otherwise."""
    touch = (
        Touch.objects.filter(pk=touch_id, enrolment__plan__in=plans_visible_to(user).values("pk"))
        .select_related("enrolment__contact", "enrolment__account", "enrolment__sequence", "enrolment__plan")
        .first()
    )
    if touch is None:
        raise Http404
    return touch


def sequence_in(plan: Plan, sequence_id: int) -> SequenceTemplate:
    """A sequence of this plan (the plan already scoped to the reader); 404 otherwise."""
    sequence = SequenceTemplate.objects.filter(pk=sequence_id, plan=plan).select_related("action").first()
    if sequence is None:
        raise Http404
    return sequence


def personas_of(plan: Plan) -> list[str]:
    """The plan's personas: those its segments target and those its contacts have, in name order."""
    found: set[str] = set()
    for criteria in Segment.objects.filter(plan=plan).values_list("criteria", flat=True):
        wanted = (criteria or {}).get("persona") or []
        found.update(str(p) for p in (wanted if isinstance(wanted, list) else [wanted]) if str(p).strip())
    found.update(p for p in Contact.objects.filter(account__plan=plan).values_list("persona", flat=True) if p)
    return sorted(found, key=str.casefold)


def contacts_of(plan: Plan, limit: int = 500) -> QuerySet[Contact]:
    """The plan's contacts a preview may be rendered for, by account then name."""
    return (
        Contact.objects.filter(account__plan=plan).select_related("account").order_by("account__name", "name")[:limit]
    )


def mail_context(contact: Contact, plan: Plan, unsubscribe_url: str = "", meeting_url: str = "") -> MailContext:
    """What a template reads for one real contact: their name split in first and last, their account, the
    rep who owns the account (else the plan's owner) as the sender, the plan's name."""
    first, _sep, last = contact.name.strip().partition(" ")
    account = contact.account
    owner = account.owner or plan.owner.username
    rep = User.objects.filter(username=owner, teams=plan.team).first()
    return MailContext(
        contact=templates.Contact(first_name=first, last_name=last, email=contact.email),
        account=templates.Account(name=account.name, segment=account.segment.name if account.segment else ""),
        sender=templates.Sender(
            first_name=(rep.first_name or rep.username) if rep else owner, last_name=rep.last_name if rep else ""
        ),
        plan=templates.PlanInfo(name=plan.name),
        unsubscribe_url=unsubscribe_url,
        meeting_url=meeting_url,
    )


def people_names(plan: Plan, usernames: list[str]) -> dict[str, str]:
    """The team's people by username as a page names them (full name, else the username)."""
    return {
        u.username: u.get_full_name() or u.username
        for u in User.objects.filter(username__in=usernames, teams=plan.team)
    }


def exit_counts(sequence: SequenceTemplate) -> dict[str, int]:
    """Why people left the sequence: stop reason (an engine ``ExitRule`` code) → how many; those who went
    through every step under « finished »."""
    counts: dict[str, int] = {}
    for status, reason, n in (
        Enrolment.objects.filter(sequence=sequence)
        .exclude(status__in=RUNNING)
        .values_list("status", "stop_reason")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        key = "finished" if status == EnrolmentStatus.FINISHED else (reason or "manual")
        counts[key] = counts.get(key, 0) + n
    return counts


def unsent_reasons(sequence: SequenceTemplate) -> dict[int, dict[str, int]]:
    """Per step, the e-mails the worker did not send (skipped or failed) by their ``reason`` code."""
    counts: dict[int, dict[str, int]] = {}
    for step, reason, n in (
        Touch.objects.filter(enrolment__sequence=sequence, status__in=[TouchStatus.SKIPPED, TouchStatus.FAILED])
        .exclude(reason="")
        .values_list("step", "reason")
        .annotate(n=Count("pk"))
        .order_by("step", "reason")
    ):
        counts.setdefault(step, {})[reason] = n
    return counts


def step_counts(sequence: SequenceTemplate) -> dict[int, dict[str, int]]:
    """Per step: touches done, skipped (their contact had left), still to do."""
    counts: dict[int, dict[str, int]] = {}
    for step, status, n in (
        Touch.objects.filter(enrolment__sequence=sequence)
        .values_list("step", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(step, {}).setdefault(status, 0)
        counts[step][status] += n
    return counts


#: Which sequence outcomes an action's expected stage counts: a booked meeting is a meeting (and, for an
#: action expecting MQLs or SQLs, so is a reply: the contact raised their hand).
PRODUCED_BY_STAGE: dict[str, tuple[str, ...]] = {
    "meeting": (TouchOutcome.BOOKED,),
    "mql": (TouchOutcome.REPLIED, TouchOutcome.BOOKED),
    "sql": (TouchOutcome.REPLIED, TouchOutcome.BOOKED),
}


def produced_by_action(actions: Iterable[Action]) -> dict[int, int]:
    """For the actions whose expected stage a sequence can produce, how many of their sequences' contacts
    reached it (one per enrolment: a contact who replied then booked counts once). Actions without a
    sequence, or expecting another stage, are left out."""
    wanted = {a.pk: PRODUCED_BY_STAGE[a.expected_stage] for a in actions if a.expected_stage in PRODUCED_BY_STAGE}
    if not wanted:
        return {}
    rows = (
        Touch.objects.filter(status=TouchStatus.DONE, enrolment__sequence__action__in=list(wanted))
        .values_list("enrolment__sequence__action", "enrolment", "outcome")
        .distinct()
    )
    reached: dict[int, set[int]] = {}
    for action_id, enrolment_id, outcome in rows:
        if outcome in wanted[action_id]:
            reached.setdefault(action_id, set()).add(enrolment_id)
    with_sequence = set(
        SequenceTemplate.objects.filter(action__in=list(wanted)).values_list("action", flat=True).distinct()
    )
    return {pk: len(reached.get(pk, ())) for pk in wanted if pk in with_sequence}


def enrolments_of(sequence: SequenceTemplate) -> QuerySet[Enrolment]:
    """Who is enrolled in the sequence, running first, then by account and contact."""
    from django.db.models import Case, IntegerField, Value, When

    return (
        Enrolment.objects.filter(sequence=sequence)
        .select_related("contact", "account")
        .annotate(running=Case(When(status__in=RUNNING, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("running", "account__name", "contact__name", "pk")
    )


def enrolment_in(sequence: SequenceTemplate, enrolment_id: int) -> Enrolment:
    """An enrolment of this sequence (the sequence already scoped to the reader); 404 otherwise."""
    found = (
        Enrolment.objects.filter(pk=enrolment_id, sequence=sequence).select_related("contact__account__plan").first()
    )
    if found is None:
        raise Http404
    return found


def consents_of(contact_ids: Iterable[int]) -> dict[int, ContactConsent]:
    """The recorded legal basis and data source of these contacts, by contact id (absent: unrecorded)."""
    return {c.contact_id: c for c in ContactConsent.objects.filter(contact_id__in=list(contact_ids))}


def opt_outs_of(plan: Plan) -> QuerySet[OptOut]:
    """The opt-outs of the plan's team, newest first."""
    return OptOut.objects.filter(team_id=plan.team_id).order_by("-date", "-pk")
