"""A KPI row as a reader sees it, on the web page and in the terminal alike: its label, its value written
per unit and language (``25,3 %``, ``12 500 €``, ``41,5``), and why it has none — or what to know about it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pac.engine.formatting import Formatter
from pac.engine.kpis.definitions import LABELS
from pac.engine.kpis.reasons import explain
from pac.engine.labels import Translate, gettext_noop


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


#: A value's unit said after it where the KPI's label does not travel with it (« 51,8 jours »): one and
#: many, French and English both putting the plural from 2 on (« 1,5 jour »).
UNIT_WORDS: dict[str, tuple[str, str]] = {
    "days": (gettext_noop("{value} day"), gettext_noop("{value} days")),
    "months": (gettext_noop("{value} month"), gettext_noop("{value} months")),
    "currency/day": (gettext_noop("{value} per day"), gettext_noop("{value} per day")),
}


def value_with_unit(row: Mapping[str, Any], fmt: Formatter, translate: Translate) -> str:
    """The value with its unit in words (« 67,3 % », « 64 060 € », « 51,8 jours », « 14 mois »): for a
    terminal's table, where a value is read apart from its label."""
    text = value_text(row, fmt)
    words = UNIT_WORDS.get(row["unit"])
    if words is None or text == "—":
        return text
    one, many = words
    return translate(many if abs(row["value"]) >= 2 else one).format(value=text)


def comment(row: Mapping[str, Any], fmt: Formatter, translate: Translate) -> str:
    """Why the row has no value, or the note on its value, in the reader's language ('' when neither)."""
    for kind in ("reason", "note"):
        code = row.get(f"{kind}_code")
        if code:
            return explain(code, row.get(f"{kind}_params") or {}, translate, lambda n: fmt.number(n, 0))
    return ""
