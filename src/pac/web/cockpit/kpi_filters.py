"""What the KPI page was asked for (team, period, breakdown, KPI, date range), read from the query string:
a value the page does not know falls back to its default, so a hand-edited or stale link still shows a
page, never an error."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pac.engine.kpis import KPIS, PERIODS, Period
from pac.engine.kpis.periods import add_months
from pac.engine.kpis.pivot import Span, span

#: Breakdowns the page offers: a deal's own columns (its partner among them); a subscription KPI takes
#: segment and business unit from its account (``kpis.runner.ACCOUNT_DIMENSIONS``); stage: the stage KPIs
#: only (``kpis.stages``).
DIMENSIONS = ("owner", "segment", "channel", "product", "business_unit", "partner", "stage")
DEFAULT_KPI = "win_rate"
#: The longest date range a page computes: five years.
MAX_RANGE_MONTHS = 60


@dataclass(frozen=True)
class KpiFilters:
    team: Any
    period: Period | None
    by: str
    kpi: str
    start: dt.date | None  # as asked (None: the latest periods, or the whole history)
    end: dt.date
    span: Span | None  # the periods shown, when there is a period

    @property
    def computed_from(self) -> dt.date | None:
        """Where the KPIs are counted from: the first period shown, else the start asked."""
        return self.span.start if self.span is not None else self.start


def read_filters(query: Mapping[str, str], teams: Sequence[Any], today: dt.date) -> KpiFilters:
    team = next((t for t in teams if str(t.pk) == query.get("team")), teams[0] if teams else None)
    period_asked = query.get("period") or ""
    period: Period | None = next((p for p in PERIODS if p == period_asked), None)
    by = query.get("by") or ""
    kpi = query.get("kpi") or DEFAULT_KPI
    end = min(_date(query.get("end")) or today, today)
    start = _date(query.get("start"))
    if start is not None and start > end:
        start = None
    if start is not None:
        start = max(start, add_months(end, -MAX_RANGE_MONTHS))
    return KpiFilters(
        team=team,
        period=period,
        by=by if by in DIMENSIONS else "",
        kpi=kpi if kpi in KPIS else DEFAULT_KPI,
        start=start,
        end=end,
        span=span(start, end, period) if period is not None else None,
    )


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return None
    return day if day.year >= 1900 else None
