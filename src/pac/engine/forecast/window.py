"""The period a forecast is about, and the day it is seen from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """Bookings won in [start, end], seen at the end of ``as_of`` (which may fall before, in or after it)."""

    start: dt.date
    end: dt.date
    as_of: dt.date

    @property
    def first_offset(self) -> int:
        """Days from ``as_of`` to the first day a still-open deal can close in the period (≥ 1)."""
        return max((self.start - self.as_of).days, 1)

    @property
    def last_offset(self) -> int:
        """Days from ``as_of`` to the period's last day (≤ 0: the period is over)."""
        return (self.end - self.as_of).days
