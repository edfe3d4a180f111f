"""Templates worded at display: a code's English template filled from its parameters, translated and
formatted for the reader's language (the same conventions as ``diagnostics.render``).

Alerts and corrective levers keep codes and figures; only the CLI or the web page turns them into a
sentence, so one result reads right in French and in English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal

from pac.engine.formatting import Formatter
from pac.engine.labels import ROLE_LABELS, STAGE_PLURALS, Translate
from pac.engine.model import Role, Stage


class Quoted(str):
    """A name to show between the reader's quotation marks (an action's, a plan's)."""

    __slots__ = ()


def render(
    template: str,
    params: Mapping[str, object],
    fmt: Formatter,
    translate: Translate,
    money: Collection[str] = (),
    special: Callable[[str, object, Callable[[str, object], str]], str | None] | None = None,
) -> str:
    """``*_rate`` values as percentages, keys in ``money`` in the formatter's currency, stages by their
    plural label, roles by their label, dates and numbers per locale, lists joined; ``special`` words the
    values a caller knows better (it gets ``show`` for the parts), None leaving them to the rules."""

    def show(key: str, value: object) -> str:
        shown = special(key, value, show) if special is not None else None
        if shown is not None:
            return shown
        if isinstance(value, Quoted):
            return fmt.quote(value)
        if isinstance(value, Stage):
            return translate(STAGE_PLURALS[value])
        if isinstance(value, Role):
            return translate(ROLE_LABELS[value])
        if key.endswith("_rate") and isinstance(value, Decimal):
            return fmt.percent(value)
        if key in money and isinstance(value, int | Decimal):
            return fmt.money(round(Decimal(value)))
        if isinstance(value, dt.date):
            return fmt.date(value)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int | Decimal):
            return fmt.number(value)
        if isinstance(value, list | tuple):
            return ", ".join(show(key, v) for v in value)
        return str(value)

    return translate(template).format(**{k: show(k, v) for k, v in params.items()})
