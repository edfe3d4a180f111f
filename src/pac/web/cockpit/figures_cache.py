"""The cockpit's figures kept in Django's cache until what they are computed from changes: the team's CRM
data (its stamp, changed by every import), the plan (its version, changed by every edit), the day, the
reader's language (levers are worded) and whatever the caller adds (the scope). On a large history the
figures take seconds to compute and the page is read many times between two imports."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.utils import translation

from pac.web.crm.freshness import data_stamp
from pac.web.plans.models import Plan

T = TypeVar("T")

#: At most this long, whatever happens (a day's figures are keyed by the day anyway).
CACHE_SECONDS = 6 * 3600


def figures_key(what: str, plan: Plan, *parts: object) -> str:
    """The cache key of ``what`` for ``plan`` as its team's data and the plan stand now."""
    raw = repr((what, plan.team_id, data_stamp(plan.team_id), plan.pk, plan.version, translation.get_language(), parts))
    return f"pac:cockpit:{what}:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()


def kept(key: str) -> object | None:
    """What the cache holds under ``key``; None when it holds nothing, or something this version of PAC
    cannot read back (figures pickled by an older release, in the file cache that outlives upgrades)."""
    try:
        return cache.get(key)  # type: ignore[no-any-return]
    except Exception:  # a stale entry is a miss, never a broken page
        return None


def cached_figures(what: str, plan: Plan, parts: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()``'s result, from the cache when the same figures were computed since the last change."""
    key = figures_key(what, plan, *parts)
    found = kept(key)
    if found is not None:
        return found[0]  # type: ignore[no-any-return]
    value = compute()
    cache.set(key, (value,), CACHE_SECONDS)
    return value
