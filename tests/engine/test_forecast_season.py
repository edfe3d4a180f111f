"""The quarter's rhythm: a team that books more in each quarter's last month gets a forecast lifted in
those months, and a team without one is not given one from its noise."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from pac.engine.forecast import build_deals
from pac.engine.forecast.season import quarter_rhythm

AS_OF = dt.date(2026, 9, 30)


def _team(last_month_lift: float, seed: int, per_day: float = 20) -> list[dict[str, object]]:
    """Two years of wins, ``per_day`` a day, amounts log-normal around 1 000 €, ``last_month_lift`` times more deals
    in each quarter's last month."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    day = AS_OF - dt.timedelta(days=730)
    while day <= AS_OF:
        wins = rng.poisson(per_day * (last_month_lift if day.month % 3 == 0 else 1.0))
        for amount in rng.lognormal(np.log(1000), 0.5, wins):
            rows.append(
                {
                    "external_id": f"d{len(rows)}",
                    "outcome": "won",
                    "amount": float(amount),
                    "created": day - dt.timedelta(days=30),
                    "closed": day,
                }
            )
        day += dt.timedelta(days=1)
    return rows


def test_a_quarter_end_push_is_learnt_and_lifts_the_last_months() -> None:
    rhythm = quarter_rhythm(build_deals(_team(1.5, seed=1)), AS_OF)
    first, second, last = rhythm.factors
    # months of 20, 20 and 30 wins a day: factors 6/7, 6/7 and 9/7 of the mean month
    assert first == pytest.approx(6 / 7, rel=0.05) and second == pytest.approx(6 / 7, rel=0.05)
    assert last == pytest.approx(9 / 7, rel=0.05)
    assert rhythm.months == (8, 8, 8)
    assert rhythm.over(dt.date(2026, 12, 1), dt.date(2026, 12, 31)) == pytest.approx(last)
    assert rhythm.over(dt.date(2026, 10, 1), dt.date(2026, 12, 31)) == pytest.approx(1.0, rel=0.02)


@pytest.mark.parametrize("seed", [2, 4, 6])
def test_a_team_without_a_rhythm_is_given_none_from_its_noise(seed: int) -> None:
    # 3 wins a day: the places' raw means stray 3 to 5 % from the mean month by chance alone
    rhythm = quarter_rhythm(build_deals(_team(1.0, seed=seed, per_day=3)), AS_OF)
    assert all(f == pytest.approx(1.0, abs=0.02) for f in rhythm.factors)


def test_too_little_history_gives_no_rhythm() -> None:
    rows = [r for r in _team(1.5, seed=5) if r["closed"] >= dt.date(2026, 8, 1)]  # two complete months
    assert quarter_rhythm(build_deals(rows), AS_OF).factors == (1.0, 1.0, 1.0)
