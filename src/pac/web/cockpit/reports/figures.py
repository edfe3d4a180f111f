"""A figure of the pack: its value, what kind of value it is, and how the reader writes it.

The PDF shows the text (``1 000 000 €``, ``25 %``, « 1 déc. 2026 »); the workbook writes the value as a
number or a date of that kind, so that both come from one computation and never disagree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext

from pac.engine.formatting import Formatter

MONEY, PERCENT, NUMBER, INT, DAYS, DATE, TEXT = "money", "percent", "number", "int", "days", "date", "text"
NONE = "—"


@dataclass(frozen=True)
class Figure:
    value: Decimal | int | dt.date | str | None
    kind: str
    text: str

    @property
    def known(self) -> bool:
        return self.value is not None


class Figures:
    """Figures written in one language and currency (those of ``fmt``)."""

    def __init__(self, fmt: Formatter) -> None:
        self.fmt = fmt

    def money(self, value: Decimal | int | None) -> Figure:
        return Figure(value, MONEY, NONE if value is None else self.fmt.money(round(Decimal(value))))

    def percent(self, value: Decimal | None, digits: int = 0) -> Figure:
        return Figure(value, PERCENT, NONE if value is None else self.fmt.percent(value, digits))

    def number(self, value: Decimal | int | None, digits: int = 1) -> Figure:
        return Figure(value, NUMBER, NONE if value is None else self.fmt.number(value, digits))

    def count(self, value: int | None) -> Figure:
        return Figure(value, INT, NONE if value is None else self.fmt.number(value, 0))

    def days(self, value: Decimal | int | None) -> Figure:
        if value is None:
            return Figure(None, DAYS, NONE)
        return Figure(value, DAYS, gettext("%(days)s days") % {"days": self.fmt.number(value, 1)})

    def points(self, value: Decimal) -> Figure:
        """A change of a rate, in percentage points (64,5 % − 62,2 % is « 2,3 pts », not 2,3 %)."""
        return Figure(value, PERCENT, gettext("%(points)s pts") % {"points": self.fmt.number(value * 100, 1)})

    def date(self, value: dt.date | None) -> Figure:
        return Figure(value, DATE, NONE if value is None else self.fmt.date(value))

    def of_unit(self, value: float | Decimal | None, unit: str) -> Figure:
        """A KPI value by the KPI engine's unit (``ratio``, ``currency``, ``count``, ``days``…)."""
        if value is None:
            return Figure(None, TEXT, NONE)
        exact = Decimal(str(round(value, 4)))
        if unit == "ratio":
            return self.percent(exact, 1)
        if unit.startswith("currency"):
            return self.money(exact)
        if unit == "count":
            return self.count(int(exact))
        if unit == "days":
            return self.days(round(exact, 1))
        return self.number(exact)

    def change(self, now: Figure, before: Figure) -> Figure:
        """``now`` minus ``before`` with its sign (« +20 000 € »), in the kind of ``now``."""
        if not isinstance(now.value, int | Decimal) or not isinstance(before.value, int | Decimal):
            return Figure(None, now.kind, NONE)
        delta = Decimal(now.value) - Decimal(before.value)
        shown = {
            MONEY: self.money,
            PERCENT: self.points,
            INT: lambda v: self.count(int(v)),
            DAYS: self.days,
        }.get(now.kind, self.number)(abs(delta))
        sign = "+" if delta > 0 else "−" if delta < 0 else ""
        return Figure(delta, now.kind, sign + shown.text)
