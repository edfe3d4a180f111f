"""ISO weeks and working days (pac.engine.calendar)."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from pac.engine.calendar import IsoWeek, weekdays_between, weekdays_in_week, weeks_between


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


def test_it_counts_the_weekdays_of_a_partial_week_inside_the_plan() -> None:
    start, end = dt.date(2027, 1, 1), dt.date(2027, 3, 31)  # Friday to Wednesday

    assert weekdays_in_week(IsoWeek(2026, 53), start, end) == 1
    assert weekdays_in_week(IsoWeek(2027, 1), start, end) == 5
    assert weekdays_in_week(IsoWeek(2027, 13), start, end) == 3
    assert weekdays_in_week(IsoWeek(2027, 14), start, end) == 0


@settings(max_examples=150, deadline=None)
@given(st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)), st.integers(-3, 400))
def test_it_counts_monday_to_friday_days_like_a_day_by_day_count(start: dt.date, length: int) -> None:
    end = start + dt.timedelta(days=length)
    by_hand = sum(1 for i in range(length + 1) if (start + dt.timedelta(days=i)).weekday() < 5)

    assert weekdays_between(start, end) == by_hand
