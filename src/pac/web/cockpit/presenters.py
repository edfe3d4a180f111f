"""What the cockpit shows, in the reader's language: KPI rows (label, value per unit, why not) and plan
versus actual (each objective's target, actual, share and where it should be by now, or why it has no
actual)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from pac.engine.formatting import Formatter
from pac.engine.kpis.display import comment, kpi_label, value_text
from pac.engine.kpis.reasons import explain
from pac.engine.labels import METRIC_LABELS, PERIOD_LABELS
from pac.engine.model import Metric, Plan
from pac.engine.progress import ObjectiveProgress, actual_reason
from pac.web.language import formatter


def present_kpi(row: Mapping[str, Any], fmt: Formatter) -> dict[str, Any]:
    return {
        **row,
        "label": kpi_label(row["kpi"], gettext),
        "shown": value_text(row, fmt),
        "comment": comment(row, fmt, gettext),
        "by_value": ", ".join("—" if v is None else str(v) for v in row["by"].values()),
    }


def _metric_value(metric: Metric | None, value: Decimal | None, fmt: Formatter) -> str:
    if value is None or metric is None:
        return "—"
    if metric in (Metric.REVENUE, Metric.AVERAGE_DEAL):
        return fmt.money(round(value))
    if metric is Metric.WIN_RATE:
        return fmt.percent(value)
    if metric is Metric.CYCLE_DAYS:
        return gettext("%(days)s days") % {"days": fmt.number(value, 1)}
    return fmt.number(value, 1)


def _kpi_reason(code: str, params: Mapping[str, Any], fmt: Formatter, translate: Any) -> str:
    return explain(code, params, translate, lambda n: fmt.number(n, 0))


def present_progress(lines: list[ObjectiveProgress], plan: Plan) -> list[dict[str, Any]]:
    """Plan versus actual, formatted: money for revenue, percent for rates, days for the cycle; an objective
    without an actual says why."""
    fmt = formatter(plan.currency)
    segments = {s.id: s.name for s in plan.segments}
    shown = []
    for p in lines:
        objective, metric = p.objective, p.objective.metric
        name = gettext(METRIC_LABELS[metric]) if metric is not None else objective.id
        if objective.per is not None:
            name = f"{name} ({gettext(PERIOD_LABELS[objective.per])})"
        shown.append(
            {
                "id": objective.id,
                "name": name,
                "segment": segments.get(objective.segment, objective.segment) if objective.segment else "",
                "deadline": fmt.date(objective.deadline) if objective.deadline else "",
                "metric": metric,
                "target": _metric_value(metric, p.target, fmt),
                "actual": _metric_value(metric, p.actual.value, fmt),
                "why": actual_reason(p.actual, fmt, gettext, _kpi_reason) if p.actual.value is None else "",
                "share": fmt.percent(p.share, 0) if p.share is not None else "—",
                "expected": fmt.percent(p.expected_share, 0),
                "on_track": p.on_track,
                "lower_is_better": metric is not None and metric.lower_is_better,
            }
        )
    return shown
