"""Synthetic sales teams with known parameters, for the forecast tests.

A stationary world: deals are created at ``rate`` a day; each ends won with probability ``win`` after an
exponential cycle of mean ``cycle_days`` (outcome and cycle independent, so an open deal's chance to be won
within h days is ``win × (1 − exp(−h / cycle_days))`` whatever its age); amounts are log-normal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from pac.engine.forecast import Deals, build_deals


@dataclass(frozen=True)
class World:
    rate: float = 12.0
    win: float = 0.3
    cycle_days: float = 30.0
    amount_mu: float = 8.0
    amount_sigma: float = 0.5
    history_days: int = 730

    def amounts(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.round(rng.lognormal(self.amount_mu, self.amount_sigma, size), 2)

    def history(self, as_of: dt.date, seed: int = 1, segments: tuple[str, ...] = ("smb", "mid")) -> Deals:
        """Every deal created in the ``history_days`` before ``as_of``, as known at the end of ``as_of``."""
        rng = np.random.default_rng(seed)
        count = rng.poisson(self.rate * self.history_days)
        created_back = rng.integers(0, self.history_days, count)  # days before as_of
        cycle = np.floor(rng.exponential(self.cycle_days, count)).astype(int)
        won = rng.random(count) < self.win
        amount = self.amounts(rng, count)
        segment = rng.choice(np.array(segments), count)
        rows = []
        for i in range(count):
            created = as_of - dt.timedelta(days=int(created_back[i]))
            closed = created + dt.timedelta(days=int(cycle[i]))
            is_closed = closed <= as_of
            rows.append(
                {
                    "external_id": f"d{i}",
                    "outcome": ("won" if won[i] else "lost") if is_closed else "open",
                    "amount": float(amount[i]),
                    "created": created,
                    "closed": closed if is_closed else None,
                    "segment": str(segment[i]),
                    "owner": f"rep{i % 5}",
                }
            )
        return build_deals(rows)

    def true_bookings(self, deals: Deals, as_of: dt.date, end: dt.date, draws: int, seed: int = 2) -> np.ndarray:
        """Bookings won in (as_of, end] simulated from the true parameters: the open deals, and the deals
        created after ``as_of``."""
        rng = np.random.default_rng(seed)
        horizon = (end - as_of).days
        open_ = deals.outcome == 0
        p = self.win * (1 - np.exp(-horizon / self.cycle_days))
        totals = (rng.random((draws, int(open_.sum()))) < p) @ deals.amount[open_]
        for d in range(draws):
            born = rng.poisson(self.rate * horizon)
            remaining = horizon - rng.integers(1, horizon + 1, born)  # created on as_of + k, k in 1..horizon
            cycle = np.floor(rng.exponential(self.cycle_days, born))
            wins = (rng.random(born) < self.win) & (cycle <= remaining)
            totals[d] += self.amounts(rng, int(wins.sum())).sum()
        return totals
