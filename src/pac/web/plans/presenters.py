"""Turns an engine ``PlanAnalysis`` into what the plan page shows: formatted in the reader's
language, with the Vega-Lite spec of the weekly chart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from pac.engine.analysis import PlanAnalysis
from pac.engine.labels import STAGE_PLURALS
from pac.engine.model import Stage
from pac.web.language import formatter, role_label
from pac.web.plans.calendar_marks import week_label


def stage_label(stage: Stage) -> str:
    return gettext(STAGE_PLURALS[stage])


@dataclass(frozen=True)
class PlanPage:
    funnel: list[dict[str, Any]]
    lead_time_days: int | None
    stage_headers: list[str]
    before_plan: list[str] | None
    weekly: list[dict[str, Any]]
    capacity: list[dict[str, Any]]
    diagnostics: list[dict[str, Any]]
    chart: dict[str, Any] | None
    revenue: str | None
    average_deal: str | None


def present(analysis: PlanAnalysis) -> PlanPage:
    fmt = formatter(analysis.plan.currency)
    funnel, schedule = analysis.funnel, analysis.schedule
    stages = [s.stage for s in funnel.stages] if funnel else []
    funnel_rows = [
        {
            "stage": s.stage.value,
            "label": stage_label(s.stage),
            "volume": fmt.number(s.volume),
            "rate": fmt.percent(s.rate) if s.rate is not None else "—",
            "days": fmt.number(s.days_to_won),
        }
        for s in (funnel.stages if funnel else ())
    ]
    weekly: list[dict[str, Any]] = []
    before = None
    chart_values: list[dict[str, Any]] = []
    if schedule is not None:
        pre = schedule.before_plan()
        before = [fmt.number(pre.get(s, 0)) for s in stages] if pre else None
        for week in schedule.plan_weeks:
            volumes = [schedule.volume(week, s, False) for s in stages]
            if not any(volumes):  # a week with nothing to produce (a holiday week, the tail) is left out
                continue
            weekly.append(
                {
                    "week": week_label(week),
                    "iso": week.label,
                    "monday": fmt.date(week.monday),
                    "volumes": [fmt.number(v) for v in volumes],
                }
            )
        for row in schedule.rows:
            chart_values.append(
                {
                    "week": row.week.label,
                    "stage": stage_label(row.stage),
                    "order": row.stage.order,
                    "volume": row.volume,
                    "period": gettext("before the start") if row.before_plan else gettext("during the plan"),
                }
            )
    capacity = [
        {
            "role": role_label(rc.role),
            "headcount": fmt.number(rc.headcount),
            "needed": fmt.number(rc.hours_needed),
            "available": fmt.number(rc.hours_available),
            "utilisation": fmt.percent(rc.utilisation) if rc.utilisation is not None else "—",
            "peak": fmt.percent(rc.peak_utilisation) if rc.peak_utilisation is not None else "—",
            "over": len(rc.weeks_over_capacity),
            "headcount_needed": fmt.number(rc.headcount_needed),
            "before": fmt.number(rc.hours_before_plan),
            "overloaded": (rc.peak_utilisation or 0) > 1 or (rc.hours_needed > 0 and rc.headcount == 0),
        }
        for rc in analysis.capacity
    ]
    diagnostics = [
        {"code": d.code, "severity": d.severity.value, "message": d.message(fmt, gettext)} for d in analysis.diagnostics
    ]
    chart = weekly_chart(chart_values) if chart_values else None
    revenue = fmt.money(funnel.revenue_target) if funnel and funnel.revenue_target is not None else None
    return PlanPage(
        funnel_rows,
        funnel.lead_time_days if funnel else None,
        [stage_label(s) for s in stages],
        before,
        weekly,
        capacity,
        diagnostics,
        chart,
        revenue,
        fmt.money(analysis.plan.average_deal) if analysis.plan.average_deal else None,
    )


def weekly_chart(values: list[dict[str, Any]]) -> dict[str, Any]:
    """One small bar chart per stage (their volumes differ by orders of magnitude)."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": {"field": "week", "type": "ordinal", "title": gettext("ISO week"), "axis": {"labelAngle": -60}},
            "y": {"field": "volume", "type": "quantitative", "title": None},
            "color": {"field": "period", "type": "nominal", "title": None, "scale": {"range": ["#c8553d", "#2d6a8e"]}},
            "row": {
                "field": "stage",
                "type": "nominal",
                "title": None,
                "sort": {"field": "order"},
                "header": {"labelAngle": 0, "labelAlign": "left"},
            },
            "tooltip": [  # titled: without titles Vega shows the fields' codes (week, volume)
                {"field": "stage", "type": "nominal", "title": gettext("Stage")},
                {"field": "week", "type": "ordinal", "title": gettext("ISO week")},
                {"field": "volume", "type": "quantitative", "title": gettext("Volume"), "format": ",.0f"},
            ],
        },
        "resolve": {"scale": {"y": "independent"}},
        "height": 60,
        "width": {"step": 26},
    }
