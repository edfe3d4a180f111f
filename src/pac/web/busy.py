"""« PAC est occupé »: a request that met a database busy with another writer answers 503 with
``Retry-After``, in the reader's language, instead of a 500 and a traceback.

Why: SQLite has one writer at a time. A write waits for it up to the busy timeout (settings:
``SQLITE_BUSY_SECONDS``; an import holds it only for its final merge), and only then fails with « database
is locked ». On PostgreSQL, a lock timeout or a deadlock is the same story: nothing is wrong with what the
user did, trying again in a moment works."""

from __future__ import annotations

from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

#: Seconds the browser (or a script) is told to wait before trying again.
RETRY_AFTER = 5
#: PostgreSQL's SQLSTATEs for a lock not granted in time and for a deadlock.
_PG_BUSY = {"55P03", "40P01"}


def is_busy(error: BaseException) -> bool:
    """The database was busy with another writer: SQLite's « database is locked » (or « table is
    locked »), PostgreSQL's lock timeout or deadlock."""
    if not isinstance(error, OperationalError):
        return False
    if "is locked" in str(error).lower():
        return True
    return getattr(error.__cause__, "sqlstate", None) in _PG_BUSY


class BusyMiddleware:
    """Turns a busy database into the 503 page (``503.html``, « Retry-After »)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_busy(exception):
            return None
        response = HttpResponse(render_to_string("503.html", {"retry_after": RETRY_AFTER}, request), status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
