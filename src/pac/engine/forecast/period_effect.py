"""How much more past periods' bookings varied than chance alone explains: the spread of the team's level.

Deal-by-deal draws only know the luck of each deal; real periods also swing together (a quarter-end push,
a slow summer, a price change), so without this the P10–P90 range is too narrow. The past periods of the
forecast's length (weeks when fewer than ``MIN_PERIODS`` fit) give the bookings' variance, read from
successive differences (half their mean square) so that a trend or the history's ramp-up is not taken for
a swing; the part a
compound Poisson of the same wins would show (mean wins × E[amount²]) is taken out, with a margin of two
standard errors of that estimate (a stationary team shows no spread by luck of its history); what remains, relative
to the mean squared, is the variance of a common multiplier, Gamma-distributed with mean 1, applied to each
draw's projected bookings (so the expected figure is unchanged).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pac.engine.forecast.deals import WON, Deals

MIN_PERIODS = 3
#: The most recent periods looked at (older swings say little about the level now).
MAX_PERIODS = 24
#: Largest variance the multiplier may have (a standard deviation of 100 % of the level).
MAX_VARIANCE = 1.0

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PeriodEffect:
    variance: float
    periods: int
    period_days: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "periods": self.periods,
            "period_days": self.period_days,
            "standard_deviation": round(float(np.sqrt(self.variance)), 4),
        }

    def multipliers(self, draws: int, rng: np.random.Generator) -> Floats:
        if self.variance <= 0:
            return np.ones(draws)
        shape = 1.0 / self.variance
        result: Floats = rng.gamma(shape, self.variance, draws)
        return result


def period_effect(deals: Deals, as_of: dt.date, period_days: int) -> PeriodEffect:
    """The level's variance learnt from the won deals closed by ``as_of`` (0 with too little history)."""
    day = np.datetime64(as_of, "D")
    won = (deals.outcome == WON) & (deals.closed <= day)
    closes = deals.closed[(deals.outcome != 0) & (deals.closed <= day)]
    if not won.any() or not closes.size:
        return PeriodEffect(0.0, 0, period_days)
    span = int((day - closes.min()).astype(np.int64)) + 1
    length = period_days if span // period_days >= MIN_PERIODS else 7
    count = min(span // length, MAX_PERIODS)
    if count < MIN_PERIODS:
        return PeriodEffect(0.0, count, length)
    amounts = deals.amount[won]
    known = amounts[~np.isnan(amounts)]
    mean_amount = float(known.mean()) if known.size else 0.0
    amounts = np.where(np.isnan(amounts), mean_amount, amounts)
    back = (day - deals.closed[won]).astype(np.int64) // length  # 0: the last period before as_of
    inside = back < count
    booked = np.bincount(back[inside], weights=amounts[inside], minlength=count)
    wins = np.bincount(back[inside], minlength=count)
    level = booked.mean()
    if level <= 0:
        return PeriodEffect(0.0, count, length)
    chance = wins.mean() * float(np.mean(amounts**2))
    swings = float(np.mean(np.diff(booked) ** 2)) / 2  # successive differences: a trend is not a swing
    # only what chance cannot explain at two standard errors of the swings' estimate counts
    noise = 2 * np.sqrt(2 / (count - 1))
    variance = (swings - chance * (1 + noise)) / level**2
    return PeriodEffect(float(np.clip(variance, 0.0, MAX_VARIANCE)), count, length)
