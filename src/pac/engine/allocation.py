"""Whole-number allocation of a total over weighted slots.

A schedule of volumes must be whole things (you cannot book 4.7 demos), must add up to the total
exactly and must stay spread out: 12 wins over 64 working days land every five or six days, not
on the first twelve. Rounding the running total does all three: each slot gets its quota within
±1 and the sum is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal


def allocate(total: int, weights: Sequence[Decimal]) -> list[int]:
    """Split ``total`` over ``weights`` (non-negative, positive sum) by cumulative rounding."""
    weight_sum = sum(weights, Decimal(0))
    if total < 0:
        raise ValueError("total must be >= 0")
    if weight_sum <= 0 or any(w < 0 for w in weights):
        raise ValueError("weights must be >= 0 with a positive sum")
    shares = []
    running, given = Decimal(0), 0
    for weight in weights:
        running += weight
        reached = int((Decimal(total) * running / weight_sum).to_integral_value(rounding=ROUND_HALF_UP))
        shares.append(reached - given)
        given = reached
    return shares
