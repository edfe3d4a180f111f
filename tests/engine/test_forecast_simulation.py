"""The Monte Carlo of a period's bookings: its mean is the analytical expectation and its distribution the
exact one (Poisson-binomial), whatever the deals' mix of likely and unlikely wins."""

from __future__ import annotations

import numpy as np
import pytest

from pac.engine.forecast.simulation import MAX_DRAWS, simulate_bookings


def exact_distribution(p: np.ndarray, units: np.ndarray) -> np.ndarray:
    """P(Σ units_i × Bernoulli(p_i) = s) for every s, by dynamic programming over the deals."""
    law = np.zeros(int(units.sum()) + 1)
    law[0] = 1.0
    for chance, unit in zip(p, units, strict=True):
        law[unit:] = law[unit:] * (1 - chance) + law[:-unit] * chance
        law[:unit] *= 1 - chance
    return law


def test_the_mean_is_the_sum_of_chances_times_amounts_plus_new_business() -> None:
    rng = np.random.default_rng(5)
    p = rng.beta(0.8, 1.2, 3000)  # many deals likelier to win than not: the losses are sampled for those
    amount = rng.gamma(2.0, 4000.0, 3000)
    amount[::4] = np.nan  # unknown amounts are drawn from the won amounts
    pool = rng.gamma(2.0, 3000.0, 500)
    draws = 20_000
    bookings = simulate_bookings(p, amount, pool, new_wins=12.0, draws=draws, seed=1)
    expected = np.sum(p * np.where(np.isnan(amount), pool.mean(), amount)) + 12.0 * pool.mean()
    pool_var = pool.var()
    variance = (
        np.sum(p * (1 - p) * np.nan_to_num(amount) ** 2)
        + np.sum((p * (pool_var + pool.mean() ** 2) - (p * pool.mean()) ** 2)[np.isnan(amount)])
        + 12.0 * (pool_var + pool.mean() ** 2)
    )
    assert abs(bookings.mean() - expected) < 4 * np.sqrt(variance / draws)
    assert bookings.std() == pytest.approx(np.sqrt(variance), rel=0.03)


@pytest.mark.parametrize("seed", [3, 4])
def test_the_chance_to_reach_a_target_is_the_exact_poisson_binomial_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0.02, 0.3, 30), rng.uniform(0.6, 0.98, 10), [1.0, 0.0]])
    units = rng.integers(1, 20, len(p))
    law = exact_distribution(p, units)
    draws = 50_000
    bookings = simulate_bookings(p, units * 1000.0, np.array([]), draws=draws, seed=seed)
    for target_units in np.quantile(np.arange(law.size), [0.2, 0.35, 0.5]).astype(int):
        exact = law[target_units:].sum()
        sampled = np.mean(bookings >= target_units * 1000.0)
        assert abs(sampled - exact) < 4 * np.sqrt(exact * (1 - exact) / draws) + 1e-9


def test_each_deal_wins_at_most_once_per_draw() -> None:
    bookings = simulate_bookings(
        np.array([0.5, 0.9, 0.999]), np.array([1.0, 10.0, 100.0]), np.array([]), draws=5000, seed=2
    )
    assert set(np.unique(bookings)) <= {a + b + c for a in (0, 1) for b in (0, 10) for c in (0, 100)}


def test_same_seed_same_draws_and_bounded_draws() -> None:
    p, amount = np.full(50, 0.3), np.full(50, 10.0)
    first = simulate_bookings(p, amount, np.array([]), draws=100, seed=9)
    assert np.array_equal(first, simulate_bookings(p, amount, np.array([]), draws=100, seed=9))
    with pytest.raises(ValueError):
        simulate_bookings(p, amount, np.array([]), draws=MAX_DRAWS + 1, seed=9)
    with pytest.raises(ValueError):
        simulate_bookings(p, amount, np.array([]), draws=0, seed=9)
