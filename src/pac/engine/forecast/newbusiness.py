"""Deals not created yet that will still be won within the period: the team's recent pace of deal creation
(a Poisson process), times the chance that a deal created on a given day is won by the period's end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pac.engine.forecast.deals import Deals
from pac.engine.forecast.learning import CloseCurve
from pac.engine.forecast.window import Window

#: How far back the pace of creation is measured (days).
PACE_DAYS = 90


@dataclass(frozen=True)
class NewBusiness:
    """``expected_wins``: mean number of new deals won in the period (a Poisson mean, by thinning)."""

    expected_wins: float
    created_in_pace: int
    pace_days: int
    created_per_day: float
    win_chance: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "pace_days": self.pace_days,
            "deals_created": self.created_in_pace,
            "created_per_day": round(self.created_per_day, 4),
            "win_chance_in_period": round(self.win_chance, 4),
            "expected_wins": round(self.expected_wins, 4),
        }


def new_business(deals: Deals, window: Window, team: CloseCurve, ours: npt.NDArray[np.bool_]) -> NewBusiness:
    """Deals are created at the pace of the last ``PACE_DAYS`` days (or since the first creation when the
    history is shorter); one created on day t is won in the period with P(cycle in [start − t, end − t])."""
    day = np.datetime64(window.as_of, "D")
    created = deals.created[ours & ~np.isnat(deals.created) & (deals.created <= day)]
    if not created.size or window.end <= window.as_of:
        return NewBusiness(0.0, 0, 0, 0.0, 0.0)
    span = min(PACE_DAYS, int((day - created.min()).astype(np.int64)) + 1)
    recent = int((created > day - np.timedelta64(span, "D")).sum())
    rate = recent / span
    days_ahead = np.arange(1, (window.end - window.as_of).days + 1, dtype=np.int64)  # creation on as_of + k
    first = np.maximum((window.start - window.as_of).days - days_ahead, 0)
    last = (window.end - window.as_of).days - days_ahead
    chance = float(team.won_from_creation(first, last).mean())
    return NewBusiness(rate * len(days_ahead) * chance, recent, span, rate, chance)
