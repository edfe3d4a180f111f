"""The count beside « Aujourd'hui » in the menu: the reader's manual touches due today or late."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import DatabaseError, transaction
from django.utils import timezone

from pac.web.sequences.selectors import today_count

register = template.Library()


@register.simple_tag
def touches_due(user: Any) -> int:
    """0 for a visitor, and on a page shown because the database could not answer (the 503 page)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    try:
        with transaction.atomic():  # a failure here leaves the request's transaction usable
            return today_count(user, timezone.localdate())
    except DatabaseError:
        return 0
