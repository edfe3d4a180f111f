"""The KPI page's tables in the reader's language: one KPI broken down as a pivot (a line per owner,
segment…, a column per period) and every KPI as a line of periods; cells written per unit (``25 %``,
``1 000 €``), periods titled in the reader's language (« mars 2027 », « T1 2027 »), and
why a value is missing said once per line."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from babel.dates import format_date
from django.utils.translation import gettext, gettext_lazy, ngettext

from pac.engine.formatting import Formatter
from pac.engine.kpis.definitions import KpiRow
from pac.engine.kpis.display import comment, kpi_label, value_text
from pac.engine.kpis.pivot import Line, Pivot
from pac.engine.labels import STAGE_NAMES
from pac.engine.model import Stage

#: A cell that has no row: nothing counted in that period.
EMPTY = "—"
#: Reasons said at most on a line (the others are rarer variants of the same story).
REASONS_SHOWN = 2

QUARTER_TITLE = gettext_lazy("Q%(quarter)s %(year)s")


def period_title(label: str, fmt: Formatter) -> str:
    """« mars 2027 », « 1 févr. » (the week's Monday), « T1 2027 » for the engine's ``2027-03``, ``2027-W05``,
    ``2027-Q1``."""
    year, _, rest = label.partition("-")
    if rest.startswith("W"):
        return str(format_date(dt.date.fromisocalendar(int(year), int(rest[1:]), 1), "d MMM", locale=fmt.locale))
    if rest.startswith("Q"):
        return str(QUARTER_TITLE) % {"quarter": rest[1:], "year": year}
    if rest.isdigit():
        return str(format_date(dt.date(int(year), int(rest), 1), "MMM y", locale=fmt.locale))
    return label


def cell(row: KpiRow | None, fmt: Formatter, compact: bool = False) -> str:
    """A value written for its unit, « — » for none (the reason is said once for the line); days, months or
    « per day » are in the KPI's label (« Cycle de vente (jours) »). ``compact`` rounds money (« 1,3 M € »)
    where every KPI shares the columns."""
    if row is None:
        return EMPTY
    if compact and row["unit"].startswith("currency") and row["status"] == "ok" and row["value"] is not None:
        return fmt.money_compact(row["value"])
    return str(value_text(row, fmt))


def _why(line: Line, fmt: Formatter) -> str:
    said = [comment(row, fmt, gettext) for row in line.reasons()]
    if not said and line.overall is not None:
        said = [comment(line.overall, fmt, gettext)]  # a note on the value
    return " · ".join(s for s in said[:REASONS_SHOWN] if s)


def _line(line: Line, fmt: Formatter, compact: bool = False) -> dict[str, Any]:
    return {
        "cells": [cell(row, fmt, compact) for row in line.cells],
        "overall": cell(line.overall, fmt, compact),
        "why": _why(line, fmt),
    }


def present_pivot(found: Pivot, fmt: Formatter, dimension_label: str) -> dict[str, Any]:
    return {
        "kpi": found.kpi,
        "label": kpi_label(found.kpi, gettext),
        "dimension": dimension_label,
        "periods": [period_title(p, fmt) for p in found.periods],
        "lines": [{"key": EMPTY if line.key is None else str(line.key), **_line(line, fmt)} for line in found.lines],
        "total": _line(found.total, fmt),
        "others": found.others,
        "more": _more(found.others, fmt),
        "why_not": comment(found.why_not, fmt, gettext) if found.why_not is not None else "",
    }


def stage_lines(found: Pivot) -> Pivot:
    """A pivot by stage with its lines named as people say the stages (« Démo », not ``demo``); a stage of
    the CRM's own (« qualification ») keeps its name."""

    def named(key: Any) -> Any:
        return gettext(STAGE_NAMES[Stage(key)]) if key in set(Stage) else key

    return dataclasses.replace(
        found, lines=tuple(dataclasses.replace(line, key=named(line.key)) for line in found.lines)
    )


def not_by_stage(kpi: str) -> Pivot:
    """The pivot of a KPI that is not broken down by stage: no line, and why (``not_by_stage``)."""
    why: KpiRow = {
        "kpi": kpi,
        "value": None,
        "unit": "",
        "period": None,
        "by": {"stage": None},
        "status": "not_computable",
        "reason": None,
        "reason_code": "not_by_stage",
        "reason_params": {},
        "note": None,
        "note_code": None,
        "note_params": {},
        "basis": None,
    }
    return Pivot(kpi, "stage", (), (), Line(None, (), None), 0, why)


def _more(others: int, fmt: Formatter) -> str:
    """« et 5 autres » under a capped pivot ('' when nothing is left out)."""
    if not others:
        return ""
    return ngettext("and %(count)s more", "and %(count)s more", others) % {"count": fmt.number(others, 0)}


def present_kpi_lines(lines: Sequence[Line], fmt: Formatter) -> list[dict[str, Any]]:
    """Every KPI as a line of periods; a KPI without any value says why once."""
    return [
        {
            "kpi": line.key,
            "label": kpi_label(line.key, gettext),
            "ok": line.has_value(),
            **_line(line, fmt, compact=True),
        }
        for line in lines
    ]


def chart_value(row: KpiRow | None) -> float | None:
    return row["value"] if row is not None and row["status"] == "ok" else None
