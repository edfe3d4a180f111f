"""The value types of the plan file, bounded like the database columns that store them.

A figure or a text the file accepts must fit where the web app keeps it (a 1e20 deal size or a
300-character persona would otherwise be accepted here and fail, or be truncated, later).

Dates and times of day reach the validation as the text of the file (the plan file's YAML loader does
not read them itself: it would crash on 2027-02-30 and read 9:00 as the number 540); ``Day`` and
``ClockTime`` read that text and say what is wrong with it."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from pac.engine.labels import Message, gettext_noop

#: Ids are slugs: letters, digits, "-" and "_", as in the web app's forms and URLs.
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
#: A name is kept without the spaces around it (as the web app's forms keep it): « Salon » and « Salon  »
#: are one name, and a blank one is none.
Name = Annotated[
    str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v), Field(min_length=1, max_length=200)
]
Person = Annotated[str, Field(min_length=1, max_length=150)]
ShortText = Annotated[str, Field(max_length=60)]
Text = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]

Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]  # < 100 000 billion
PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
Target = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2)]
Volume = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
Rate = Annotated[Decimal, Field(gt=0, le=1, decimal_places=4)]  # conversion rate, 0.25 for 25 %
Fraction = Annotated[Decimal, Field(ge=0, le=1, decimal_places=3)]  # ICP fit, priority weight
RampUp = Annotated[Decimal, Field(ge=0, le=1, decimal_places=3)]  # productivity in a month of ramp-up, 0.5 for 50 %
Weight = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4)]
WeeklyHours = Annotated[Decimal, Field(gt=0, le=80, decimal_places=2)]
UnitHours = Annotated[Decimal, Field(ge=0, le=1000, decimal_places=2)]
ActionHours = Annotated[Decimal, Field(ge=0, le=100000, decimal_places=2)]


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_SHOWN = 40  # characters of a wrong value quoted back in a message


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _day(value: Any) -> Any:
    """A date from its ISO text (YYYY-MM-DD); a date that does not exist is named with the fix."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    match = _ISO_DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            Message(
                gettext_noop("must be a date written YYYY-MM-DD, such as 2027-03-31 (not {value})"), value=_shown(value)
            )
        )
    year, month, day = (int(part) for part in match.groups())
    if year < 1:
        raise ValueError(
            Message(gettext_noop("must be a date written YYYY-MM-DD, such as 2027-03-31 (not {value})"), value=match[0])
        )
    if not 1 <= month <= 12:
        raise ValueError(
            Message(gettext_noop("{value} does not exist: the month (MM) goes from 01 to 12"), value=match[0])
        )
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValueError(
            Message(
                gettext_noop("{value} does not exist: month {month:02d} of {year} has {days} days"),
                value=match[0],
                month=month,
                year=year,
                days=days,
            )
        )
    return dt.date(year, month, day)


def _clock(value: Any) -> Any:
    """A time of day from its text (HH:MM, or H:MM); never from a number, which YAML may have made of it."""
    if isinstance(value, dt.time):
        return value
    match = _CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            Message(
                gettext_noop("must be a time of day written HH:MM, such as 09:30 (not {value})"), value=_shown(value)
            )
        )
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ValueError(
            Message(
                gettext_noop("{value} is not a time of day: hours go from 00 to 23, minutes from 00 to 59"),
                value=match[0],
            )
        )
    return dt.time(hour, minute)


#: A calendar date, written YYYY-MM-DD in the file.
Day = Annotated[dt.date, BeforeValidator(_day)]
#: A time of day, written HH:MM in the file.
ClockTime = Annotated[dt.time, BeforeValidator(_clock)]
