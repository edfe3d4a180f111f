"""ISO weeks, business days and fiscal quarters (pac.engine.workdays)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from dateutil.easter import easter
from hypothesis import given, settings
from hypothesis import strategies as st

from pac.engine.workdays import (
    IsoWeek,
    UnknownCountryError,
    add_business_days,
    business_days_between,
    fiscal_quarter,
    fiscal_quarter_bounds,
    fiscal_quarters_between,
    holiday_names,
    is_business_day,
    previous_business_day,
    weeks_between,
)


def test_it_puts_1_january_2027_in_the_last_iso_week_of_2026() -> None:
    week = IsoWeek.of(dt.date(2027, 1, 1))

    assert week == IsoWeek(2026, 53)
    assert week.label == "2026-W53"
    assert week.monday == dt.date(2026, 12, 28)
    assert week.shift(1) == IsoWeek(2027, 1)
    assert IsoWeek(2027, 1).shift(-1) == week


def test_it_lists_every_iso_week_touched_by_a_quarter() -> None:
    weeks = weeks_between(dt.date(2027, 1, 1), dt.date(2027, 3, 31))

    assert weeks[0] == IsoWeek(2026, 53) and weeks[-1] == IsoWeek(2027, 13)
    assert len(weeks) == 14  # a Friday start adds a partial week to the 13 of the quarter
    assert all(b.monday - a.monday == dt.timedelta(days=7) for a, b in itertools.pairwise(weeks))


# --- business days ---------------------------------------------------------------------------
# Expected holidays are derived here from Easter (dateutil's algorithm, not the holidays package):
# Ascension is Easter + 39 days, Pentecost Monday Easter + 50.

EASTER_2027 = easter(2027)
ASCENSION_2027 = EASTER_2027 + dt.timedelta(days=39)
PENTECOST_MONDAY_2027 = EASTER_2027 + dt.timedelta(days=50)


def test_it_knows_the_french_public_holidays_of_2027() -> None:
    derived = (EASTER_2027, ASCENSION_2027, PENTECOST_MONDAY_2027)
    assert derived == (dt.date(2027, 3, 28), dt.date(2027, 5, 6), dt.date(2027, 5, 17))
    for holiday in (
        dt.date(2027, 1, 1),
        EASTER_2027 + dt.timedelta(days=1),
        ASCENSION_2027,
        PENTECOST_MONDAY_2027,
        dt.date(2027, 7, 14),
        dt.date(2027, 11, 1),
        dt.date(2027, 11, 11),
    ):
        assert holiday.weekday() < 5
        assert not is_business_day(holiday), holiday
    assert is_business_day(dt.date(2027, 5, 13))  # the Thursday after Ascension is a working day
    assert not is_business_day(dt.date(2027, 5, 15)) and not is_business_day(dt.date(2027, 5, 16))  # weekend


def test_it_moves_a_day_on_pentecost_monday_to_the_friday_before() -> None:
    assert PENTECOST_MONDAY_2027.weekday() == 0

    assert previous_business_day(PENTECOST_MONDAY_2027) == dt.date(2027, 5, 14)


def test_it_moves_a_weekend_day_to_the_friday_before() -> None:
    saturday, sunday = dt.date(2027, 4, 17), dt.date(2027, 4, 18)
    assert (saturday.weekday(), sunday.weekday()) == (5, 6)

    assert previous_business_day(saturday) == previous_business_day(sunday) == dt.date(2027, 4, 16)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2027, 3, 29), dt.date(2027, 3, 26)),  # Easter Monday: back over the weekend to Friday
        (dt.date(2027, 5, 6), dt.date(2027, 5, 5)),  # Ascension (Thursday) → Wednesday
        (dt.date(2027, 11, 11), dt.date(2027, 11, 10)),  # Armistice (Thursday) → Wednesday
        (dt.date(2027, 12, 25), dt.date(2027, 12, 24)),  # Christmas is a Saturday → Friday
        (dt.date(2028, 1, 1), dt.date(2027, 12, 31)),  # New Year's Day 2028 (Saturday) → the year before
        (dt.date(2027, 5, 13), dt.date(2027, 5, 13)),  # a business day stays where it is
    ],
)
def test_it_moves_a_holiday_to_the_previous_business_day(day: dt.date, expected: dt.date) -> None:
    assert previous_business_day(day) == expected


def test_it_adds_business_days_over_weekends_and_holidays() -> None:
    friday = dt.date(2027, 5, 14)

    assert add_business_days(friday, 1) == dt.date(2027, 5, 18)  # Sat, Sun, Pentecost Monday skipped
    assert add_business_days(dt.date(2027, 5, 5), 1) == dt.date(2027, 5, 7)  # Ascension skipped
    assert add_business_days(dt.date(2027, 5, 18), -1) == friday
    assert add_business_days(dt.date(2027, 5, 16), 0) == dt.date(2027, 5, 16)  # 0 leaves the day alone


def test_it_counts_the_business_days_of_may_2027() -> None:
    # 21 weekdays; 1 and 8 May are Saturdays, Ascension and Pentecost Monday are weekdays
    assert business_days_between(dt.date(2027, 5, 1), dt.date(2027, 5, 31)) == 19
    assert business_days_between(dt.date(2027, 5, 31), dt.date(2027, 5, 1)) == 0


def test_it_uses_the_weekend_of_the_plan_country() -> None:
    sunday = dt.date(2027, 1, 3)

    assert not is_business_day(sunday, "FR")
    assert is_business_day(sunday, "IL")  # Friday and Saturday are the weekend in Israel
    assert not is_business_day(dt.date(2027, 1, 8), "IL")


def test_it_refuses_a_country_without_a_holiday_calendar() -> None:
    with pytest.raises(UnknownCountryError, match="XX"):
        is_business_day(dt.date(2027, 1, 4), "XX")


def _business_by_hand(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in FR_HOLIDAYS


FR_HOLIDAYS = {  # 2025–2029, from the official list (Easter-based ones computed from dateutil's Easter)
    dt.date(y, m, d)
    for y in range(2025, 2030)
    for m, d in ((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))
} | {easter(y) + dt.timedelta(days=n) for y in range(2025, 2030) for n in (1, 39, 50)}

DAYS_2026_2028 = st.dates(dt.date(2026, 1, 20), dt.date(2028, 12, 10))


@settings(max_examples=300, deadline=None)
@given(DAYS_2026_2028)
def test_it_moves_back_to_the_latest_business_day_on_or_before_a_day(day: dt.date) -> None:
    moved = previous_business_day(day)

    assert is_business_day(moved) and _business_by_hand(moved)
    assert moved <= day
    assert not any(is_business_day(moved + dt.timedelta(days=i)) for i in range(1, (day - moved).days + 1))


@settings(max_examples=200, deadline=None)
@given(DAYS_2026_2028, st.integers(0, 300))
def test_it_counts_business_days_like_a_day_by_day_count(start: dt.date, length: int) -> None:
    end = start + dt.timedelta(days=length)
    by_hand = sum(1 for i in range(length + 1) if _business_by_hand(start + dt.timedelta(days=i)))

    assert business_days_between(start, end) == by_hand


@settings(max_examples=200, deadline=None)
@given(DAYS_2026_2028, st.integers(1, 200))
def test_it_adds_n_business_days_landing_on_the_nth_one(day: dt.date, count: int) -> None:
    later = add_business_days(day, count)

    assert is_business_day(later)
    assert business_days_between(day + dt.timedelta(days=1), later) == count
    assert add_business_days(later, -count) == previous_business_day(day)  # ``day`` itself when it is one


# --- fiscal quarters -------------------------------------------------------------------------


def test_it_puts_1_april_2027_in_q1_of_fy2027_when_the_fiscal_year_starts_in_april() -> None:
    assert fiscal_quarter(dt.date(2027, 4, 1), 4) == (2027, 1)
    assert fiscal_quarter(dt.date(2027, 3, 31), 4) == (2026, 4)
    assert fiscal_quarter(dt.date(2027, 12, 31), 4) == (2027, 3)
    assert fiscal_quarter(dt.date(2028, 1, 1), 4) == (2027, 4)
    assert fiscal_quarter_bounds(2027, 4, 4) == (dt.date(2028, 1, 1), dt.date(2028, 3, 31))


def test_it_uses_calendar_quarters_when_the_fiscal_year_starts_in_january() -> None:
    assert fiscal_quarter(dt.date(2027, 2, 28)) == (2027, 1)
    assert fiscal_quarter(dt.date(2027, 7, 1)) == (2027, 3)
    assert fiscal_quarter_bounds(2027, 1) == (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    assert fiscal_quarter_bounds(2027, 4) == (dt.date(2027, 10, 1), dt.date(2027, 12, 31))


def test_it_lists_the_fiscal_quarters_a_period_touches() -> None:
    assert fiscal_quarters_between(dt.date(2027, 1, 1), dt.date(2027, 6, 30), 10) == [(2026, 2), (2026, 3)]
    assert fiscal_quarters_between(dt.date(2027, 3, 31), dt.date(2027, 4, 1), 4) == [(2026, 4), (2027, 1)]


def test_it_refuses_a_fiscal_year_start_that_is_not_a_month() -> None:
    with pytest.raises(ValueError, match="month"):
        fiscal_quarter(dt.date(2027, 1, 1), 13)
    with pytest.raises(ValueError, match="quarter"):
        fiscal_quarter_bounds(2027, 5)


@settings(max_examples=200, deadline=None)
@given(st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)), st.integers(1, 12))
def test_it_places_every_day_inside_the_bounds_of_its_fiscal_quarter(day: dt.date, start_month: int) -> None:
    year, quarter = fiscal_quarter(day, start_month)
    first, last = fiscal_quarter_bounds(year, quarter, start_month)

    assert first <= day <= last
    assert first.day == 1 and (first.month - start_month) % 3 == 0
    assert 89 <= (last - first).days + 1 <= 92
    assert first.year in (year, year + 1)  # a fiscal year is named after the calendar year it starts in


def test_it_names_the_public_holidays_of_a_span_in_the_readers_language() -> None:
    french = holiday_names("FR", dt.date(2027, 3, 1), dt.date(2027, 5, 31), "fr")
    assert french[dt.date(2027, 3, 29)] == "Lundi de Pâques"
    assert set(french) == {
        dt.date(2027, 3, 29),
        dt.date(2027, 5, 1),
        dt.date(2027, 5, 6),
        dt.date(2027, 5, 8),
        dt.date(2027, 5, 17),
    }
    assert all(not is_business_day(day, "FR") for day in french)  # the days the schedule already skips
    english = holiday_names("FR", dt.date(2027, 3, 1), dt.date(2027, 3, 31), "en")
    assert english == {dt.date(2027, 3, 29): "Easter Monday"}
    # a language the country's calendar lacks: its default names, still every holiday
    assert set(holiday_names("US", dt.date(2027, 1, 1), dt.date(2027, 1, 31), "fr")) == {
        dt.date(2027, 1, 1),
        dt.date(2027, 1, 18),
    }
    with pytest.raises(UnknownCountryError):
        holiday_names("ZZ", dt.date(2027, 1, 1), dt.date(2027, 1, 31))
