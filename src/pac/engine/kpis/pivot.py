"""KPI rows laid out for reading: one KPI as a pivot (a line per value of the breakdown — owner, segment,
channel, product —, a column per period, the value over the whole range and a line for the whole team), and
every KPI as a line of periods. The tidy rows of a breakdown by period are thousands of lines (9 000 on the
demo); a pivot is at most :data:`MAX_LINES` lines, sorted by the latest period, the rest counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pac.engine.kpis.definitions import KpiRow
from pac.engine.kpis.periods import Period, label, truncate

#: Lines of a pivot shown at most; the others are counted (« et 5 autres »).
MAX_LINES = 30
#: Periods shown at most, the latest ones: twelve columns fit a page.
MAX_PERIODS = 12


@dataclass(frozen=True)
class Span:
    """The periods shown: the first one's start (what the KPIs are computed from) and their labels."""

    start: dt.date
    labels: tuple[str, ...]
    cut: bool  # the range held more periods than shown: the earliest are left out


def span(start: dt.date | None, end: dt.date, period: Period, limit: int = MAX_PERIODS) -> Span:
    """The periods from ``start`` (default: the ``limit`` latest) to ``end``, at most the ``limit`` latest."""
    if limit < 1:
        raise ValueError("limit must be >= 1")
    begins = [truncate(end, period)]
    while len(begins) < limit + 1:
        previous = _preceding(begins[0], period)
        if start is not None and previous < truncate(start, period):
            break
        begins.insert(0, previous)
    cut = len(begins) > limit
    begins = begins[-limit:]
    return Span(begins[0], tuple(str(label(b, period)) for b in begins), cut and start is not None)


def _preceding(begin: dt.date, period: Period) -> dt.date:
    """The start of the period before the one beginning on ``begin``."""
    return truncate(begin - dt.timedelta(days=1), period)


@dataclass(frozen=True)
class Line:
    """One line of a pivot: its key (a breakdown value, or a KPI name), its row for each period shown (None
    when the period has none) and its row over the whole range."""

    key: Any
    cells: tuple[KpiRow | None, ...]
    overall: KpiRow | None

    def latest(self) -> float | None:
        """The value of the latest period, when it has one."""
        last = self.cells[-1] if self.cells else self.overall
        return last["value"] if last is not None and last["status"] == "ok" else None

    def has_value(self) -> bool:
        return any(_ok(row) for row in (self.overall, *self.cells))

    def reasons(self) -> list[KpiRow]:
        """The rows saying why a value is missing, once per reason (code and parameters): a reason is said
        once for the line, not in every cell."""
        seen: dict[str, KpiRow] = {}
        for row in (self.overall, *self.cells):
            if row is not None and row["status"] != "ok" and row["reason_code"]:
                seen.setdefault(f"{row['reason_code']}:{sorted(row['reason_params'].items())}", row)
        return list(seen.values())


@dataclass(frozen=True)
class Pivot:
    """One KPI broken down: the lines shown (biggest latest value first), the whole team's line, how many
    lines are left out, and the row saying why the KPI has no value at all (None when it has some)."""

    kpi: str
    dimension: str
    periods: tuple[str, ...]
    lines: tuple[Line, ...]
    total: Line
    others: int
    why_not: KpiRow | None


def pivot(
    kpi: str,
    dimension: str,
    periods: Sequence[str],
    by_period: Iterable[KpiRow],
    overall: Iterable[KpiRow],
    team_by_period: Iterable[KpiRow],
    team_overall: Iterable[KpiRow],
    limit: int = MAX_LINES,
) -> Pivot:
    """``kpi`` by ``dimension``: ``by_period`` and ``overall`` are compute_kpis rows broken down by the
    dimension, with and without the period; ``team_*`` the same without the breakdown."""
    keyed = _lines(
        periods,
        [r for r in by_period if r["kpi"] == kpi],
        [r for r in overall if r["kpi"] == kpi],
        lambda r: r["by"].get(dimension),
    )
    team = _lines(
        periods,
        [r for r in team_by_period if r["kpi"] == kpi],
        [r for r in team_overall if r["kpi"] == kpi],
        lambda r: None,
    )
    total = team[0] if team else Line(None, tuple(None for _ in periods), None)
    shown = [line for line in keyed if line.has_value()]
    first = _first_counted([*shown, total])
    periods, total = periods[first:], _from(total, first)
    ranked = sorted((_from(line, first) for line in shown), key=_rank)
    why_not = total.overall if total.overall is not None and total.overall["status"] != "ok" else None
    return Pivot(kpi, dimension, tuple(periods), tuple(ranked[:limit]), total, max(len(ranked) - limit, 0), why_not)


def by_kpi(
    periods: Sequence[str], by_period: Iterable[KpiRow], overall: Iterable[KpiRow]
) -> tuple[tuple[str, ...], list[Line]]:
    """Every KPI as a line of periods (no breakdown), in the order of the rows, from the first period where
    one has a value."""
    lines = _lines(periods, list(by_period), list(overall), lambda r: r["kpi"])
    first = _first_counted(lines)
    return tuple(periods[first:]), [_from(line, first) for line in lines]


def _first_counted(lines: Sequence[Line]) -> int:
    """The first period where a line has a value (0 when none has): the periods before the data begins are
    empty columns."""
    width = len(lines[0].cells) if lines else 0
    counted = (i for i in range(width) if any(_ok(line.cells[i]) for line in lines))
    return next(counted, 0)


def _from(line: Line, first: int) -> Line:
    return Line(line.key, line.cells[first:], line.overall)


def _ok(row: KpiRow | None) -> bool:
    return row is not None and row["status"] == "ok"


def _lines(periods: Sequence[str], by_period: list[KpiRow], overall: list[KpiRow], key: Any) -> list[Line]:
    """Lines keyed by ``key(row)``, a line per key found; a row without a period among ``by_period`` says why
    the whole KPI has no value: it stands for the range."""
    column = {p: i for i, p in enumerate(periods)}
    cells: dict[Any, list[KpiRow | None]] = {}
    overall_of: dict[Any, KpiRow] = {}
    for row in by_period:
        line = cells.setdefault(key(row), [None] * len(periods))
        if row["period"] is None and row["status"] != "ok":
            overall_of.setdefault(key(row), row)
        elif row["period"] in column:
            line[column[row["period"]]] = row
    for row in overall:
        cells.setdefault(key(row), [None] * len(periods))
        overall_of[key(row)] = row
    return [Line(k, tuple(found), overall_of.get(k)) for k, found in cells.items()]


def _rank(line: Line) -> tuple[bool, float, bool, float, str]:
    """Biggest value of the latest period first, then biggest over the range, then by name; no value last."""
    latest = line.latest()
    whole = line.overall["value"] if line.overall is not None and line.overall["status"] == "ok" else None
    return (latest is None, -(latest or 0.0), whole is None, -(whole or 0.0), "" if line.key is None else str(line.key))
