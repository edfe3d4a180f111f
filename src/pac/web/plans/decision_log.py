"""The decision log's vocabulary: the kinds of arbitration, and what each decision changed as a code and
its parameters (JSON), worded in the reader's language when shown — as ``engine.diagnostics`` words its
codes. Texts only the engine can word (a lever in figures, an alert) are kept in each language at the
moment of the decision (``in_each_language``): a decision tells what the figures were then."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from pac.engine.forecast.categories import CATEGORY_LABELS
from pac.engine.formatting import Formatter
from pac.engine.labels import DEFAULT_LANGUAGE, LANGUAGES, gettext_noop
from pac.web.language import language

#: Each kind of arbitration as a filter and a column show it.
KIND_LABELS = {
    "priority": gettext_lazy("Priorities"),
    "lever": gettext_lazy("Corrective lever"),
    "alert": gettext_lazy("Alert"),
    "forecast": gettext_lazy("Forecast"),
    "meeting": gettext_lazy("Ritual"),
    "scenario": gettext_lazy("Scenario"),
}

#: What a decision changed, by code; ``{name}`` values come from the entry's parameters.
CHANGES: dict[str, str] = {
    "priority_included": gettext_noop("Action {action} kept in the selection, whatever its score."),
    "priority_excluded": gettext_noop("Action {action} left out of the selection, whatever its score."),
    "priority_withdrawn": gettext_noop("Override of action {action} withdrawn: the proposed selection applies."),
    "lever_accepted": gettext_noop("Corrective lever accepted: {lever} Actions added to the plan: {count}."),
    "alert_acknowledged": gettext_noop("Alert set aside until its situation changes: {alert}"),
    "alert_snoozed": gettext_noop("Alert snoozed until {until_day}: {alert}"),
    "forecast_adjusted": gettext_noop("{category} of {rep} for {start_day} – {end_day} set to {amount}."),
    "meeting_decision": gettext_noop("{decision}"),
    "scenario_promoted": gettext_noop("Scenario {scenario} promoted: it becomes the plan."),
}
#: A parameter worded as a quoted name.
QUOTED = {"action", "scenario"}
#: The longest free text a decision keeps (what was decided, why).
MAX_TEXT = 2000


def in_each_language(word: Callable[[], str]) -> dict[str, str]:
    """``word()`` in each language PAC speaks (under that language's catalogue): a text kept for later
    readers, whatever their language."""
    texts = {}
    for code in LANGUAGES:
        with translation.override(code):
            texts[code] = str(word())
    return texts


def text_in_language(texts: Mapping[str, str] | str) -> str:
    """The reader's language's text of ``in_each_language``'s result (French when it lacks it)."""
    if isinstance(texts, str):
        return texts
    return texts.get(language()) or texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()), "")


def _shown(key: str, value: Any, fmt: Formatter, currency: str) -> str:
    if isinstance(value, dict):
        return text_in_language(value)
    if key.endswith("_day") and isinstance(value, str):
        try:
            return fmt.date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if key == "amount":
        try:
            return fmt.money(Decimal(str(value)), currency)
        except (InvalidOperation, ValueError):
            return str(value)
    if key == "category":
        return gettext(CATEGORY_LABELS[value]) if value in CATEGORY_LABELS else str(value)
    if key == "rep":
        return str(value) if value else gettext("the team")
    if isinstance(value, int):
        return fmt.number(value, 0)
    if key in QUOTED:
        return fmt.quote(str(value))
    return str(value)


def worded_change(change: str, params: Mapping[str, Any], fmt: Formatter, currency: str = "EUR") -> str:
    """What a decision changed, in the reader's language; an unknown code (from a later version) is
    told as such rather than shown raw."""
    template = CHANGES.get(change)
    if template is None:
        return gettext("A decision of a kind this version does not know.")
    values = _Values({key: _shown(key, value, fmt, currency) for key, value in params.items()})
    try:
        return gettext(template).format_map(values)
    except (IndexError, ValueError):  # a translation that names other values: the English text
        return template.format_map(values)


class _Values(dict[str, str]):
    """A parameter missing from an entry (recorded by an older version) is shown as « … », not an error."""

    def __missing__(self, key: str) -> str:
        return "…"


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))
