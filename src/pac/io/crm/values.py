"""Cell text → typed value: numbers, dates, date-times and yes/no as French and English exports write them.

Every parser takes the cell's text (already stripped, never empty) and returns the value or raises
``BadValue`` whose message is the reason shown to the user ("not a number", "no 31 February" …).

Numbers: ``1234.56``, ``1 234,56`` (space, no-break or narrow no-break space), ``1.234,56``, ``1,234.56``,
``1234,56``, ``-12``, ``(12)``, ``12 %`` (→ 0.12), with a currency sign or code around (``1 234,56 €``,
``USD 1,234.00``). A lone separator followed by exactly three digits (``1,234``) is ambiguous; the file's
``decimal`` separator decides (``,`` for a French Excel file, ``.`` otherwise).

Dates: ``2026-12-31``, ``2026-12-31 14:05[:00]``, ``2026-12-31T14:05:00[Z|+01:00]``, ``31/12/2026``,
``31.12.2026``, ``31-12-2026`` (optionally with a time), two-digit years. Slashed dates are day first
unless the order says month first (``mdy``, a US export); ``12/31/2026`` is read month first only when it
cannot be a day-first date (never silently: the caller can count how a column was read).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Literal

from pac.io.crm.problems import Reason, gettext_noop

DateOrder = Literal["dmy", "mdy"]
Decimal_ = Literal[",", "."]

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "oui", "o", "vrai", "x", "✓"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "non", "faux", "-"})

_PLAIN = re.compile(r"-?\d{1,20}(?:\.\d{1,20})?\Z")
_FRENCH = re.compile(r"-?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d{1,20})(?:,\d{1,20})?\Z")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_CURRENCY = re.compile(r"^(?:[A-Z]{3}|[€$£¥]|CHF|R\$)\s*|\s*(?:[A-Z]{3}|[€$£¥]|CHF|R\$)$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d+)*)(?:[.,]\d*)?$|^[+-]?[.,]\d+$")
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$"
)
_NUMERIC_DATE = re.compile(
    r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[T ]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?)?$"
)
_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


_NO_MONTH = gettext_noop("impossible date: there is no month {month}")
_NO_DAY = gettext_noop("impossible date: {year}-{month:02d} has no day {day}")
_FAR_YEAR = gettext_noop(
    "the year {year} is outside {first}–{last}: a placeholder for « no date » (such as 9999-12-31) is left empty"
)
#: The texts an Excel error cell holds (``#DIV/0!``…), as openpyxl reads them and as Excel saves them in a CSV.
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"})
#: The years a CRM date may have.
FIRST_YEAR, LAST_YEAR = 1900, 2199


class BadValue(ValueError):
    """A cell that does not hold what its column needs; ``reason`` is what the user is shown."""

    def __init__(self, template: str, **values: object) -> None:
        self.reason = Reason(template, **values)
        super().__init__(self.reason)


def parse_decimal(text: str, *, decimal: Decimal_ = ".") -> Decimal:
    """The number written in ``text``; ``decimal`` settles ``1,234`` / ``1.234`` (see the module doc)."""
    if _PLAIN.match(text) and (decimal == "." or "." not in text):
        return Decimal(text)  # the common case, fast: 1234 or 1234.56
    if decimal == "," and _FRENCH.match(text):  # a French spreadsheet's: 1 234 567,89
        return Decimal(_SPACES.sub("", text).replace(",", "."))
    body = text.strip()
    negative = body.startswith("(") and body.endswith(")")
    if negative:
        body = body[1:-1]
    percent = body.endswith("%")
    if percent:
        body = body[:-1]
    body = _CURRENCY.sub("", body.strip())
    body = _SPACES.sub("", body)
    if body.startswith("-") and negative:
        raise BadValue(gettext_noop("not a number"))
    if not body or not _NUMBER.match(body):
        raise BadValue(gettext_noop("not a number (expected e.g. 1 234,56 or 1234.56)"))
    body = _normalise_separators(body, decimal)
    try:
        number = Decimal(body)
    except InvalidOperation:
        raise BadValue(gettext_noop("not a number (expected e.g. 1 234,56 or 1234.56)")) from None
    if not number.is_finite():
        raise BadValue(gettext_noop("not a finite number"))
    if negative:
        number = -number
    return number / 100 if percent else number


def _normalise_separators(body: str, decimal: Decimal_) -> str:
    commas, dots = body.count(","), body.count(".")
    if commas and dots:  # both: the last one is the decimal separator, the other groups thousands
        point = "," if body.rfind(",") > body.rfind(".") else "."
        group = "." if point == "," else ","
        if body.count(point) > 1:
            raise BadValue(gettext_noop("not a number: two decimal separators"))
        _check_groups(body.split(point)[0], group)
        return body.replace(group, "").replace(",", ".")
    separator = "," if commas else "." if dots else ""
    if not separator:
        return body
    count = commas or dots
    if count > 1:  # 1.234.567 or 1,234,567: grouping only
        _check_groups(body, separator)
        return body.replace(separator, "")
    whole, fraction = body.split(separator)
    if len(fraction) == 3 and whole.lstrip("+-") not in ("", "0") and separator != decimal:
        return whole + fraction  # 1,234 in an English file, 1.234 in a French one: thousands
    return whole + "." + fraction


def _check_groups(whole: str, group: str) -> None:
    parts = whole.lstrip("+-").split(group)
    if len(parts) > 1 and (not 1 <= len(parts[0]) <= 3 or any(len(p) != 3 for p in parts[1:])):
        raise BadValue(gettext_noop("not a number: digits grouped oddly around '{group}'"), group=group)


def parse_moment(text: str, *, order: DateOrder = "dmy") -> dt.date | dt.datetime:
    """A date, or a date-time when the text has a time of day (other than a bare midnight), in the years
    a CRM's facts can have: ``9999-12-31``, a placeholder some exports write for « no date », is refused
    rather than taken for a deal closing in 8 000 years."""
    moment = _moment(text, order)
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise BadValue(_FAR_YEAR, year=moment.year, first=FIRST_YEAR, last=LAST_YEAR)
    return moment


def _moment(text: str, order: DateOrder) -> dt.date | dt.datetime:
    iso = _ISO.match(text)
    if iso:
        return _build(int(iso[1]), int(iso[2]), int(iso[3]), iso[4], iso[5], iso[6], iso[7], iso[8], text)
    numeric = _NUMERIC_DATE.match(text)
    if numeric:
        first, second, year = int(numeric[1]), int(numeric[3]), _full_year(numeric[4])
        readings = date_readings(text)
        if not readings:
            raise _impossible(first, second, year, order)
        chosen: DateOrder = order if order in readings else readings[0]
        day, month = (first, second) if chosen == "dmy" else (second, first)
        hour = numeric[5]
        if hour is not None and numeric[8]:
            hour = str(int(hour) % 12 + (12 if numeric[8].lower() == "pm" else 0))
        return _build(year, month, day, hour, numeric[6], numeric[7], None, None, text)
    return _french_long_date(text)


def date_readings(text: str) -> tuple[DateOrder, ...]:
    """How a slashed/dotted date can be read: ``("dmy",)``, ``("mdy",)``, both, or none; ISO gives ()."""
    numeric = _NUMERIC_DATE.match(text)
    if not numeric:
        return ()
    first, second, year = int(numeric[1]), int(numeric[3]), _full_year(numeric[4])
    readings: list[DateOrder] = []
    if _valid(year, second, first):
        readings.append("dmy")
    if _valid(year, first, second) and first != second:
        readings.append("mdy")
    return tuple(readings)


def parse_bool(text: str) -> bool:
    """Yes/no as exports write it: ``oui/non``, ``true/false``, ``1/0``, ``x``, ``vrai/faux``."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise BadValue(gettext_noop("not a yes/no value (expected oui/non, true/false, 1/0)"))


