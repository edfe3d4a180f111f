"""Scoped reads of sequences: what a rep has to do today, only in the plans they see."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from pac.engine.model import Channel
from pac.engine.sequence_stats import VariantCounts
from pac.web.accounts.models import User
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
