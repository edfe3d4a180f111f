"""When a sequence's e-mail may leave: the sending window in the contact's time zone, and when a message
that met a temporary SMTP failure is tried again. Pure: the caller gives the clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Local hours of the default window: from 8:00 to 18:00 (18:00 excluded).
DEFAULT_HOURS = (8, 18)


def zone(name: str) -> dt.tzinfo:
    """The time zone ``name`` (IANA, « Europe/Paris »); UTC when unknown, so a typo never stops sending."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_now(now: dt.datetime, zone_name: str) -> dt.datetime:
    """``now`` (aware) on the clocks of ``zone_name``."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(zone(zone_name))


def in_window(now: dt.datetime, zone_name: str, hours: tuple[int, int] = DEFAULT_HOURS) -> bool:
    """Whether an e-mail may leave at ``now`` for a contact in ``zone_name``: the local hour is within
    ``[start, end)``. ``(0, 24)`` is always open; a window across midnight (``(22, 6)``) is allowed."""
    start, end = hours
    if not (0 <= start <= 24 and 0 <= end <= 24):
        raise ValueError(f"hours out of 0–24: {hours}")
    if start == end:
        return False
    hour = local_now(now, zone_name).hour
    return start <= hour < end if start < end else hour >= start or hour < end


def retry_delay(attempts: int, base: float = 60.0, cap: float = 3600.0) -> dt.timedelta:
    """How long to wait after the ``attempts``-th temporary failure (1-based): doubling from ``base``
    seconds, at most ``cap``."""
    if attempts < 1:
        raise ValueError("attempts counts from 1")
    return dt.timedelta(seconds=min(cap, base * 2 ** min(attempts - 1, 30)))
