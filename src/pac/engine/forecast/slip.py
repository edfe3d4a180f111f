"""Expected close dates and how late deals really close: when a source gives ``expected_close``, the won deals'
slip (close date − expected date) spreads an open deal's expected date into a chance to close in the period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pac.engine.forecast.deals import WON, Deals
from pac.engine.forecast.learning import MAX_AGE_DAYS, CloseCurve
from pac.engine.forecast.window import Window

#: Fewest won deals with an expected close date for their slip to be used.
MIN_SLIP_DEALS = 10

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class SlipModel:
    slips: Ints  # sorted, in days

    def as_dict(self) -> dict[str, Any]:
        return {
            "deals": int(self.slips.size),
            "median_days_late": int(np.median(self.slips)),
        }

    def won_between(
        self, team: CloseCurve, age: Ints, expected: npt.NDArray[np.datetime64], window: Window
    ) -> tuple[npt.NDArray[np.bool_], Floats]:
        """(deals whose expected date says something, their chance): P(won eventually | open at its age) ×
        P(closes in the period | its expected date, the slips, still open at ``as_of``)."""
        day = np.datetime64(window.as_of, "D")
        offset = (expected - day).astype(np.int64)  # expected date, in days after as_of
        dated = ~np.isnat(expected)
        first = max((window.start - window.as_of).days, 1)
        last = (window.end - window.as_of).days
        # slip s closes the deal at offset + s; it must be ≥ 1 (still open) and within [first, last]
        alive = self.slips.size - np.searchsorted(self.slips, 1 - offset, side="left")
        inside = np.searchsorted(self.slips, last - offset, side="right") - np.searchsorted(
            self.slips, first - offset, side="left"
        )
        rows = dated & (alive > 0)
        eventually = team.won_between(age, age + 1, np.full(len(age), MAX_AGE_DAYS, dtype=np.int64))
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(alive > 0, np.maximum(inside, 0) / np.maximum(alive, 1), 0.0)
        return rows, (eventually * share)[rows]


def slip_model(deals: Deals, as_of: dt.date) -> SlipModel | None:
    """The won deals' slips known at ``as_of``, or None when fewer than ``MIN_SLIP_DEALS``."""
    day = np.datetime64(as_of, "D")
    won = (deals.outcome == WON) & (deals.closed <= day) & ~np.isnat(deals.expected_close)
    if won.sum() < MIN_SLIP_DEALS:
        return None
    return SlipModel(np.sort((deals.closed[won] - deals.expected_close[won]).astype(np.int64)))
