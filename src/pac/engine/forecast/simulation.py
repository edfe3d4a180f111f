"""The Monte Carlo of a period's bookings: each draw is one way the period can end, the sum of the deals
that win in it.

Only the wins are sampled, never the losses. Deal i wins in draw d with probability q_i, independently:
scatter Poisson(−D·ln(1 − q_i)) uniform draw indices into the deal's row of a 0/1 matrix over the D draws —
by Poisson splitting each draw is hit independently with probability 1 − exp(ln(1 − q_i)) = q_i, and setting
a cell twice leaves it at 1, so the cells at 1 are exactly the Bernoulli(q_i) wins, with no rejection round.
A block of rows then adds up into the draws as one matrix-vector product (BLAS), with no list of hits to
sort or gather. A deal likelier to win than not is sampled by its losses (q = 1 − p: its amount added to
every draw, taken back where it loses), so the random work is about Σ min(p, 1 − p) × D, not n × D.
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
#: The block matrix stays within the processor's cache (measured: 0.5–2 MB all run alike, 8 MB is slower).
_BLOCK_BYTES = 1_000_000
_MIN_BLOCK_ROWS = 8
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
    amount = np.asarray(amount, dtype=np.float64)
    pool = np.asarray(won_amounts, dtype=np.float64)
    known = ~np.isnan(amount)
    likely = p > 0.5
    # known amounts: wins of the unlikely deals (+amount), losses of the likely ones (−amount)
    bookings = np.full(draws, amount[known & likely].sum())
    signed = np.where(likely, -amount, amount)[known]
    for rows, block in _blocks(np.where(likely, 1.0 - p, p)[known], draws, rng):
        bookings += signed[rows] @ block
    unknown = ~known & (p > 0)
    if unknown.any() and pool.size:
        flip = likely[unknown]
        q = np.where(flip, 1.0 - p[unknown], p[unknown])
        for rows, block in _blocks(q, draws, rng):
            # each win (or, flipped, each draw not lost) is one amount drawn from the pool
            block[flip[rows]] = 1.0 - block[flip[rows]]
            block *= pool[rng.integers(0, pool.size, block.shape)]
            bookings += block.sum(axis=0)
    if new_wins > 0 and pool.size:
        bookings += _new_business(new_wins, pool, draws, rng)
    return bookings


def _blocks(q: Floats, draws: int, rng: np.random.Generator) -> Iterator[tuple[slice, Floats]]:
    """Per block of deals: their rows, and the block's 0/1 matrix (deal × draw) of the draws each wins
    with probability ``q``. The matrix is reused: read it before asking for the next block."""
    size = max(_MIN_BLOCK_ROWS, _BLOCK_BYTES // (8 * draws))
    with np.errstate(divide="ignore"):
        rate = -draws * np.log1p(-np.minimum(q, 1.0))
    counts = rng.poisson(np.minimum(rate, 1e9))  # q = 1 (certain) is covered by the sign trick upstream
    index_type = np.int32 if size * draws < 2**31 else np.int64
    matrix = np.zeros((size, draws))
    cells = matrix.reshape(-1)
    for first in range(0, len(q), size):
        hits = counts[first : first + size]
        keys: npt.NDArray[np.integer[Any]] = np.repeat(np.arange(0, len(hits) * draws, draws, dtype=index_type), hits)
        keys += rng.integers(0, draws, keys.size, dtype=index_type)
        matrix.fill(0.0)
        cells[keys] = 1.0
        yield slice(first, first + len(hits)), matrix[: len(hits)]


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
