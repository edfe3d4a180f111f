"""Working time: ISO weeks, business days and fiscal quarters.

- ISO weeks and Monday-to-Friday counts: the grid the funnel schedule and capacity are laid on;
- business days: the weekend and public holidays of a country (``holidays`` package), cached per
  country and year;
- fiscal years and quarters with a configurable first month.

The schedule, capacity, calendar and progress all count time here, so that a holiday is a holiday
everywhere. The rules are explained for users in docs/calendar.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import holidays

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO 8601 week (Monday to Sunday); ordered by time."""

    year: int
    week: int

    @classmethod
    def of(cls, day: dt.date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    def shift(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.monday + dt.timedelta(weeks=weeks))

    def __str__(self) -> str:
        return self.label


def weeks_between(start: dt.date, end: dt.date) -> list[IsoWeek]:
    """Every ISO week that has at least one day in [start, end]."""
    first, last = IsoWeek.of(start), IsoWeek.of(end)
    weeks = [first]
    while weeks[-1] < last:
        weeks.append(weeks[-1].shift(1))
    return weeks


# --- business days ---------------------------------------------------------------------------

DEFAULT_COUNTRY = "FR"


@lru_cache(maxsize=1)
def supported_countries() -> frozenset[str]:
    """ISO 3166 codes the ``holidays`` package has a calendar for."""
    return frozenset(holidays.list_supported_countries())


def business_days_in_week(week: IsoWeek, start: dt.date, end: dt.date, country: str = DEFAULT_COUNTRY) -> list[dt.date]:
    """The business days (no weekend, no public holiday of ``country``) of ``week`` inside [start, end]."""
    days = (week.monday + dt.timedelta(days=i) for i in range(7))
    return [d for d in days if start <= d <= end and is_business_day(d, country)]


class UnknownCountryError(ValueError):
    """The ``holidays`` package has no public-holiday calendar for this country code."""

    def __init__(self, country: str) -> None:
        super().__init__(f"no public-holiday calendar for country {country!r} (use an ISO 3166 code such as FR)")
        self.country = country


def _country_holidays(country: str, years: Iterable[int]) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(country.upper(), years=list(years))
    except NotImplementedError:
        raise UnknownCountryError(country) from None


@lru_cache(maxsize=64)
def weekend_days(country: str = DEFAULT_COUNTRY) -> frozenset[int]:
    """The country's weekend as ``date.weekday()`` numbers (Saturday and Sunday in France: 5, 6)."""
    return frozenset(_country_holidays(country, ()).weekend)


@lru_cache(maxsize=1024)
def public_holidays(country: str, year: int) -> frozenset[dt.date]:
    """The country's public holidays in ``year`` (national ones, no regional subdivision).

    Cached per (country, year); computed from the neighbouring years too, so that a holiday a
    country observes across New Year is not lost."""
    found = _country_holidays(country, (year - 1, year, year + 1))
    return frozenset(day for day in found if day.year == year)


def holiday_names(country: str, start: dt.date, end: dt.date, language: str = "") -> dict[dt.date, str]:
    """The country's public holidays between ``start`` and ``end`` (inclusive) with their names, for the
    calendars to mark them: in ``language`` when the country's calendar has it (« Lundi de Pâques »),
    else in its default one."""
    years = list(range(start.year - 1, end.year + 2))
    found = _country_holidays(country, years)
    wanted = next((code for code in found.supported_languages if code.split("_")[0] == language), None)
    if wanted:
        found = holidays.country_holidays(country.upper(), years=years, language=wanted)
    return {day: str(name) for day, name in sorted(found.items()) if start <= day <= end}


def is_business_day(day: dt.date, country: str = DEFAULT_COUNTRY) -> bool:
    """Neither a weekend day nor a public holiday of ``country``."""
    return day.weekday() not in weekend_days(country) and day not in public_holidays(country, day.year)


def previous_business_day(day: dt.date, country: str = DEFAULT_COUNTRY) -> dt.date:
    """``day`` itself when it is a business day, else the closest business day before it
    (Easter Monday 2027-03-29 → Friday 2027-03-26)."""
    while not is_business_day(day, country):
        day -= ONE_DAY
    return day


def add_business_days(day: dt.date, days: int, country: str = DEFAULT_COUNTRY) -> dt.date:
    """The ``days``-th business day after ``day`` (before it when ``days`` is negative).

    ``day`` itself is never counted and need not be a business day; ``days == 0`` gives ``day``
    back unchanged. Friday 2027-05-14 + 1 is Tuesday 2027-05-18 (Pentecost Monday is skipped)."""
    step = ONE_DAY if days > 0 else -ONE_DAY
    remaining = abs(days)
    while remaining:
        day += step
        if is_business_day(day, country):
            remaining -= 1
    return day


def business_days_between(start: dt.date, end: dt.date, country: str = DEFAULT_COUNTRY) -> int:
    """Business days in [start, end], both ends included (0 when ``end`` is before ``start``)."""
    if end < start:
        return 0
    weekend = weekend_days(country)
    full_weeks, extra = divmod((end - start).days + 1, 7)
    count = full_weeks * (7 - len(weekend))
    tail = start + dt.timedelta(weeks=full_weeks)
    count += sum(1 for i in range(extra) if (tail + dt.timedelta(days=i)).weekday() not in weekend)
    for year in range(start.year, end.year + 1):
        count -= sum(1 for h in public_holidays(country, year) if start <= h <= end and h.weekday() not in weekend)
    return count


# --- fiscal years and quarters ---------------------------------------------------------------


def _check_start_month(start_month: int) -> None:
    if not 1 <= start_month <= 12:
        raise ValueError(f"fiscal_year_start must be a month number 1..12, not {start_month}")


def fiscal_year(day: dt.date, start_month: int = 1) -> int:
    """The fiscal year of ``day`` when fiscal years start on the 1st of ``start_month``.

    Naming convention: a fiscal year is named after the calendar year it **starts** in. With an
    April start, FY2027 runs from 2027-04-01 to 2028-03-31, so 2027-03-31 is in FY2026."""
    _check_start_month(start_month)
    return day.year if day.month >= start_month else day.year - 1


def fiscal_quarter(day: dt.date, start_month: int = 1) -> tuple[int, int]:
    """``(fiscal_year, quarter)`` of ``day``, quarter 1..4, fiscal year named after the calendar
    year it starts in (see ``fiscal_year``): with an April start, 2027-04-01 is (2027, 1) and
    2027-03-31 is (2026, 4); with a January start the fiscal year is the calendar year."""
    return fiscal_year(day, start_month), (day.month - start_month) % 12 // 3 + 1


def _month_start(year: int, month_index: int) -> dt.date:
    """The 1st of the ``month_index``-th month counted from January of ``year`` (0-based, may overflow)."""
    return dt.date(year + month_index // 12, month_index % 12 + 1, 1)


def fiscal_quarter_bounds(year: int, quarter: int, start_month: int = 1) -> tuple[dt.date, dt.date]:
    """First and last day of ``quarter`` (1..4) of fiscal year ``year``."""
    _check_start_month(start_month)
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1..4, not {quarter}")
    first = start_month - 1 + 3 * (quarter - 1)
    return _month_start(year, first), _month_start(year, first + 3) - ONE_DAY


def fiscal_quarters_between(start: dt.date, end: dt.date, start_month: int = 1) -> list[tuple[int, int]]:
    """Every fiscal ``(year, quarter)`` with at least one day in [start, end], in order."""
    quarters: list[tuple[int, int]] = []
    day = start
    while day <= end:
        year, quarter = fiscal_quarter(day, start_month)
        quarters.append((year, quarter))
        day = fiscal_quarter_bounds(year, quarter, start_month)[1] + ONE_DAY
    return quarters
