"""Charts in the reader's language: the page gives Vega the French number and time locale (``2 500``,
``0,5``, « janv. 2027 »), the specs leave numbers and dates to that locale (no SI « 1M », no English date
pattern), and every tooltip line is titled (Vega would show the field's code: ``value``, ``week``)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

import pac.web
from pac.engine.pace import Pace, WeekPace
from pac.engine.workdays import IsoWeek

CHART_JS = Path(pac.web.__file__).parent / "static" / "pac" / "chart.js"


def _locale(language: str) -> dict[str, Any]:
    """The locale chart.js hands Vega for ``language``, read from its source (a JS object literal)."""
    source = CHART_JS.read_text(encoding="utf-8")
    block = source.split(f"{language}: {{", 1)[1].split("\n    }", 1)[0]
    as_json = re.sub(r"([{,]\s*)([a-zA-Z]+)\s*:", r'\1"\2":', "{" + block + "}")
    return json.loads(as_json)


def test_the_page_gives_vega_the_french_number_and_time_locale() -> None:
    french = _locale("fr")
    number, time = french["format"], french["time"]
    assert (number["decimal"], number["thousands"]) == (",", "\u202f")  # 0,5 and 2 500
    assert number["currency"] == ["", "\u00a0€"] and number["percent"] == "\u202f%"  # 2 500 € and 25 %
    assert time["shortMonths"][0] == "janv." and time["months"][0] == "janvier"  # « janv. 2027 »
    assert time["shortDays"][1] == "lun."
    english = _locale("en")
    assert (english["format"]["decimal"], english["format"]["thousands"]) == (".", ",")
    assert english["time"]["shortMonths"][0] == "Jan"


def _burnup() -> dict[str, Any]:
    from pac.web.cockpit.charts import burnup_chart

    weeks = []
    for n in range(8):
        monday = dt.date(2027, 1, 4) + dt.timedelta(weeks=n)
        planned = Decimal(125_000 * (n + 1))
        actual = Decimal(110_000 * (n + 1)) if n < 5 else None
        weeks.append(WeekPace(IsoWeek.of(monday), 5, n < 4, Decimal(125_000), None, None, planned, actual))
    pace = Pace(Decimal(1_000_000), tuple(weeks), Decimal(550_000), Decimal(450_000))
    band = [
        {"week": "2027-02-01", "low": 550_000.0, "high": 550_000.0},
        {"week": "2027-02-22", "low": 800_000.0, "high": 1_100_000.0},
    ]
    return burnup_chart(pace, band)


def _svg_text(spec: dict[str, Any], language: str) -> str:
    from pac.web.cockpit.reports.charts import to_svg

    svg = to_svg(spec, language)
    return re.sub(r"[\u202f\u00a0]", " ", " ".join(re.findall(r">([^<>]+)</text>", svg)))


def _tooltips(spec: dict[str, Any]) -> list[dict[str, Any]]:
    layers = spec.get("layer", [spec])
    return [layer["encoding"].get("tooltip") for layer in layers]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_burnup_writes_money_and_weeks_in_the_readers_locale(language: str) -> None:
    with translation.override(language):
        spec = _burnup()
        text = _svg_text(spec, language)
    if language == "fr":
        assert "1 000 000 €" in text and "janv." in text  # not 1M, not Jan
        assert "€1" not in text
    else:
        assert "€1,000,000" in text and "Jan" in text
    assert not re.search(r"\d[kM]\b", text)  # whole euros on the axis, not SI prefixes


def test_every_tooltip_line_is_titled_in_the_readers_language() -> None:
    from pac.web.cockpit.charts import kpi_chart

    with translation.override("en"):
        burnup = _burnup()
        rows = [
            {"kpi": "win_rate", "unit": "ratio", "status": "ok", "value": v, "period": p}
            for v, p in ((0.5, "2027-01"), (0.55, "2027-02"))
        ]
        kpi = kpi_chart(rows, "win_rate", {"2027-01": "Jan 2027", "2027-02": "Feb 2027"})
    assert kpi is not None
    for tips in [*_tooltips(burnup), *_tooltips(kpi)]:
        assert tips, "a chart whose tooltip shows raw field names"
        assert all(t["title"] and t["title"] != t["field"] for t in tips)
    value = next(t for t in _tooltips(kpi)[0] if t["field"] == "value")
    assert value["format"] == ".1%"  # « 50,0 % » with the French locale
