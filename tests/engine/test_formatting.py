"""Locale-aware display of numbers, rates, money and dates (pac.engine.formatting)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pac.engine.formatting import Formatter


def _spaces(text: str) -> str:
    """CLDR French uses narrow and regular no-break spaces; compare them as plain spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_it_writes_french_money_with_spaced_thousands_and_the_euro_after() -> None:
    assert _spaces(Formatter("fr").money(1_000_000)) == "1 000 000 €"


def test_it_writes_english_money_with_commas_and_the_euro_first() -> None:
    assert Formatter("en").money(1_000_000) == "€1,000,000"


def test_it_shows_cents_only_when_there_are_some() -> None:
    assert _spaces(Formatter("fr").money(Decimal("83334.5"))) == "83 334,50 €"
    assert Formatter("en").money(Decimal("83334")) == "€83,334"


def test_it_uses_the_plan_currency() -> None:
    assert Formatter("en", currency="USD").money(1500) == "$1,500"
    assert _spaces(Formatter("fr").money(1500, "CHF")) == "1 500 CHF"


def test_it_writes_french_percentages_with_a_comma_and_a_space() -> None:
    assert _spaces(Formatter("fr").percent(Decimal(20) / Decimal(390))) == "5,1 %"


def test_it_writes_english_percentages_without_a_space() -> None:
    assert Formatter("en").percent(Decimal(20) / Decimal(390)) == "5.1%"
    assert Formatter("en").percent(Decimal("0.25"), digits=0) == "25%"


@pytest.mark.parametrize(("locale", "expected"), [("fr", "1 340"), ("en", "1,340"), ("fr-FR", "1 340")])
def test_it_groups_thousands_per_locale(locale: str, expected: str) -> None:
    assert _spaces(Formatter(locale).number(1340)) == expected


def test_it_rounds_decimals_to_one_digit_for_display() -> None:
    assert Formatter("fr").number(Decimal("120.54")) == "120,5"
    assert Formatter("en").number(Decimal("120.00")) == "120"


def test_it_writes_dates_the_way_each_language_reads_them() -> None:
    day = dt.date(2027, 1, 1)

    assert _spaces(Formatter("fr").date(day)) == "1er janv. 2027"  # « 1er », as French writes the first
    assert _spaces(Formatter("fr").date(dt.date(2027, 1, 11))) == "11 janv. 2027"
    assert Formatter("en").date(day) == "Jan 1, 2027"


def test_it_speaks_french_by_default() -> None:
    assert _spaces(Formatter().money(1_000_000)) == "1 000 000 €"


def test_a_summary_line_rounds_money_to_thousands_and_millions() -> None:
    assert _spaces(Formatter("fr").money_compact(2_140_000)) == "2,1 M €"
    assert _spaces(Formatter("fr").money_compact(95_300)) == "95,3 k €"
    assert Formatter("en").money_compact(2_140_000) == "€2.1M"
