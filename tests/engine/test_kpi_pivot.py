"""KPI rows laid out as a pivot: the periods shown (the latest, bounded), lines sorted by the latest period
and capped, the whole team's line, a reason said once per line."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pac.engine.kpis import KpiRow
from pac.engine.kpis.pivot import MAX_PERIODS, by_kpi, pivot, span


def _row(period: str | None, owner: Any, value: float | None, code: str | None = None, **params: Any) -> KpiRow:
    return KpiRow(
        kpi="win_rate",
        value=value,
        unit="ratio",
        period=period,
        by={"owner": owner} if owner != "-" else {},
        status="ok" if value is not None else "not_computable",
        reason=None if value is not None else "why",
        reason_code=None if value is not None else (code or "no_closed_deal"),
        reason_params=params,
        note=None,
        note_code=None,
        note_params={},
    )


def test_the_periods_shown_are_the_latest_ones_ending_with_the_one_under_way() -> None:
    shown = span(None, dt.date(2027, 3, 15), "month")
    assert len(shown.labels) == MAX_PERIODS and shown.labels[-1] == "2027-03" and shown.labels[0] == "2026-04"
    assert shown.start == dt.date(2026, 4, 1) and not shown.cut
    weeks = span(dt.date(2026, 12, 20), dt.date(2027, 1, 6), "week")
    assert weeks.labels == ("2026-W51", "2026-W52", "2026-W53", "2027-W01") and weeks.start == dt.date(2026, 12, 14)
    long = span(dt.date(2020, 1, 1), dt.date(2027, 3, 15), "quarter")
    assert long.cut and len(long.labels) == MAX_PERIODS and long.labels[-1] == "2027-Q1"
    with pytest.raises(ValueError):
        span(None, dt.date(2027, 3, 15), "month", limit=0)


def test_a_pivot_shows_the_biggest_latest_values_first_and_counts_the_lines_left_out() -> None:
    periods = ["2027-01", "2027-02"]
    values = {f"rep{i:02d}": (i / 100, (i * 7 % 40) / 100 if i % 5 else None) for i in range(40)}
    by_period = [_row(p, owner, v) for owner, pair in values.items() for p, v in zip(periods, pair, strict=True)]
    overall = [_row(None, owner, pair[0]) for owner, pair in values.items()]
    overall.append(_row(None, "nobody", None))  # nothing to show for them
    team = [_row(p, "-", 0.5) for p in periods]
    found = pivot("win_rate", "owner", periods, by_period, overall, team, [_row(None, "-", 0.4)], limit=30)

    assert len(found.lines) == 30 and found.others == 10  # 40 owners with a value; « nobody » has none
    latest = [line.latest() for line in found.lines]
    known = [v for v in latest if v is not None]
    assert known == sorted(known, reverse=True) and latest[: len(known)] == known  # no value: last
    assert found.lines[0].key == max(values, key=lambda o: values[o][1] or -1)
    assert [c["value"] for c in found.total.cells if c] == [0.5, 0.5] and found.why_not is None
    assert all(line.key != "nobody" for line in found.lines)


def test_the_periods_before_the_data_begins_are_left_out() -> None:
    periods = ["2026-Q3", "2026-Q4", "2027-Q1"]
    rows = [_row("2026-Q4", "ann", 0.2), _row("2027-Q1", "ann", 0.3), _row("2027-Q1", "bob", 0.1)]
    found = pivot("win_rate", "owner", periods, rows, [], [_row("2026-Q4", "-", 0.2)], [])
    assert found.periods == ("2026-Q4", "2027-Q1") and [len(line.cells) for line in found.lines] == [2, 2]
    assert [line.key for line in found.lines] == ["ann", "bob"] and len(found.total.cells) == 2


def test_a_kpi_without_value_says_why_once() -> None:
    periods = ["2027-01", "2027-02", "2027-03"]
    rows = [_row(p, "-", None) for p in periods]
    shown, (line,) = by_kpi(periods, rows, [_row(None, "-", None)])
    assert shown == tuple(periods)
    assert len(line.reasons()) == 1 and not line.has_value()
    missing = pivot("win_rate", "owner", periods, [], [], [], [_row(None, "-", None, "no_table", table="x")])
    assert missing.lines == () and missing.why_not is not None and missing.why_not["reason_code"] == "no_table"
