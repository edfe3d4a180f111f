"""Periods of the KPI rows: their labels (``2027-W05``, ``2027-03``, ``2027-Q1``) and calendar arithmetic."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any, Literal

Period = Literal["week", "month", "quarter"]
PERIODS: tuple[Period, ...] = ("week", "month", "quarter")
#: Ibis truncation unit of each period.
TRUNCATE = {"week": "W", "month": "M", "quarter": "Q"}


def as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def label(start: Any, period: Period | None) -> str | None:
    """The label of the period that begins on ``start``."""
    if period is None or start is None:
        return None
    day = as_date(start)
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def truncate(day: dt.date, period: Period) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def following(day: dt.date, period: Period) -> dt.date:
    if period == "week":
        return day + dt.timedelta(days=7)
    return add_months(day, 1 if period == "month" else 3)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def months_between(start: Any, end: Any) -> float:
    """Calendar months from ``start`` to ``end`` (2024-03-01 → 2024-04-01 is 1), fractions by day."""
    first, last = as_date(start), as_date(end)
    whole = (last.year - first.year) * 12 + last.month - first.month
    if last.day < first.day:
        whole -= 1
    anchor = add_months(first, whole)
    step = add_months(first, whole + 1)
    return whole + (last - anchor).days / (step - anchor).days
