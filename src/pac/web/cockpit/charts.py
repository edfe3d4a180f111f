"""The cockpit's Vega-Lite charts (drawn by the vendored vega-embed): a KPI over the periods, a broken-down
KPI's top values over the periods, and each objective's share of its target next to the share expected by
now."""

from __future__ import annotations

from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from pac.engine.forecast import Forecast
from pac.engine.kpis.display import kpi_label
from pac.engine.kpis.pivot import Pivot
from pac.engine.pace import Pace
from pac.engine.progress import ObjectiveProgress
from pac.web.cockpit.kpi_layout import chart_value

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier: nothing is fetched
#: Number formats by KPI unit (d3-format, written by the page's locale: « 2 500 € », « 25 % », « 0,5 »).
FORMATS = {"ratio": ".1%", "currency": "$,.0f", "count": ",.0f"}
#: Axis labels by unit: whole percents and whole euros (« 1 000 000 € », not the SI « 1M »).
AXIS_FORMATS = {"ratio": "%", "currency": "$,.0f"}
DAY = "%-d %b %Y"  # « 7 déc. 2026 »


def tip(field: str, title: Any, kind: str = "nominal", fmt: str | None = None) -> dict[str, Any]:
    """A tooltip line titled in the reader's language: without one, Vega shows the field's code (``value``)."""
    return {"field": field, "type": kind, "title": str(title), **({"format": fmt} if fmt else {})}


def _number_format(unit: str) -> str:
    return FORMATS.get(unit, ",.1~f")


def _axis(unit: str) -> dict[str, Any]:
    return {"axis": {"format": AXIS_FORMATS[unit]}} if unit in AXIS_FORMATS else {}


def kpi_chart(rows: list[dict[str, Any]], kpi: str, titles: dict[str, str] | None = None) -> dict[str, Any] | None:
    """One KPI over the periods, when there are at least two computed periods; ``titles`` are the periods'
    titles in the reader's language, by label."""
    titles = titles or {}
    points = [
        {"period": titles.get(r["period"], r["period"]), "value": r["value"]}
        for r in rows
        if r["kpi"] == kpi and r["status"] == "ok" and r["value"] is not None and r["period"]
    ]
    if len(points) < 2:
        return None
    unit = next((r["unit"] for r in rows if r["kpi"] == kpi), "")
    return {
        "$schema": SCHEMA,
        "data": {"values": points},
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": "period", "type": "ordinal", "title": None, "sort": None, "axis": {"labelAngle": 0}},
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": kpi_label(kpi, _),
                **({"axis": {"format": "%"}} if unit == "ratio" else {}),
            },
            "tooltip": [
                tip("period", _("Period")),
                tip("value", kpi_label(kpi, _), "quantitative", _number_format(unit)),
            ],
        },
        "width": "container",
        "height": 220,
    }


#: Lines drawn on a pivot's chart: the biggest values of the latest period (more would be a tangle).
PIVOT_SERIES = 6


def pivot_chart(found: Pivot, titles: list[str], unit: str) -> dict[str, Any] | None:
    """The top lines of a pivot over its periods (``titles``, in order), one colour each; over the whole
    range as bars when there is no period."""
    top = found.lines[:PIVOT_SERIES]
    axis = _axis(unit)
    label = kpi_label(found.kpi, _)
    series = capfirst(_(found.dimension)) if found.dimension else _("Series")
    value_tip = tip("value", label, "quantitative", _number_format(unit))
    if not found.periods:
        bars = [
            {"series": _series(line.key), "value": value}
            for line in found.lines[: PIVOT_SERIES * 2]
            if (value := chart_value(line.overall)) is not None
        ]
        if not bars:
            return None
        return {
            "$schema": SCHEMA,
            "data": {"values": bars},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "y": {"field": "series", "type": "nominal", "title": None, "sort": None},
                "x": {"field": "value", "type": "quantitative", "title": label, **axis},
                "tooltip": [tip("series", series), value_tip],
            },
            "width": "container",
            "height": {"step": 18},
        }
    points = [
        {"period": title, "series": _series(line.key), "value": value}
        for line in top
        for title, row in zip(titles, line.cells, strict=True)
        if (value := chart_value(row)) is not None
    ]
    if not points:
        return None
    return {
        "$schema": SCHEMA,
        "data": {"values": points},
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": "period", "type": "ordinal", "title": None, "sort": titles, "axis": {"labelAngle": 0}},
            "y": {"field": "value", "type": "quantitative", "title": label, **axis},
            "color": {"field": "series", "type": "nominal", "title": None, "sort": [_series(x.key) for x in top]},
            "tooltip": [tip("period", _("Period")), tip("series", series), value_tip],
        },
        "width": "container",
        "height": 260,
    }


def _series(key: Any) -> str:
    return "—" if key is None else str(key)


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
            "tooltip": [
                tip("objective", _("Objective")),
                tip("measure", _("Series")),
                tip("share", _("share of target"), "quantitative", ".0%"),
            ],
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
                "x": {"field": "week", "type": "temporal", "title": None, "axis": {"format": "%-d %b"}},
                "y": {"field": "value", "type": "quantitative", "title": None, **_axis("currency")},
                "color": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": [plan_name, actual_name], "range": ["#c9ced6", "#2f6b8f"]},
                },
                "tooltip": [
                    tip("week", _("Week"), "temporal", DAY),
                    tip("series", _("Series")),
                    tip("value", _("Amount"), "quantitative", FORMATS["currency"]),
                ],
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
                    "tooltip": [
                        tip("week", _("Week"), "temporal", DAY),
                        tip("low", "P10", "quantitative", FORMATS["currency"]),
                        tip("high", "P90", "quantitative", FORMATS["currency"]),
                    ],
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
