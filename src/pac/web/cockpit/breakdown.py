"""The CRM's side of breaking a plan down (``plans.breakdown``): the season read from the team's won revenue
month by month over the last whole months (``engine.breakdown.seasonality_from``), and each part's progress
so far as the plan page's card « Découpage » shows it. It lives here because it reads the CRM data against
the plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pac.engine.breakdown import seasonality_from
from pac.engine.formatting import Formatter
from pac.engine.funnel import revenue_target
from pac.engine.kpis.periods import add_months
from pac.engine.model import Metric
from pac.web.cockpit.figures_cache import cached_figures
from pac.web.cockpit.landing import plan_measured
from pac.web.crm.kpi_tables import team_tables
from pac.web.plans import adapters
from pac.web.plans.breakdown import part_label, parts_of
from pac.web.plans.models import Plan

#: How far back the season is read: up to two years of whole months (each calendar month averaged).
HISTORY_MONTHS = 24


@dataclass(frozen=True)
class Season:
    """Twelve monthly weights (January first, mean 1) and what they rest on: the whole months read and how
    many of them had won revenue."""

    weights: tuple[Decimal, ...]
    first: dt.date
    last: dt.date
    months_won: int


def history_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last ``HISTORY_MONTHS`` whole months before today's (the month under way would weigh too little)."""
    last = today.replace(day=1) - dt.timedelta(days=1)
    return add_months(last.replace(day=1), -(HISTORY_MONTHS - 1)), last


def won_by_month(plan: Plan, today: dt.date) -> list[tuple[dt.date, float]]:
    """The team's won revenue of each month of the window that has some, read by the KPI engine."""
    first, last = history_window(today)

    def compute() -> list[tuple[dt.date, float]]:
        from pac.engine.kpis import compute_kpis

        tables = team_tables(plan.team)
        if "opportunities" not in tables:
            return []
        rows = compute_kpis(tables, as_of=last, start=first, period="month", kpis=["revenue"])
        found = []
        for row in rows:
            if row["by"] or not row["period"] or row["value"] is None:
                continue
            year, _sep, month = str(row["period"]).partition("-")
            found.append((dt.date(int(year), int(month), 1), float(row["value"])))
        return sorted(found)

    return cached_figures("season", plan, (first, last), compute)


def season_from_history(plan: Plan, today: dt.date) -> Season | None:
    """The team's season; None when its CRM data has no won revenue in the window."""
    won = [(month, value) for month, value in won_by_month(plan, today) if value > 0]
    if not won:
        return None
    first, last = history_window(today)
    return Season(seasonality_from(won), first, last, len(won))


@dataclass(frozen=True)
class PartLine:
    """One part as the card lists it."""

    plan: Plan
    label: str
    amount: Decimal | None
    target: str
    actual: str
    share: str
    on_track: bool | None
    note: str


def part_lines(plan: Plan, today: dt.date, fmt: Formatter, progress: bool) -> list[PartLine]:
    """Each part: its revenue target and, with ``progress``, what is won so far against it (the cockpit's
    measure of its revenue objective, cached as the plan page's)."""
    from django.utils.translation import gettext as _

    lines = []
    for part in parts_of(plan):
        engine_part = adapters.to_engine(part)
        target = revenue_target(engine_part)
        actual = share = note = ""
        on_track: bool | None = None
        if progress and today < part.start:
            note = _("starts on %(date)s") % {"date": fmt.date(part.start)}
        elif progress:
            found = next(
                (p for p in plan_measured(part, engine_part, today) if p.objective.metric is Metric.REVENUE), None
            )
            if found is not None and found.actual.value is not None:
                actual = fmt.money(round(found.actual.value))
                share = fmt.percent(found.share, 0) if found.share is not None else ""
                on_track = found.on_track
            else:
                note = _("no won revenue measured yet")
        lines.append(
            PartLine(
                part,
                part_label(part.part_key, plan.fiscal_year_start, fmt) if part.part_key else part.name,
                target,
                fmt.money(target) if target is not None else "—",
                actual,
                share,
                on_track,
                note,
            )
        )
    return lines
