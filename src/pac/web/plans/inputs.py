"""Numbers as people type them, in one place: ``1 000 000``, ``1 000 000,50`` (plain, non-breaking or
narrow non-breaking spaces) on French pages, ``1,000,000.50`` on English ones; rates and weights typed in
per cent (``25``, ``25 %``, ``25,5``) and kept as fractions; each shown back the way it is typed.

The parsing is pure (``parse_number`` takes the language); the form fields read the reader's language
from the active translation."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from babel.dates import get_month_names
from babel.numbers import format_decimal
from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from pac.web.language import language

SPACES = " \u00a0\u202f\u2009"  # plain, non-breaking, narrow non-breaking and thin spaces
_CURRENCY = re.compile(r"^(?:€|\$|£|[A-Z]{3}\b)|(?:€|\$|£|\b[A-Z]{3})$")  # a sign or ISO code before or after
#: per language: the decimal mark, and the grouping marks between thousands
_MARKS = {"fr": (",", SPACES), "en": (".", SPACES + ",")}


def parse_number(text: str, lang: str, *, percent: bool = False, money: bool = False) -> Decimal:
    """The number ``text`` writes in ``lang`` (``fr`` or ``en``); ValueError when it writes none.

    Groups of three digits may be split by spaces (French) or commas and spaces (English); French also
    takes a point as the decimal mark when no comma is used (``0.25``), English never a comma as one.
    ``percent`` allows a trailing ``%``, ``money`` a currency sign or code."""
    decimal, groups = _MARKS.get(lang, _MARKS["fr"])
    body = text.strip()
    if percent:
        body = body.removesuffix("%").strip(SPACES)
    if money:
        body = _CURRENCY.sub("", body).strip(SPACES)
    sign = ""
    if body and body[0] in "-+−":
        sign, body = ("-" if body[0] in "-−" else ""), body[1:].strip(SPACES)
    group = "[" + re.escape(groups) + "]"
    mark = "[,.]" if decimal == "," else re.escape(decimal)
    found = re.fullmatch(rf"(?P<whole>\d{{1,3}}(?:{group}\d{{3}})+|\d+)(?:{mark}(?P<fraction>\d+))?", body)
    if found is None:
        raise ValueError(text)
    digits = re.sub(group, "", found["whole"])
    fraction = found["fraction"]
    return Decimal(f"{sign}{digits}.{fraction}" if fraction else f"{sign}{digits}")


def show_number(value: Decimal | int | None, lang: str, *, cents: bool = False) -> str:
    """``value`` written for ``lang``: grouped thousands, the decimals it has and no trailing zeros
    (``1 000 000``, ``25,5``); ``cents`` writes a fractional amount with two (``1 000 000,50``)."""
    if value is None:
        return ""
    number = Decimal(value).normalize()
    exponent = int(number.as_tuple().exponent)
    decimals = max(-exponent, 0)
    if cents and decimals:
        decimals = max(decimals, 2)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return str(format_decimal(number, pattern, locale=lang, group_separator=True))


def show_percent(fraction: Decimal, lang: str) -> str:
    """A fraction in per cent as it is typed: ``0.255`` → « 25,5 % » (“25.5%” in English)."""
    return show_number((Decimal(fraction) * 100).normalize(), lang) + ("\u202f%" if lang == "fr" else "%")


def _examples(percent: bool, lang: str) -> dict[str, str]:
    if percent:
        return {"example": "25 %" if lang == "fr" else "25%", "decimal_example": show_number(Decimal("12.5"), lang)}
    return {
        "example": show_number(1000000, lang),
        "decimal_example": show_number(Decimal("1000000.50"), lang, cents=True),
    }


class LocaleDecimalField(forms.DecimalField):
    """A decimal typed the reader's way (grouped thousands, their decimal mark), shown back that way."""

    percent = False
    money = False
    accepts_signs = False  # a target may be a count, an amount (« € ») or a win rate (« % »)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        if isinstance(kwargs["widget"], type) or not isinstance(kwargs["widget"], forms.TextInput):
            kwargs["widget"] = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {}  # no step/min/max: the text field takes spaces and commas that a number input refuses

    def error_message(self) -> str:
        lang = language()
        if self.percent:
            return _("Write a percentage such as %(example)s or %(decimal_example)s.") % _examples(True, lang)
        if self.money:
            return _("Write an amount such as %(example)s or %(decimal_example)s.") % _examples(False, lang)
        return _("Write a number such as %(example)s or %(decimal_example)s.") % _examples(False, lang)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal | int):
            return Decimal(value)
        text = str(value).strip()
        if not text:
            return None
        try:
            signs = self.accepts_signs
            number = parse_number(text, language(), percent=self.percent or signs, money=self.money or signs)
        except ValueError:
            raise ValidationError(self.error_message(), code="invalid") from None
        return self.convert(number)

    def convert(self, number: Decimal) -> Decimal:
        return number

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return self.show(Decimal(value))
        return value

    def show(self, value: Decimal) -> str:
        return show_number(value, language())


