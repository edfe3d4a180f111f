"""What the team's own history says about an open deal: its chance to close won within a window of days,
learnt from the closed deals' cycles (age since creation, or time since entering its stage), with the number
of deals behind each figure.

Cycles are censored: a deal still open at 200 days says the cycle is longer than 200 days, not that it
is unknown. The estimate is the Aalen–Johansen cumulative incidence of "won" with "lost" as the competing
outcome, on a day grid: the share of deals that close won by each age, counting every deal at risk while
it is open. A segment's figure is shrunk toward the team's with a Beta prior worth ``PRIOR_STRENGTH``
deals, so a segment with little history says what the team says.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pac.engine.forecast.deals import LOST, OPEN, WON

#: Longest cycle the curves describe (days); longer cycles count as this long.
MAX_AGE_DAYS = 3650
#: Weight of the team's figure in a segment's (a Beta prior worth this many deals).
PRIOR_STRENGTH = 20
#: Fewest deals at risk at an age for the curve to speak there; older deals are read at the oldest such age.
MIN_AT_RISK = 5

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class CloseCurve:
    """By age ``t`` in days: ``won_by[t]`` the share of deals closed won at age ≤ t, ``open_after[t]`` the
    share still open after age t, ``at_risk[t]`` the deals observed open at the start of age t."""

    won_by: Floats
    open_after: Floats
    at_risk: Ints
    won: int
    lost: int
    still_open: int

    @property
    def deals(self) -> int:
        return self.won + self.lost + self.still_open

    @property
    def closed(self) -> int:
        return self.won + self.lost

    def usable_age(self, age: Ints) -> Ints:
        """``age`` capped at the oldest age still backed by ``MIN_AT_RISK`` deals (and open deals there)."""
        backed = np.flatnonzero((self.at_risk >= MIN_AT_RISK) & (self.open_after > 0))
        oldest = int(backed[-1]) if backed.size else 0
        return np.minimum(np.maximum(age, 0), oldest)

    def won_between(self, age: Ints, first: Ints, last: Ints) -> Floats:
        """P(closes won at an age in [first, last] | still open at ``age``), for each deal (arrays of days).
        Ages past the curve's support are read at the oldest backed age, the window shifted alike."""
        capped = self.usable_age(age)
        shift = capped - age
        top = len(self.won_by) - 1
        start, hi = first + shift, np.clip(last + shift, 0, top)
        before = np.where(start > 0, self.won_by[np.clip(start - 1, 0, top)], 0.0)
        survive = self.open_after[capped]
        gain = np.where(last + shift >= start, self.won_by[hi] - before, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(survive > 0, gain / survive, 0.0)
        return np.clip(p, 0.0, 1.0)

    def won_from_creation(self, first: Ints, last: Ints) -> Floats:
        """P(a new deal closes won at an age in [first, last])."""
        top = len(self.won_by) - 1
        before = np.where(first > 0, self.won_by[np.clip(first - 1, 0, top)], 0.0)
        gain = np.where(last >= first, self.won_by[np.clip(last, 0, top)] - before, 0.0)
        return np.clip(gain, 0.0, 1.0)

    def backing(self, age: Ints) -> Ints:
        """How many deals were observed open at each (capped) age: the basis of each figure."""
        return self.at_risk[self.usable_age(age)]

    def days_to_win(self, age: Ints) -> Ints:
        """For deals open at ``age``: the median number of days until the close of those that end won
        (−1 when the history has no win after that age)."""
        capped = self.usable_age(age)
        top = self.won_by[-1]
        half = self.won_by[capped] + (top - self.won_by[capped]) / 2
        close = np.searchsorted(self.won_by, half, side="left").astype(np.int64)
        result: Ints = np.where(top > self.won_by[capped] + 1e-12, np.maximum(close - capped, 1), -1)
        return result

    def shares_by_age(self, ages: tuple[int, ...] = (30, 60, 90, 180, 365)) -> list[dict[str, float | int]]:
        """The curve at a few ages, as the basis shows it: share closed won by then, deals still observed."""
        top = len(self.won_by) - 1
        return [
            {
                "age_days": age,
                "won_by_then": round(float(self.won_by[min(age, top)]), 4),
                "deals_at_risk": int(self.at_risk[min(age, top)]),
            }
            for age in ages
        ]

    def median_days_to_win(self) -> int | None:
        """The age by which half of the deals that end won have closed, or None without wins."""
        total = self.won_by[-1]
        if total <= 0:
            return None
        return int(np.searchsorted(self.won_by, total / 2))


def close_curve(duration: Ints, outcome: npt.NDArray[np.int8]) -> CloseCurve:
    """The curve of deals that lived ``duration`` days and ended ``outcome`` (OPEN: still open, censored)."""
    age = np.clip(duration, 0, MAX_AGE_DAYS)
    size = MAX_AGE_DAYS + 2
    won = np.bincount(age[outcome == WON], minlength=size)[:size].astype(np.float64)
    lost = np.bincount(age[outcome == LOST], minlength=size)[:size].astype(np.float64)
    left = np.bincount(age, minlength=size)[:size]
    at_risk = len(age) - np.concatenate(([0], np.cumsum(left)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard_won = np.where(at_risk > 0, won / at_risk, 0.0)
        hazard_closed = np.where(at_risk > 0, (won + lost) / at_risk, 0.0)
    open_after = np.cumprod(1.0 - hazard_closed, dtype=np.float64)
    open_before = np.concatenate(([1.0], open_after[:-1]))
    return CloseCurve(
        won_by=np.cumsum(open_before * hazard_won),
        open_after=open_after,
        at_risk=at_risk.astype(np.int64),
        won=int((outcome == WON).sum()),
        lost=int((outcome == LOST).sum()),
        still_open=int((outcome == OPEN).sum()),
    )


def shrunk(p_group: Floats, backing: Ints, p_team: Floats, strength: float = PRIOR_STRENGTH) -> Floats:
    """A group's probability pulled toward the team's: the posterior mean of a Beta prior with mean
    ``p_team`` worth ``strength`` deals, updated by ``backing`` deals that say ``p_group``."""
    n = backing.astype(np.float64)
    result: Floats = (n * p_group + strength * p_team) / (n + strength)
    return result