def _full_year(text: str) -> int:
    year = int(text)
    return year + (2000 if year < 70 else 1900) if len(text) == 2 else year


def _valid(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _impossible(first: int, second: int, year: int, order: DateOrder) -> BadValue:
    day, month = (first, second) if order == "dmy" else (second, first)
    if not 1 <= month <= 12:
        return BadValue(_NO_MONTH, month=month)
    return BadValue(_NO_DAY, year=year, month=month, day=day)


def _build(
    year: int,
    month: int,
    day: int,
    hour: str | None,
    minute: str | None,
    second: str | None,
    fraction: str | None,
    zone: str | None,
    text: str,
) -> dt.date | dt.datetime:
    if not 1 <= month <= 12:
        raise BadValue(_NO_MONTH, month=month)
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise BadValue(_NO_DAY, year=year, month=month, day=day) from None
    if hour is None:
        return date
    try:
        time = dt.time(int(hour), int(minute or 0), int(second or 0), int((fraction or "0").ljust(6, "0")))
    except ValueError:
        raise BadValue(gettext_noop("impossible time of day in '{text}'"), text=text) from None
    tzinfo = _zone(zone) if zone else None
    if time == dt.time(0) and tzinfo is None:
        return date  # "2026-12-31 00:00:00": what spreadsheets write for a plain date
    return dt.datetime.combine(date, time, tzinfo)


def _zone(zone: str) -> dt.tzinfo:
    if zone == "Z":
        return dt.UTC
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _french_long_date(text: str) -> dt.date:
    """``31 décembre 2026`` / ``1er mars 2027``, as a French spreadsheet may show them."""
    match = re.match(r"^(\d{1,2})(?:er)?\s+([^\W\d_]+)\.?\s+(\d{4})$", text.strip().lower())
    if match:
        month = next((i for i, name in enumerate(_MONTHS, 1) if name.startswith(match[2]) and len(match[2]) >= 3), None)
        if month is not None:
            if _valid(int(match[3]), month, int(match[1])):
                return dt.date(int(match[3]), month, int(match[1]))
            raise BadValue(_NO_DAY, year=match[3], month=month, day=int(match[1]))
    raise BadValue(gettext_noop("not a date (expected e.g. 31/12/2026 or 2026-12-31)"))
