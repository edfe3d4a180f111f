"""A KPI row as a reader sees it, on the web page and in the terminal alike: its label, its value written
per unit and language (``25,3 %``, ``12 500 €``, ``41,5``), and why it has none — or what to know about it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pac.engine.formatting import Formatter
from pac.engine.kpis.definitions import LABELS
from pac.engine.kpis.reasons import explain
from pac.engine.labels import Translate


def kpi_label(name: str, translate: Translate) -> str:
    return translate(LABELS[name]) if name in LABELS else name


def value_text(row: Mapping[str, Any], fmt: Formatter) -> str:
    """The value written for its unit; « — » when there is none."""
    value = row["value"]
    if row["status"] != "ok" or value is None:
        return "—"
    exact = Decimal(str(round(value, 4)))
    unit = row["unit"]
    if unit == "ratio":
        return fmt.percent(exact)
    if unit.startswith("currency"):
        return fmt.money(round(exact))
    if unit == "count":
        return fmt.number(int(exact), 0)
    return fmt.number(exact, 1)


def comment(row: Mapping[str, Any], fmt: Formatter, translate: Translate) -> str:
    """Why the row has no value, or the note on its value, in the reader's language ('' when neither)."""
    for kind in ("reason", "note"):
        code = row.get(f"{kind}_code")
        if code:
            return explain(code, row.get(f"{kind}_params") or {}, translate, lambda n: fmt.number(n, 0))
    return ""
