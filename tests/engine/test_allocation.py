"""Whole-number allocation over weighted slots (pac.engine.allocation)."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pac.engine.allocation import allocate

weights_lists = st.lists(st.integers(0, 1000).map(Decimal), min_size=1, max_size=120).filter(lambda ws: sum(ws) > 0)
fractional_weights = st.lists(
    st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False), min_size=1, max_size=120
).filter(lambda ws: sum(ws) > 0)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**7), st.one_of(weights_lists, fractional_weights))
def test_it_splits_the_whole_total_with_each_share_within_one_of_its_quota(total: int, weights: list[Decimal]) -> None:
    shares = allocate(total, weights)

    assert len(shares) == len(weights)
    assert sum(shares) == total
    weight_sum = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        assert share >= 0
        assert abs(share - total * weight / weight_sum) <= 1


def test_it_spreads_12_wins_over_64_days_instead_of_front_loading_them() -> None:
    shares = allocate(12, [Decimal(1)] * 64)

    days_with_a_win = [i for i, share in enumerate(shares) if share]
    assert len(days_with_a_win) == 12  # one a day, never two
    gaps = [b - a for a, b in itertools.pairwise(days_with_a_win)]
    assert set(gaps) <= {5, 6}  # every five or six days (64 / 12 ≈ 5.3)


def test_it_gives_nothing_to_a_zero_weight_slot() -> None:
    assert allocate(10, [Decimal(1), Decimal(0), Decimal(3)]) == [3, 0, 7]


@pytest.mark.parametrize(
    ("total", "weights"),
    [
        (-1, [Decimal(1)]),
        (5, [Decimal(0), Decimal(0)]),
        (5, [Decimal(2), Decimal(-1)]),
        (5, []),
    ],
)
def test_it_refuses_a_negative_total_or_weights_without_a_positive_sum(total: int, weights: list[Decimal]) -> None:
    with pytest.raises(ValueError):
        allocate(total, weights)
