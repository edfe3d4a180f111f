"""ISO weeks and working days: the time grid the funnel schedule and capacity are laid on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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


def weekdays_between(start: dt.date, end: dt.date) -> int:
    """Monday-to-Friday days in [start, end] (public holidays are not known at this layer)."""
    if end < start:
        return 0
    full_weeks, extra = divmod((end - start).days + 1, 7)
    count = full_weeks * 5
    for offset in range(extra):
        if (start + dt.timedelta(days=full_weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def weekdays_in_week(week: IsoWeek, start: dt.date, end: dt.date) -> int:
    """Monday-to-Friday days of ``week`` that fall inside [start, end]."""
    monday = week.monday
    return weekdays_between(max(monday, start), min(monday + dt.timedelta(days=6), end))
