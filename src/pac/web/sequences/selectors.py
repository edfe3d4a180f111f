"""Scoped reads of sequences: what a rep has to do today, only in the plans they see."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from pac.engine.model import Channel
from pac.web.accounts.models import User
from pac.web.plans.selectors import plans_visible_to
from pac.web.sequences.models import EnrolmentStatus, Touch, TouchStatus


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
