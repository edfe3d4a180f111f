"""The pack as a PDF: a Django template with a print style sheet (A4, the plan's name and the day in
the page header, page numbers), the charts drawn inline as SVG, laid out by WeasyPrint.

The PDF stays short whatever the plan's size: each list is cut at a few rows and says how many more
there are (« et 4 800 autres »); the workbook carries every row. WeasyPrint fetches nothing: only
``data:`` URLs would be read, and the page has none but its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

from pac.web.cockpit.reports.charts import to_svg
from pac.web.cockpit.reports.pack import ReviewPack
from pac.web.language import formatter

T = TypeVar("T")

#: Rows shown per list in the PDF, by kind of pack.
LIMITS = {
    "weekly": {"objectives": 20, "overdue": 15, "diagnostics": 10, "weeks": 4, "alerts": 10, "levers": 8},
    "quarterly": {"objectives": 30, "overdue": 25, "diagnostics": 20, "weeks": 27, "alerts": 15, "levers": 12},
}
#: Lines of the glance page: headlines and points of attention.
GLANCE_LINES = 5
GLANCE_ALERTS = 3


@dataclass(frozen=True)
class Capped(Generic[T]):
    """The first rows of a list, and how many were left out (worded)."""

    rows: Sequence[T]
    more: str


def capped(rows: Sequence[T], limit: int, currency: str = "EUR") -> Capped[T]:
    left = len(rows) - limit
    if left <= 0:
        return Capped(rows, "")
    count = formatter(currency).number(left, 0)
    return Capped(rows[:limit], ngettext("and %(count)s more", "and %(count)s more", left) % {"count": count})


def _svg(spec: dict[str, Any] | None, language: str) -> SafeString | None:
    if spec is None:
        return None
    return mark_safe(to_svg(spec, language))


def pack_html(pack: ReviewPack) -> str:
    """The pack's HTML page (also what a browser would print)."""
    limits = LIMITS[pack.kind]
    context = {
        "pack": pack,
        "headlines": capped(pack.headlines, GLANCE_LINES, pack.currency),
        "changes": [o for o in pack.objectives if o.change.known],
        "attention": capped(pack.attention, GLANCE_LINES, pack.currency),
        "top_alerts": capped(pack.alerts, GLANCE_ALERTS, pack.currency) if pack.alerts is not None else None,
        "objectives": capped(pack.objectives, limits["objectives"], pack.currency),
        "overdue": capped(pack.overdue, limits["overdue"], pack.currency),
        "diagnostics": capped(pack.diagnostics, limits["diagnostics"], pack.currency),
        "weeks": capped(pack.weeks, limits["weeks"], pack.currency),
        "alerts": capped(pack.alerts, limits["alerts"], pack.currency) if pack.alerts is not None else None,
        "levers": capped(pack.levers, limits["levers"], pack.currency) if pack.levers is not None else None,
        "tiles_changed": [t for t in pack.kpis if t.change.known and not t.measures_objective],
        "charts": {name: _svg(spec, pack.language) for name, spec in pack.charts.items()},
    }
    return render_to_string("cockpit/reports/pack.html", context)


def pack_pdf(pack: ReviewPack) -> bytes:
    """The pack as PDF bytes."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = pack_html(pack)
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"}), base_url="data:,")
    return bytes(document.write_pdf())
