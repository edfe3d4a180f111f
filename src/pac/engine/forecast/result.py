"""A period's forecast as the reader gets it: the figures, and the basis they were learnt from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Forecast:
    """Bookings of the period [period_from, period_to] (won amounts closed in it) as seen at ``as_of``:
    ``closed_won`` already booked, ``open_pipeline`` and ``new_business`` expected from the open deals and
    from deals not created yet; ``expected`` their sum; P10/P50/P90 and the chance to reach ``target`` from
    the Monte Carlo draws. ``basis`` says what each figure was learnt from and from how many deals."""

    period_from: dt.date
    period_to: dt.date
    as_of: dt.date
    target: float | None
    closed_won: float
    open_pipeline: float
    new_business: float
    expected: float
    p10: float
    p50: float
    p90: float
    probability_of_target: float | None
    categories: dict[str, float] = field(default_factory=dict)
    basis: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The ``pac forecast --json`` document."""
        return {
            "period": {"from": self.period_from.isoformat(), "to": self.period_to.isoformat()},
            "as_of": self.as_of.isoformat(),
            "target": self.target,
            "closed_won": round(self.closed_won, 2),
            "open_pipeline": round(self.open_pipeline, 2),
            "new_business": round(self.new_business, 2),
            "expected": round(self.expected, 2),
            "p10": round(self.p10, 2),
            "p50": round(self.p50, 2),
            "p90": round(self.p90, 2),
            "probability_of_target": self.probability_of_target,
            "categories": {name: round(amount, 2) for name, amount in self.categories.items()},
            "basis": self.basis,
        }