class LocaleIntegerField(LocaleDecimalField):
    """A whole number with grouped thousands (``12 000`` accounts)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("max_digits", None)
        kwargs.pop("decimal_places", None)
        super().__init__(*args, **kwargs)

    def convert(self, number: Decimal) -> Decimal:
        if number != number.to_integral_value():
            raise ValidationError(
                _("Write a whole number such as %(example)s.") % {"example": show_number(12000, language())},
                code="invalid",
            )
        return number.to_integral_value()


class MoneyField(LocaleDecimalField):
    """An amount: ``1 000 000`` or ``1 000 000,50`` (a currency sign is allowed and ignored)."""

    money = True

    def show(self, value: Decimal) -> str:
        return show_number(value, language(), cents=True)


class PercentField(LocaleDecimalField):
    """A rate or a weight typed in per cent (``25``, ``25 %``, ``25,5``) and kept as a fraction (0.25)."""

    percent = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))  # a share: 0 to 100 % unless the field says otherwise
        kwargs.setdefault("max_value", Decimal(1))
        super().__init__(*args, **kwargs)

    def convert(self, number: Decimal) -> Decimal:
        places = (self.decimal_places or 4) - 2
        if -number.as_tuple().exponent > max(places, 0):  # type: ignore[operator]
            raise ValidationError(
                _("Give the percentage with at most %(places)s decimals.") % {"places": max(places, 0)},
                code="max_decimal_places",
            )
        fraction = number / 100
        if self.min_value is not None and fraction < self.min_value:
            raise ValidationError(
                _("Give a percentage of at least %(limit)s.") % {"limit": self.show_percent(self.min_value)},
                code="min_value",
            )
        if self.max_value is not None and fraction > self.max_value:
            raise ValidationError(
                _("Give a percentage of at most %(limit)s.") % {"limit": self.show_percent(self.max_value)},
                code="max_value",
            )
        return fraction

    def show_percent(self, fraction: Any) -> str:
        return self.show(Decimal(fraction))

    def show(self, value: Decimal) -> str:
        return show_percent(value, language())


def month_choices(lang: str | None = None) -> list[tuple[int, str]]:
    """The twelve months by name in the reader's language (janvier… / January…), numbered from 1."""
    names = get_month_names("wide", locale=lang or language())
    return [(number, str(names[number])) for number in range(1, 13)]


def unique_slug(title: str, taken: set[str], max_length: int = 64) -> str:
    """An id made from a title (« Relance pipeline » → ``relance-pipeline``), numbered when the plan has it
    already (``relance-pipeline-2``)."""
    base = (slugify(title) or "item")[:max_length].strip("-") or "item"
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate, n = base[: max_length - len(suffix)].rstrip("-") + suffix, n + 1
    return candidate
