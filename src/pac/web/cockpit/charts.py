"""The cockpit's Vega-Lite charts (drawn by the vendored vega-embed): a KPI over the periods, and each
objective's share of its target next to the share expected by now."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from pac.engine.forecast import Forecast
from pac.engine.kpis.display import kpi_label
from pac.engine.pace import Pace
from pac.engine.progress import ObjectiveProgress

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier: nothing is fetched


def kpi_chart(rows: list[dict[str, Any]], kpi: str) -> dict[str, Any] | None:
    """One KPI over the periods, when there are at least two computed periods."""
    points = [
        {"period": r["period"], "value": r["value"]}
        for r in rows
        if r["kpi"] == kpi and r["status"] == "ok" and r["value"] is not None and r["period"]
    ]
    if len(points) < 2:
        return None
    ratio = any(r["kpi"] == kpi and r["unit"] == "ratio" for r in rows)
    return {
        "$schema": SCHEMA,
        "data": {"values": points},
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": "period", "type": "ordinal", "title": None},
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": kpi_label(kpi, _),
                **({"axis": {"format": "%"}} if ratio else {}),
            },
        },
        "width": "container",
        "height": 220,
    }


def progress_chart(lines: list[ObjectiveProgress], names: dict[str, str]) -> dict[str, Any] | None:
    """Each objective's share of its target next to the share expected by now (bars); ``names`` are the
    objectives' shown names by id."""
    actual, expected = _("actual"), _("expected by now")
    points = [
        point
        for line in lines
        if line.share is not None
        for point in (
            {
                "objective": names.get(line.objective.id, line.objective.id),
                "measure": actual,
                "share": float(line.share),
            },
            {
                "objective": names.get(line.objective.id, line.objective.id),
                "measure": expected,
                "share": float(line.expected_share),
            },
        )
    ]
    if not points:
        return None
    return {
        "$schema": SCHEMA,
        "data": {"values": points},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "objective", "type": "nominal", "title": None},
            "yOffset": {"field": "measure", "sort": [actual, expected]},
            "x": {"field": "share", "type": "quantitative", "title": _("share of target"), "axis": {"format": "%"}},
            "color": {
                "field": "measure",
                "type": "nominal",
                "title": None,
                "scale": {"domain": [actual, expected], "range": ["#2f6b8f", "#c9ced6"]},
            },
        },
        "width": "container",
        "height": {"step": 16},
    }


def burnup_chart(pace: Pace, band: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The bookings burn-up: the plan's cumulative target week by week, the actual so far and, when given,
    the forecast band (P10–P90 at the period's end, from today's actual). Dates are week Mondays; money
    is formatted by the page's locale (chart.js gives Vega the French or English format)."""
    plan_name, actual_name = _("plan"), _("actual")
    points = [
        {"week": w.week.monday.isoformat(), "series": plan_name, "value": float(w.planned_to_date)} for w in pace.weeks
    ]
    points += [
        {"week": w.week.monday.isoformat(), "series": actual_name, "value": float(w.actual_to_date)}
        for w in pace.weeks
        if w.actual_to_date is not None
    ]
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": points},
            "mark": {"type": "line", "point": True, "tooltip": True},
            "encoding": {
                "x": {"field": "week", "type": "temporal", "title": None, "axis": {"format": "%d %b"}},
                "y": {"field": "value", "type": "quantitative", "title": None, "axis": {"format": "$~s"}},
                "color": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": [plan_name, actual_name], "range": ["#c9ced6", "#2f6b8f"]},
                },
            },
        }
    ]
    if band:
        layers.insert(
            0,
            {
                "data": {"values": band},
                "mark": {"type": "area", "opacity": 0.25, "color": "#2f6b8f", "tooltip": True},
                "encoding": {
                    "x": {"field": "week", "type": "temporal"},
                    "y": {"field": "low", "type": "quantitative"},
                    "y2": {"field": "high"},
                },
            },
        )
    return {"$schema": SCHEMA, "layer": layers, "width": "container", "height": 240}


def forecast_band(pace: Pace, found: Forecast | None) -> list[dict[str, Any]] | None:
    """The forecast's P10–P90 as a band from this week's actual to the period's end."""
    if found is None:
        return None
    begun = [w for w in pace.weeks if w.actual_to_date is not None]
    if not begun or begun[-1] is pace.weeks[-1]:
        return None
    now, last = begun[-1], pace.weeks[-1]
    actual = float(now.actual_to_date or 0)
    return [
        {"week": now.week.monday.isoformat(), "low": actual, "high": actual},
        {"week": last.week.monday.isoformat(), "low": found.p10, "high": found.p90},
    ]
