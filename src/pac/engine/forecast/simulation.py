"""The Monte Carlo of a period's bookings: each draw is one way the period can end, the sum of the deals
that win in it.

Only the wins are sampled, never the losses. Deal i wins in draw d with probability q_i, independently:
scatter Poisson(−D·ln(1 − q_i)) uniform draw indices into a bitmap of the D draws — by Poisson splitting each
draw is hit independently with probability 1 − exp(ln(1 − q_i)) = q_i, so the hit draws are exactly the
Bernoulli(q_i) wins, duplicates and all, with no rejection round. A deal likelier to win than not is
sampled by its losses (q = 1 − p: its amount added to every draw, taken back where it loses), so the work
is about Σ min(p, 1 − p) × D, not n × D. The bitmap covers a block of deals at a time (a few MB).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]

MAX_DRAWS = 100_000
MAX_OPEN_DEALS = 1_000_000
#: Most new-business wins expected in one draw (a bound on the sampling work).
MAX_NEW_WINS = 100_000
_BITMAP_BYTES = 4_000_000
_SAMPLES_PER_CHUNK = 4_000_000


def simulate_bookings(
    p: Floats,
    amount: Floats,
    won_amounts: Floats,
    *,
    new_wins: float = 0.0,
    draws: int,
    seed: int | None,
) -> Floats:
    """Bookings of each draw: the open deals that win (deal i with probability ``p[i]``, for ``amount[i]``,
    or, NaN, an amount drawn from ``won_amounts``) plus Poisson(``new_wins``) new deals won, each for an
    amount drawn from ``won_amounts``."""
    if not 1 <= draws <= MAX_DRAWS:
        raise ValueError(f"draws must be between 1 and {MAX_DRAWS}")
    if len(p) > MAX_OPEN_DEALS:
        raise ValueError(f"at most {MAX_OPEN_DEALS} open deals")
    if not 0 <= new_wins <= MAX_NEW_WINS:
        raise ValueError(f"new wins per draw must be between 0 and {MAX_NEW_WINS}")
    rng = np.random.default_rng(seed)
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    pool = np.asarray(won_amounts, dtype=np.float64)
    known = ~np.isnan(amount)
    bookings = np.zeros(draws)
    sure = known & (p > 0.5)
    bookings += amount[sure].sum()
    # known amounts: wins of the unlikely deals (+amount), losses of the likely ones (−amount)
    signed = np.where(sure, -amount, amount)[known]
    q = np.where(sure, 1.0 - p, p)[known]
    for rows, cols, first in _hits(q, draws, rng, invert=None):
        bookings += np.bincount(cols, weights=signed[first + rows], minlength=draws)
    unknown = ~known & (p > 0)
    if unknown.any() and pool.size:
        flip = p[unknown] > 0.5
        q = np.where(flip, 1.0 - p[unknown], p[unknown])
        for rows, cols, _first in _hits(q, draws, rng, invert=flip):
            bookings += np.bincount(cols, weights=pool[rng.integers(0, pool.size, rows.size)], minlength=draws)
    if new_wins > 0 and pool.size:
        bookings += _new_business(new_wins, pool, draws, rng)
    return bookings


def _hits(
    q: Floats, draws: int, rng: np.random.Generator, invert: npt.NDArray[np.bool_] | None
) -> Iterator[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int]]:
    """Per block of deals: (deal within the block, draw) of every hit, and the block's first deal. With
    ``invert``, those deals' rows are complemented (their hits are the draws not hit)."""
    block = max(1, _BITMAP_BYTES // draws)
    with np.errstate(divide="ignore"):
        rate = -draws * np.log1p(-np.minimum(q, 1.0))
    counts = rng.poisson(np.minimum(rate, 1e9))  # q = 1 (certain) is covered by the sign trick upstream
    index_type = np.int32 if block * draws < 2**31 else np.int64
    bitmap = np.zeros((block, draws), dtype=np.bool_)
    flat = bitmap.reshape(-1)
    for first in range(0, len(q), block):
        hits = counts[first : first + block]
        size = len(hits)
        starts: npt.NDArray[np.integer[Any]] = np.arange(0, size * draws, draws, dtype=index_type)
        keys = np.repeat(starts, hits)
        keys += rng.integers(0, draws, keys.size, dtype=index_type)
        flat[keys] = True
        if invert is not None:
            flipped = np.flatnonzero(invert[first : first + size])
            bitmap[flipped] = ~bitmap[flipped]
        won = np.flatnonzero(flat[: size * draws])
        flat[won] = False
        rows = np.repeat(np.arange(size, dtype=np.int64), _per_row(won, size, draws))
        yield rows, won - rows * draws, first


def _per_row(won: npt.NDArray[np.int64], size: int, draws: int) -> npt.NDArray[np.int64]:
    """Hits per row of a sorted list of flat bitmap positions (row boundaries by binary search)."""
    edges = np.searchsorted(won, np.arange(0, (size + 1) * draws, draws, dtype=np.int64))
    return np.diff(edges)


def _new_business(mean: float, pool: Floats, draws: int, rng: np.random.Generator) -> Floats:
    """Σ of Poisson(mean) amounts drawn from ``pool``, per draw (by blocks of draws to bound memory)."""
    wins = rng.poisson(mean, draws)
    totals = np.zeros(draws)
    step = max(1, int(_SAMPLES_PER_CHUNK // max(mean, 1.0)))
    for start in range(0, draws, step):
        counts = wins[start : start + step]
        owner = np.repeat(np.arange(len(counts)), counts)
        totals[start : start + len(counts)] = np.bincount(
            owner, weights=pool[rng.integers(0, pool.size, owner.size)], minlength=len(counts)
        )
    return totals
