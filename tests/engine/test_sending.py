"""The sending window in the contact's time zone and the retry delays (``engine.sending``)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pac.engine.sending import in_window, local_now, retry_delay

UTC = dt.UTC


def at(hour: int, minute: int = 0, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_the_window_is_read_on_the_contacts_clock() -> None:
    # 7:30 UTC is 8:30 in Paris (winter), 2:30 in New York, 16:30 in Tokyo
    assert in_window(at(7, 30), "Europe/Paris", (8, 18))
    assert not in_window(at(7, 30), "America/New_York", (8, 18))
    assert in_window(at(7, 30), "Asia/Tokyo", (8, 18))
    assert not in_window(at(9, 0), "Asia/Tokyo", (8, 18))  # 18:00 there: the end is excluded
    assert not in_window(at(6, 59), "Europe/Paris", (8, 18))  # 7:59
    assert in_window(at(7, 0), "Europe/Paris", (8, 18))  # 8:00


def test_summer_time_moves_the_window_with_the_local_clock() -> None:
    summer = dt.datetime(2026, 7, 1, 6, 30, tzinfo=UTC)  # 8:30 in Paris (UTC+2)
    assert in_window(summer, "Europe/Paris", (8, 18))
    assert not in_window(summer - dt.timedelta(hours=1), "Europe/Paris", (8, 18))


def test_whole_day_empty_and_overnight_windows() -> None:
    assert all(in_window(at(h), "Europe/Paris", (0, 24)) for h in range(24))
    assert not any(in_window(at(h), "Europe/Paris", (9, 9)) for h in range(24))
    assert in_window(at(22), "UTC", (22, 6)) and in_window(at(3), "UTC", (22, 6))
    assert not in_window(at(12), "UTC", (22, 6))


def test_an_unknown_zone_is_read_as_utc_and_a_naive_clock_is_refused() -> None:
    assert local_now(at(10), "Mars/Olympus").utcoffset() == dt.timedelta(0)
    with pytest.raises(ValueError):
        in_window(dt.datetime(2026, 12, 2, 10), "Europe/Paris")
    with pytest.raises(ValueError):
        in_window(at(10), "Europe/Paris", (8, 25))


@given(st.integers(0, 24 * 60 - 1), st.integers(0, 23), st.integers(1, 24))
def test_the_window_holds_exactly_its_local_hours(minutes: int, start: int, end: int) -> None:
    now = at(0) + dt.timedelta(minutes=minutes)
    hour = local_now(now, "Europe/Paris").hour
    expected = start <= hour < end if start < end else (start != end and (hour >= start or hour < end))
    assert in_window(now, "Europe/Paris", (start, end)) == expected


def test_retries_wait_longer_each_time_up_to_a_cap() -> None:
    delays = [retry_delay(n, base=60, cap=3600).total_seconds() for n in range(1, 9)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert retry_delay(1000).total_seconds() == 3600
    with pytest.raises(ValueError):
        retry_delay(0)
