"""The pack's charts: the funnel, plan versus actual stage by stage (Vega-Lite, like the cockpit's), and
every chart drawn to SVG by vl-convert — offline, nothing fetched — with numbers in the reader's locale."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from pac.web.cockpit.charts import SCHEMA

if TYPE_CHECKING:
    from pac.web.cockpit.reports.pack import FunnelLine

#: The width of a chart on an A4 page (CSS pixels), where the cockpit says "container".
PAGE_WIDTH = 560
LOCALES: dict[str, Any] = {"fr": "fr-FR", "en": "en-GB"}  # vl-convert's d3 time locales
#: Number formats as the pages' chart.js gives them to Vega: amounts in euros in both languages (d3's en-GB
#: would write them in pounds), French with its narrow spaces (« 2 500 € », « 25 % »).
NUMBER_LOCALES: dict[str, dict[str, Any]] = {
    "fr": {"decimal": ",", "thousands": "\u202f", "grouping": [3], "currency": ["", "\u00a0€"], "percent": "\u202f%"},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["€", ""]},
}


def funnel_chart(lines: Sequence[FunnelLine]) -> dict[str, Any] | None:
    """Each stage's volume asked for by now next to the volume counted in the CRM (bars)."""
    planned, actual = _("planned by now"), _("actual")
    points: list[dict[str, Any]] = []
    for order, line in enumerate(lines):
        if isinstance(line.to_date.value, int) and isinstance(line.actual.value, int):
            points.append({"stage": line.stage, "order": order, "measure": planned, "volume": line.to_date.value})
            points.append({"stage": line.stage, "order": order, "measure": actual, "volume": line.actual.value})
    if not points:
        return None
    return {
        "$schema": SCHEMA,
        "data": {"values": points},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "stage", "type": "nominal", "title": None, "sort": {"field": "order"}},
            "yOffset": {"field": "measure", "sort": [planned, actual]},
            "x": {"field": "volume", "type": "quantitative", "title": _("volume"), "scale": {"type": "symlog"}},
            "color": {
                "field": "measure",
                "type": "nominal",
                "title": None,
                "scale": {"domain": [planned, actual], "range": ["#c9ced6", "#2f6b8f"]},
            },
        },
        "width": PAGE_WIDTH,
        "height": {"step": 14},
    }


def to_svg(spec: dict[str, Any], language: str) -> str:
    """The chart as an SVG document, sized for the page, numbers and dates written per ``language``."""
    import vl_convert

    sized = copy.deepcopy(spec)
    if sized.get("width") == "container":
        sized["width"] = PAGE_WIDTH
    sized.setdefault("config", {}).setdefault("font", "DejaVu Sans")
    numbers = NUMBER_LOCALES.get(language, NUMBER_LOCALES["fr"])
    times = LOCALES.get(language, "fr-FR")
    return str(vl_convert.vegalite_to_svg(sized, vl_version="6.4", format_locale=numbers, time_format_locale=times))
