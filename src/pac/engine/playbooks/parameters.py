"""A playbook's parameters: their types, bounds and defaults, and the values a user gives checked against
them before anything is rendered (a value that is not of its type, or out of its bounds, never reaches
the template; errors name the parameter and say how to fix it)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter, ValidationError

from pac.engine.fieldtypes import Day
from pac.engine.labels import Message, gettext_noop
from pac.engine.workdays import is_business_day, supported_countries

#: Longest text a text parameter takes, and most items of a list parameter.
MAX_TEXT = 200
MAX_ITEMS = 50
#: A username, as the web app's accounts take it.
USERNAME = re.compile(r"^[\w.@+-]{1,150}$")
#: A bound relative to another date parameter: ``start+60d``, ``start-7d``.
RELATIVE = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*([+-])\s*(\d{1,4})\s*d\s*$")
MAX_MONEY = Decimal("1e13")


class ParamType(StrEnum):
    DATE = "date"
    MONEY = "money"
    INTEGER = "integer"
    RATE = "rate"
    TEXT = "text"
    DATES = "dates"
    PEOPLE = "people"


@dataclass(frozen=True)
class Parameter:
    """One parameter: ``default`` None means required; ``minimum``/``maximum`` bound a number, a date (or
    each date of a list; a date bound may be relative, ``start+60d``), or a text's length; ``min_items``
    and ``max_items`` bound a list; ``business_day``: a date that is not one moves to the next one."""

    name: str
    type: ParamType
    description: dict[str, str]
    default: Any = None
    minimum: Any = None
    maximum: Any = None
    min_items: int = 0
    max_items: int = MAX_ITEMS
    business_day: bool = False

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class Problem:
    """What is wrong with a parameter (or with the playbook): ``parameter: message``."""

    parameter: str
    message: Message

    def explained(self, translate: Any = None) -> str:
        text = self.message.explained(translate) if translate else str(self.message)
        return f"{self.parameter}: {text}" if self.parameter else text


class PlaybookError(ValueError):
    """The playbook cannot be instantiated with these values; ``problems`` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.explained() for p in problems))

    def lines(self, translate: Any = None) -> list[str]:
        return [p.explained(translate) for p in self.problems]


class _Invalid(Exception):
    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


_DAY = TypeAdapter(Day)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return _DAY.validate_python(value if isinstance(value, str) else repr(value))
    except ValidationError as error:
        reason = error.errors()[0].get("ctx", {}).get("error")
        if isinstance(reason, ValueError) and reason.args and isinstance(reason.args[0], Message):
            raise _Invalid(reason.args[0]) from None
        raise _Invalid(Message(gettext_noop("must be a date written YYYY-MM-DD, such as 2027-03-31"))) from None


def _number(value: Any, whole: bool) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise _Invalid(Message(gettext_noop("must be a number, such as 2400000")))
    try:
        number = Decimal(str(value).strip().replace("_", ""))
    except InvalidOperation:
        raise _Invalid(Message(gettext_noop("must be a number, such as 2400000"))) from None
    if not number.is_finite() or abs(number) >= MAX_MONEY:
        raise _Invalid(Message(gettext_noop("must be a finite number below {limit}"), limit="10000000000000"))
    if whole and number != number.to_integral_value():
        raise _Invalid(Message(gettext_noop("must be a whole number")))
    return number


def _bounded(value: Any, low: Any, high: Any) -> None:
    if low is not None and value < low:
        raise _Invalid(Message(gettext_noop("must be at least {bound}"), bound=_shown(low)))
    if high is not None and value > high:
        raise _Invalid(Message(gettext_noop("must be at most {bound}"), bound=_shown(high)))


