"""Cell parsers: French and English numbers and dates, with a reason when they are not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pac.io.crm.values import BadValue, date_readings, parse_bool, parse_decimal, parse_moment


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1234,56", "1234.56"),
        ("-12", "-12"),
        ("(12,5)", "-12.5"),
        ("12 %", "0.12"),
        ("12,5%", "0.125"),
        ("1 234,56 €", "1234.56"),
        ("USD 1,234.00", "1234.00"),
        ("1,234,567", "1234567"),
        ("0,5", "0.5"),
        (".5", "0.5"),
        ("0", "0"),
    ],
)
def test_it_reads_french_and_english_numbers(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)


def test_it_reads_a_lone_three_digit_group_by_the_files_decimal_separator() -> None:
    assert parse_decimal("1,234", decimal=".") == Decimal("1234")
    assert parse_decimal("1,234", decimal=",") == Decimal("1.234")
    assert parse_decimal("1.234", decimal=",") == Decimal("1234")
    assert parse_decimal("1.234", decimal=".") == Decimal("1.234")


@pytest.mark.parametrize("text", ["abc", "12 euros", "1,2,3", "1.2.3,4,5", "N/A", "--5", "1e5", "NaN", "12-3"])
def test_it_says_text_is_not_a_number(text: str) -> None:
    with pytest.raises(BadValue, match="not a"):
        parse_decimal(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/12/2026", dt.date(2026, 12, 31)),
        ("2026-12-31", dt.date(2026, 12, 31)),
        ("2026-12-31 14:05:00", dt.datetime(2026, 12, 31, 14, 5)),
        ("2026-12-31T14:05", dt.datetime(2026, 12, 31, 14, 5)),
        ("31/12/2026 14:05", dt.datetime(2026, 12, 31, 14, 5)),
        ("31.12.2026", dt.date(2026, 12, 31)),
        ("05/04/2026", dt.date(2026, 4, 5)),
        ("12/31/2026", dt.date(2026, 12, 31)),
        ("31/12/26", dt.date(2026, 12, 31)),
        ("2026-12-31 00:00:00", dt.date(2026, 12, 31)),
        ("31 décembre 2026", dt.date(2026, 12, 31)),
        ("2026-12-31T14:05:00Z", dt.datetime(2026, 12, 31, 14, 5, tzinfo=dt.UTC)),
    ],
)
def test_it_reads_french_english_and_iso_dates(text: str, expected: dt.date) -> None:
    assert parse_moment(text) == expected


def test_it_reads_the_first_and_last_years_a_crm_date_may_have() -> None:
    assert parse_moment("1900-01-01") == dt.date(1900, 1, 1) and parse_moment("31/12/2199") == dt.date(2199, 12, 31)


def test_it_reads_ambiguous_dates_month_first_only_when_told() -> None:
    assert parse_moment("05/04/2026", order="mdy") == dt.date(2026, 5, 4)
    assert parse_moment("05/04/2026") == dt.date(2026, 4, 5)
    assert date_readings("05/04/2026") == ("dmy", "mdy")
    assert date_readings("12/31/2026") == ("mdy",)
    assert date_readings("31/12/2026") == ("dmy",)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31/02/2026", "impossible date: 2026-02 has no day 31"),
        ("2026-02-30", "impossible date: 2026-02 has no day 30"),
        ("2026-13-01", "no month 13"),
        ("32/13/2026", "impossible date"),
        ("demain", "not a date"),
        ("2026-12-31 25:00", "impossible time"),
        ("9999-12-31", "the year 9999 is outside 1900–2199"),  # a « no date » placeholder
        ("31/12/9999", "the year 9999 is outside"),
        ("1er janvier 1066", "the year 1066 is outside"),
    ],
)
def test_it_explains_an_impossible_date(text: str, reason: str) -> None:
    with pytest.raises(BadValue, match=reason):
        parse_moment(text)


def test_it_reads_yes_and_no_in_french_and_english() -> None:
    assert [parse_bool(t) for t in ("oui", "Non", "TRUE", "false", "1", "0", "x", "Vrai")] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        True,
    ]
    with pytest.raises(BadValue, match="yes/no"):
        parse_bool("peut-être")
