"""The forecast's Monte Carlo (sampling only the wins) against a plain chunked NumPy Bernoulli simulation.

``PAC_BENCH_OPEN_DEALS`` open deals (default 100 000) × ``PAC_BENCH_DRAWS`` draws (default 10 000). The win
chances mix what a real pipeline shows: 90 % of the deals unlikely within the period (Beta(2, 8), mean 20 %)
and 10 % likely (Beta(8, 2)); amounts Gamma(2, 5 000). Both ways produce each draw's bookings; the plain one
draws one uniform number per deal and draw, compares it with the chance and multiplies by the amounts.
"""

from __future__ import annotations

import os

import numpy as np
from measure import measure_side_by_side

from pac.engine.forecast.simulation import simulate_bookings

RATIO_TO_BERNOULLI, PEAK_MIB = 0.5, 1024.0
_CHUNK_BYTES = 64 * 2**20


def pipeline(deals: int, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    likely = rng.random(deals) < 0.1
    p = np.where(likely, rng.beta(8, 2, deals), rng.beta(2, 8, deals))
    return p, rng.gamma(2.0, 5000.0, deals)


def plain_bernoulli(p: np.ndarray, amount: np.ndarray, draws: int, seed: int = 12) -> np.ndarray:
    """One uniform per deal and draw, by chunks of draws (64 MiB of uniforms at a time)."""
    rng = np.random.default_rng(seed)
    bookings = np.empty(draws)
    step = max(1, _CHUNK_BYTES // (8 * len(p)))
    for start in range(0, draws, step):
        size = min(step, draws - start)
        bookings[start : start + size] = (rng.random((size, len(p))) < p) @ amount
    return bookings


def run(deals: int | None = None, draws: int | None = None, repeat: int = 3) -> str:
    deals = deals or int(os.environ.get("PAC_BENCH_OPEN_DEALS", "100000"))
    draws = draws or int(os.environ.get("PAC_BENCH_DRAWS", "10000"))
    p, amount = pipeline(deals)
    none = np.array([])
    results = measure_side_by_side(
        {
            "wins only (pac.engine.forecast.simulation)": lambda: simulate_bookings(
                p, amount, none, draws=draws, seed=13
            ),
            "plain chunked Bernoulli": lambda: plain_bernoulli(p, amount, draws),
        },
        repeat,
    )
    (wins_s, wins_peak), (plain_s, _) = results.values()
    rows = []
    for label, (seconds, peak) in results.items():
        rows.append(f"| {label} | {seconds:.2f} s | {peak:.1f} MiB |")
        print(rows[-1])
    mean_gap = abs(simulate_bookings(p, amount, none, draws=draws, seed=13).mean() - float(p @ amount))
    ratio = wins_s / plain_s
    verdict = (
        f"wins only ÷ Bernoulli = {ratio:.2f} ({'ok' if ratio <= RATIO_TO_BERNOULLI else 'OVER TARGET'}); "
        f"peak {wins_peak:.0f} MiB ({'ok' if wins_peak <= PEAK_MIB else 'OVER TARGET'}); "
        f"mean of the draws − Σ p × amount = {mean_gap:,.0f} (of {float(p @ amount):,.0f})."
    )
    print(verdict)
    return (
        "## Forecast Monte Carlo (wins only vs plain Bernoulli)\n\n"
        f"{deals:,} open deals × {draws:,} draws; win chances 90 % Beta(2, 8), 10 % Beta(8, 2). "
        f"Targets: at most {RATIO_TO_BERNOULLI}× the plain chunked Bernoulli time, peak ≤ {PEAK_MIB:.0f} MiB. "
        f"Each runs once untimed, then {repeat} timed runs each, taking turns; the median is shown.\n\n"
        "| implementation | median time | peak Python memory |\n|---|---|---|\n" + "\n".join(rows) + f"\n\n{verdict}\n"
    )


if __name__ == "__main__":
    print(run())