def _shown(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def date_bound(bound: Any, known: dict[str, Any]) -> dt.date | None:
    """A date bound: a date, or ``name±Nd`` from a date parameter already read (None when it is not);
    a bound that is not a date is a ``PlaybookError``."""
    try:
        return _date_bound(bound, known)
    except _Invalid as invalid:
        raise PlaybookError([Problem("min", invalid.message)]) from None


def _date_bound(bound: Any, known: dict[str, Any]) -> dt.date | None:
    """A date bound: a date, or ``name±Nd`` from a date parameter already read (None when it is not)."""
    if bound is None:
        return None
    match = RELATIVE.match(bound) if isinstance(bound, str) else None
    if match is None:
        return _date(bound)
    base = known.get(match[1])
    if not isinstance(base, dt.date):
        return None
    days = int(match[3]) * (1 if match[2] == "+" else -1)
    return base + dt.timedelta(days=days)


def _text(value: Any, limit: int) -> str:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _Invalid(Message(gettext_noop("must be text: put it in quotes, such as 'name=\"Plan T1\"'")))
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise _Invalid(Message(gettext_noop("must be one line of text, without control characters")))
    text: str = value.strip()
    if not text:
        raise _Invalid(Message(gettext_noop("must not be empty")))
    if len(text) > limit:
        raise _Invalid(Message(gettext_noop("is too long (at most {count} characters)"), count=limit))
    return text


def _scalar(spec: Parameter, value: Any, known: dict[str, Any]) -> Any:
    if spec.type in (ParamType.DATE, ParamType.DATES):
        day = _date(value)
        _bounded(day, _date_bound(spec.minimum, known), _date_bound(spec.maximum, known))
        return day
    if spec.type is ParamType.INTEGER:
        number = _number(value, whole=True)
        _bounded(number, spec.minimum, spec.maximum)
        return int(number)
    if spec.type is ParamType.MONEY:
        number = _number(value, whole=False)
        if number < 0 or number != number.quantize(Decimal("0.01")):
            raise _Invalid(Message(gettext_noop("must be an amount >= 0 with at most 2 decimals, such as 2400000")))
        _bounded(number, spec.minimum, spec.maximum)
        return number
    if spec.type is ParamType.RATE:
        number = _number(value, whole=False)
        if not Decimal(0) < number <= Decimal(1):
            raise _Invalid(Message(gettext_noop("must be a rate between 0 and 1, such as 0.25 for 25 %")))
        _bounded(number, spec.minimum, spec.maximum)
        return number
    if spec.type is ParamType.PEOPLE:
        name = _text(value, 150)
        if not USERNAME.match(name):
            raise _Invalid(
                Message(gettext_noop("{value} is not a username: letters, digits and . @ + - _ only"), value=repr(name))
            )
        return name
    return _text(value, int(spec.maximum or MAX_TEXT))


def check_value(spec: Parameter, value: Any, known: dict[str, Any], country: str) -> tuple[Any, Message | None]:
    """The value read and bounded, and a note when it was moved (a start that is not a business day);
    raises ``PlaybookError`` naming the parameter (and the item of a list) that is wrong."""
    if spec.type in (ParamType.DATES, ParamType.PEOPLE):
        if isinstance(value, str | dt.date):
            value = [value]  # a single date or name for a list of one
        if not isinstance(value, list | tuple):
            example = "[2027-10-12, 2028-03-14]" if spec.type is ParamType.DATES else "[alice, bob]"
            raise PlaybookError(
                [Problem(spec.name, Message(gettext_noop("must be a list, such as {example}"), example=example))]
            )
        if not spec.min_items <= len(value) <= spec.max_items:
            message = Message(
                gettext_noop("needs between {low} and {high} items"), low=spec.min_items, high=spec.max_items
            )
            raise PlaybookError([Problem(spec.name, message)])
        items, problems = [], []
        for i, item in enumerate(value):
            try:
                items.append(_scalar(spec, item, known))
            except _Invalid as invalid:
                problems.append(Problem(f"{spec.name}[{i}]", invalid.message))
        if problems:
            raise PlaybookError(problems)
        if len(set(items)) != len(items):
            raise PlaybookError([Problem(spec.name, Message(gettext_noop("lists the same value twice")))])
        return (sorted(items) if spec.type is ParamType.DATES else items), None
    try:
        checked = _scalar(spec, value, known)
    except _Invalid as invalid:
        raise PlaybookError([Problem(spec.name, invalid.message)]) from None
    if spec.name == "country":
        checked = checked.upper()
        if checked not in supported_countries():
            message = Message(
                gettext_noop("no public-holiday calendar is known for {value}; use a code such as FR"), value=checked
            )
            raise PlaybookError([Problem(spec.name, message)])
    if spec.business_day and isinstance(checked, dt.date) and not is_business_day(checked, country):
        moved = checked
        while not is_business_day(moved, country):
            moved += dt.timedelta(days=1)
        note = Message(
            gettext_noop("{given} is not a business day in {country}: moved to the next one, {moved}"),
            given=checked.isoformat(),
            country=country,
            moved=moved.isoformat(),
        )
        return moved, note
    return checked, None
