"""Background work of the cockpit: after an import, the figures of the team's plans under way are
computed in the worker (``landing.warm_landing``), not by the first manager who opens the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone, translation
from django_tasks import task

from pac.web.cockpit.landing import warm_landing


@task()
def warm_cockpit(team_id: int, language: str, day: str) -> int:
    """The plans warmed (their manager's view, in the uploader's language, for ``day``)."""
    with translation.override(language):
        return warm_landing(team_id, dt.date.fromisoformat(day))


def warm_after_import(sender: Any, team_id: int, language: str, **kwargs: Any) -> None:
    """Queue the warm-up behind the import that changed the data (a task of its own: the import is
    reported done first, and a warm-up that fails takes nothing back)."""
    warm_cockpit.enqueue(team_id, language, timezone.localdate().isoformat())
