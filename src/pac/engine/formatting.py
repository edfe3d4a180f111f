"""Locale-aware display of numbers, rates, money and dates (Babel/CLDR), shared by CLI and web.

French is the default: ``1 000 000 €``, ``5,1 %``. The engine computes in Decimal; only this
module turns values into text.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_compact_currency, format_currency, format_decimal, format_percent

DEFAULT_LOCALE = "fr"


class Formatter:
    def __init__(self, locale: str = DEFAULT_LOCALE, currency: str = "EUR") -> None:
        self.locale = Locale.parse(locale.replace("-", "_"))
        self.currency = currency

    def number(self, value: int | Decimal, digits: int = 1) -> str:
        if isinstance(value, Decimal) and value != value.to_integral_value():
            value = round(value, digits)
        return str(format_decimal(value, locale=self.locale, group_separator=True))

    def percent(self, value: Decimal, digits: int = 1) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + " %"
        if self.locale.language == "en":
            pattern = pattern.replace(" %", "%")
        return str(format_percent(value, pattern, locale=self.locale))

    def money(self, value: Decimal | int, currency: str | None = None) -> str:
        pattern = copy.copy(self.locale.currency_formats["standard"])
        if Decimal(value) == Decimal(value).to_integral_value():
            pattern.frac_prec = (0, 0)
        return str(
            format_currency(
                Decimal(value), currency or self.currency, format=pattern, locale=self.locale, currency_digits=False
            )
        )

    def money_compact(self, value: Decimal | float, currency: str | None = None) -> str:
        """A rounded amount for a summary line: ``2,1 M €``, ``95,3 k €`` (``€2.1M`` in English)."""
        return str(format_compact_currency(value, currency or self.currency, locale=self.locale, fraction_digits=1))

    def date(self, value: dt.date) -> str:
        """``7 déc. 2026``, and the first of a month as French writes it: ``1er janv. 2027`` (``Jan 1, 2027``)."""
        text = str(format_date(value, "medium", locale=self.locale))
        if value.day == 1 and self.locale.language == "fr" and text.startswith("1"):
            return "1er" + text[1:]
        return text

    def month(self, value: dt.date) -> str:
        """A month and its year as a sentence says it: ``janvier 2017`` (``January 2017``)."""
        return str(format_date(value, "LLLL y", locale=self.locale))

    def quote(self, text: str) -> str:
        """A name quoted as the language does: « Relance » in French, “Follow-up” in English."""
        if self.locale.language == "fr":
            return f"«\u202f{text}\u202f»"
        return f"“{text}”"
