"""Who a change to a plan is recorded as, in its history (django-simple-history).

A web request records its logged-in user (``HistoryRequestMiddleware``). Work done outside a request says
who it is with ``recorded_as``: the command line (``pac plan import``) records « CLI », no person. The
source travels in the history row's ``history_change_reason``, so a bulk write records it too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from simple_history.models import HistoricalRecords

#: The source of a change made from the command line, as history rows keep it.
CLI = "cli"

_author: ContextVar[tuple[Any, str] | None] = ContextVar("pac_history_author", default=None)


@contextmanager
def recorded_as(user: Any = None, source: str = "") -> Iterator[None]:
    """Changes made inside the block are recorded as made by ``user`` (None: no person) from ``source``."""
    token = _author.set((user, source))
    try:
        yield
    finally:
        _author.reset(token)


def current_user() -> Any:
    """The user the block records, else the request's (the middleware's), else None."""
    author = _author.get()
    if author is not None:
        return author[0]
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def current_source() -> str:
    author = _author.get()
    return author[1] if author is not None else ""


class PlanHistory(HistoricalRecords):
    """The history of one kind of plan object; knows changes made outside a request (``recorded_as``)."""

    def get_history_user(self, instance: Any) -> Any:
        if hasattr(instance, "_history_user"):
            return instance._history_user
        return current_user()

    def get_change_reason_for_object(self, instance: Any, history_type: str, using: Any) -> str | None:
        return super().get_change_reason_for_object(instance, history_type, using) or current_source() or None
