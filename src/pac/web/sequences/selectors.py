"""Scoped reads of sequences: what a rep has to do today, only in the plans they see."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from pac.engine import sequence_templates as templates
from pac.engine.model import Channel
from pac.engine.sequence_stats import VariantCounts
from pac.engine.sequence_templates import MailContext
from pac.web.accounts.models import User
from pac.web.plans.models import Contact, Plan, Segment
from pac.web.plans.selectors import plans_visible_to
from pac.web.sequences.models import EnrolmentStatus, SequenceTemplate, Touch, TouchOutcome, TouchStatus


def today_queue(user: User, today: dt.date, limit: int = 500) -> QuerySet[Touch]:
    """The rep's « Aujourd'hui » queue: their manual touches (phone, social…) due today or late, in the
    plans they see; strategic accounts first, then the latest first among equals, then by account name.
    E-mail touches are not in it: the worker sends them."""
    return (
        Touch.objects.filter(
            enrolment__plan__in=plans_visible_to(user).values("pk"),
            owner=user.username,
            status=TouchStatus.SCHEDULED,
            due__lte=today,
            enrolment__status=EnrolmentStatus.ACTIVE,
            enrolment__sequence__paused=False,
        )
        .exclude(channel=Channel.EMAIL.value)
        .select_related("enrolment__contact", "enrolment__account", "enrolment__sequence")
        .order_by("-enrolment__account__strategic", "due", "enrolment__account__name", "pk")[:limit]
    )


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


def sequence_in(plan: Plan, sequence_id: int) -> SequenceTemplate:
    """A sequence of this plan (the plan already scoped to the reader); 404 otherwise."""
    sequence = SequenceTemplate.objects.filter(pk=sequence_id, plan=plan).first()
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
