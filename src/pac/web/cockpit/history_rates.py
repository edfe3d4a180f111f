"""The plan page's card « Taux du plan face à l'historique »: each of the plan's rates (and its average deal)
next to what the team's CRM history gives over the last twelve months, with its basis, flagged when they
differ by more than the threshold (``engine.learned``). The figures are kept in the cockpit's cache until the
team's data, the plan or the day change (``figures_cache``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from pac.engine.formatting import Formatter
from pac.engine.kpis.display import kpi_label
from pac.engine.kpis.periods import add_months
from pac.engine.kpis.reasons import explain
from pac.engine.labels import STAGE_NAMES
from pac.engine.learned import Comparison, Learned, basis_text, comparisons, learn, shown_value
from pac.engine.model import Stage
from pac.web.cockpit.figures_cache import cached_figures
from pac.web.crm.kpi_tables import team_tables
from pac.web.plans import adapters
from pac.web.plans.models import Plan

#: How far back the card looks.
MONTHS = 12
#: History's figures the card shows below the plan's rates (no plan field takes them).
ALSO = ("average_deal_median", "sales_cycle_median", "no_show_rate")


def history_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months up to ``today``."""
    return add_months(today, -MONTHS) + dt.timedelta(days=1), today


def team_history(plan: Plan, today: dt.date) -> Learned | None:
    """What the plan's team's CRM data says over the last twelve months; None when the team has none."""
    start, end = history_range(today)

    def compute() -> Learned | None:
        tables = team_tables(plan.team)
        if "opportunities" not in tables and "leads" not in tables:
            return None
        return learn(tables, start, end)

    return cached_figures("history_rates", plan, (start, end), compute)


@dataclass(frozen=True)
class Line:
    label: str
    plan: str
    history: str
    basis: str
    difference: str
    flagged: bool


def _stage(code: str | Stage) -> str:
    return gettext(STAGE_NAMES[Stage(code)])


def _reason(fmt: Formatter) -> Any:
    return lambda code, params: explain(code, params, gettext, lambda n: fmt.number(n, 0))


def present(plan: Plan, learned: Learned, fmt: Formatter) -> dict[str, Any]:
    """The card's lines: the plan's rates and average deal next to history's, and history's other figures;
    flagged beyond the plan's own threshold (its alert thresholds' ``history_gap``)."""
    engine_plan = adapters.to_engine(plan)
    threshold = engine_plan.alerts.history_gap
    lines = [_line(c, fmt) for c in comparisons(engine_plan, learned, threshold)]
    also = []
    for name in ALSO:
        figure = learned.figure(name)
        if figure is not None:
            also.append({"label": kpi_label(name, gettext), "basis": basis_text(figure, fmt, gettext, _reason(fmt))})
    return {
        "lines": lines,
        "also": also,
        "flagged": sum(1 for line in lines if line.flagged),
        "threshold": fmt.percent(threshold, 0),
        "since": fmt.date(learned.start),
        "until": fmt.date(learned.end),
    }


def _line(c: Comparison, fmt: Formatter) -> Line:
    if c.kpi == "rate":
        label = f"{_stage(c.stage or '')} → {_stage(c.next_stage or '')}"
        mine = fmt.percent(c.plan_value, 0) if c.plan_value is not None else "—"
    else:
        label = kpi_label("average_deal", gettext)
        mine = fmt.money(round(c.plan_value)) if c.plan_value is not None else "—"
    figure = c.history
    if figure is None:
        history = "—"
        basis = gettext("no figure of the CRM history measures this step")
    elif figure.value is None:
        history, basis = "—", basis_text(figure, fmt, gettext, _reason(fmt))
    else:
        history, basis = shown_value(figure.kpi, figure.value, fmt, gettext), basis_text(figure, fmt, gettext)
    difference = ""
    if c.difference is not None:
        shown = fmt.percent(abs(c.difference), 0)
        # the sign of what rounds to 0 % says nothing: « 0 % », never « −0 % »
        sign = "" if round(abs(c.difference) * 100) == 0 else "+" if c.difference > 0 else "−"
        difference = sign + shown
    return Line(label, mine, history, basis, difference, c.flagged)
