"""Recurrences in words, and the simple ones built from a few choices.

Rituals and recurring deadlines stay RFC 5545 RRULEs (python-dateutil reads them for the calendar and the
iCalendar feeds); people read them as « chaque lundi à 9 h » or « le 1er mardi de chaque trimestre », never
as ``FREQ=WEEKLY;BYDAY=MO``. ``describe`` words a rule with a translate callable (as ``wording``), so the
web pages, the calendar and the exports word it alike; ``Recurrence`` is what a small form chooses
(frequency, interval, weekdays, the nth weekday or a day of the month) and its rule, both ways.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from babel import Locale
from babel.dates import format_skeleton, get_day_names
from babel.lists import format_list

from pac.engine.labels import Translate, gettext_noop

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
BUSINESS_DAYS = ("MO", "TU", "WE", "TH", "FR")

#: What a form offers: a month, a quarter or a half-year is a monthly rule every 1, 3 or 6 months.
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "yearly")
FREQUENCY_LABELS = {
    "daily": gettext_noop("Daily"),
    "weekly": gettext_noop("Weekly"),
    "monthly": gettext_noop("Monthly"),
    "quarterly": gettext_noop("Quarterly"),
    "yearly": gettext_noop("Yearly"),
}
#: The nth occurrence in a month or a quarter (negative: from the end).
POSITIONS = (1, 2, 3, 4, -1, -2)
POSITION_LABELS = {
    1: gettext_noop("first"),
    2: gettext_noop("second"),
    3: gettext_noop("third"),
    4: gettext_noop("fourth"),
    5: gettext_noop("fifth"),
    -1: gettext_noop("last"),
    -2: gettext_noop("second to last"),
}
_MONTHS_SCOPE = {
    1: gettext_noop("of each month"),
    3: gettext_noop("of each quarter"),
    6: gettext_noop("of each half-year"),
    12: gettext_noop("of each year"),
}
_EVERY_MONTHS = {
    1: gettext_noop("every month"),
    3: gettext_noop("every quarter"),
    6: gettext_noop("every half-year"),
}


def parse_rule(text: str) -> dict[str, str]:
    """The rule's parts by name (``{"FREQ": "WEEKLY", "BYDAY": "MO"}``), ``RRULE:`` prefix allowed."""
    body = text.strip().removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for chunk in body.split(";"):
        key, sep, value = chunk.partition("=")
        if sep:
            parts[key.strip().upper()] = value.strip().upper()
    return parts


def _day_names(locale: Locale) -> dict[str, str]:
    names = get_day_names("wide", locale=locale)
    return {code: str(names[i]) for i, code in enumerate(WEEKDAYS)}


def _ordinal_day(day: int, language: str) -> str:
    """A day of the month as the language writes it: « 1er », « 15 »; “1st”, “22nd”, “15th”."""
    if language == "fr":
        return "1er" if day == 1 else str(day)
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def time_words(at: dt.time, language: str) -> str:
    """A time of day: « 9 h », « 9 h 30 » in French, “9:00”, “9:30” in English."""
    if language == "fr":
        return f"{at.hour}\u00a0h" + (f"\u00a0{at.minute:02d}" if at.minute else "")
    return f"{at.hour}:{at.minute:02d}"


def _position(text: str) -> tuple[int | None, str]:
    """``1TU`` → (1, "TU"), ``-1FR`` → (-1, "FR"), ``MO`` → (None, "MO")."""
    code = text[-2:]
    number = text[:-2].lstrip("+")
    return (int(number) if number else None), code


def describe(rule: str, translate: Translate, locale: str = "fr", at: dt.time | None = None) -> str:
    """``rule`` in words in ``locale``'s language (``translate`` gives its catalogue), with its time of
    day when ``at`` is given; a rule with parts beyond these words says so rather than mislead."""
    loc = Locale.parse(locale.replace("-", "_"))
    language = loc.language
    parts = parse_rule(rule)
    days = _day_names(loc)
    freq = parts.pop("FREQ", "")
    interval = int(parts.pop("INTERVAL", "1") or 1)
    byday = [d for d in parts.pop("BYDAY", "").split(",") if d]
    bymonthday = [int(d) for d in parts.pop("BYMONTHDAY", "").split(",") if d]
    bysetpos = [int(d) for d in parts.pop("BYSETPOS", "").split(",") if d]
    bymonth = [int(m) for m in parts.pop("BYMONTH", "").split(",") if m]
    count = parts.pop("COUNT", "")
    until = parts.pop("UNTIL", "")
    parts.pop("WKST", None)

    def nth(number: int) -> str:
        return translate(POSITION_LABELS.get(number, "")) if number in POSITION_LABELS else str(number)

    def weekday_list(codes: list[str]) -> str:
        return format_list([days[c] for c in codes if c in days], locale=loc)

    def in_month() -> str | None:
        """What in the month (or quarter…) the rule picks, « le 1er mardi », « le dernier jour », or None."""
        if bysetpos and sorted(byday) == sorted(BUSINESS_DAYS) and len(bysetpos) == 1:
            return translate(gettext_noop("the {nth} business day")).format(nth=nth(bysetpos[0]))
        number, code = _position(byday[0]) if len(byday) == 1 else (None, "")
        if number is not None and not bysetpos:
            return translate(gettext_noop("the {nth} {day}")).format(nth=nth(number), day=days.get(code, code))
        if bymonthday and not byday:
            if bymonthday == [-1]:
                return translate(gettext_noop("the last day"))
            if all(d > 0 for d in bymonthday):
                shown = format_list([_ordinal_day(d, language) for d in bymonthday], locale=loc)
                return translate(gettext_noop("the {day}")).format(day=shown)
        return None

    words: str | None = None
    extra = bool(parts) or bool(bymonth and freq != "YEARLY")
    if freq == "DAILY" and not bymonthday and not bysetpos:
        if byday and sorted(byday) == sorted(BUSINESS_DAYS):
            words = translate(gettext_noop("every business day"))
        elif byday:
            words = translate(gettext_noop("every {days}")).format(days=weekday_list(byday))
        elif interval == 1:
            words = translate(gettext_noop("every day"))
        else:
            words = translate(gettext_noop("every {n} days")).format(n=interval)
    elif freq == "WEEKLY" and not bymonthday and not bysetpos and all(_position(d)[0] is None for d in byday):
        if interval == 1:
            if byday and sorted(byday) == sorted(BUSINESS_DAYS):
                words = translate(gettext_noop("every business day"))
            else:
                words = (
                    translate(gettext_noop("every {days}")).format(days=weekday_list(byday))
                    if byday
                    else translate(gettext_noop("every week"))
                )
        elif byday:
            words = translate(gettext_noop("every {n} weeks on {days}")).format(n=interval, days=weekday_list(byday))
        else:
            words = translate(gettext_noop("every {n} weeks")).format(n=interval)
    elif freq == "MONTHLY":
        what = in_month()
        if what is not None:
            scope = (
                translate(_MONTHS_SCOPE[interval])
                if interval in _MONTHS_SCOPE
                else translate(gettext_noop("every {n} months")).format(n=interval)
            )
            words = f"{what} {scope}"
        elif not byday and not bymonthday and not bysetpos:
            words = (
                translate(_EVERY_MONTHS[interval])
                if interval in _EVERY_MONTHS
                else translate(gettext_noop("every {n} months")).format(n=interval)
            )
    elif freq == "YEARLY":
        if len(bymonth) == 1 and len(bymonthday) == 1 and bymonthday[0] > 0 and not byday:
            day = format_skeleton("MMMMd", dt.date(2001, bymonth[0], bymonthday[0]), locale=loc)
            words = translate(gettext_noop("every year on {date}")).format(date=day)
        elif not bymonth and not byday and not bymonthday:
            words = (
                translate(gettext_noop("every year"))
                if interval == 1
                else translate(gettext_noop("every {n} years")).format(n=interval)
            )
    if words is None:
        words, extra = translate(gettext_noop("a custom recurrence")), False
    if at is not None:
        words = translate(gettext_noop("{when} at {time}")).format(when=words, time=time_words(at, language))
    if count.isdigit():
        words = translate(gettext_noop("{when}, {n} times")).format(when=words, n=count)
    elif until:
        try:
            end = dt.datetime.strptime(until[:8], "%Y%m%d").date()
        except ValueError:
            extra = True
        else:
            words = translate(gettext_noop("{when}, until {date}")).format(
                when=words, date=format_skeleton("yMMMd", end, locale=loc)
            )
    if extra:
        words = translate(gettext_noop("{when} (with further conditions)")).format(when=words)
    return words


@dataclass(frozen=True)
class Recurrence:
    """What the recurrence form chooses. ``position`` with weekdays is « the nth of those days » in the
    month (or quarter): one weekday is the 1st Tuesday, Monday to Friday the nth business day;
    ``month_day`` is a day of the month (-1: the last)."""

    frequency: str
    interval: int = 1
    weekdays: tuple[str, ...] = ()
    position: int | None = None
    month_day: int | None = None

    def rule(self) -> str:
        """The RRULE (``FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU``); ValueError for choices that do not make one."""
        if self.frequency not in FREQUENCIES:
            raise ValueError("unknown frequency")
        if self.interval < 1:
            raise ValueError("the interval is at least 1")
        months = {"monthly": 1, "quarterly": 3}.get(self.frequency)
        freq = "MONTHLY" if months else self.frequency.upper()
        interval = self.interval * (months or 1)
        parts = [f"FREQ={freq}"]
        if interval != 1:
            parts.append(f"INTERVAL={interval}")
        days = [d for d in WEEKDAYS if d in self.weekdays]
        if (self.position is not None and not (months and days)) or (self.month_day is not None and not months):
            raise ValueError("a position needs weekdays, and both it and a day of the month a monthly rule")
        if months:
            if self.position is not None and len(days) == 1:
                parts.append(f"BYDAY={self.position}{days[0]}")
            elif self.position is not None and days:
                parts += [f"BYDAY={','.join(days)}", f"BYSETPOS={self.position}"]
            elif self.month_day is not None:
                parts.append(f"BYMONTHDAY={self.month_day}")
            elif days:
                raise ValueError("say which of those days in the month")
        elif self.frequency in ("daily", "weekly") and days:
            parts.append(f"BYDAY={','.join(days)}")
        return ";".join(parts)

    @classmethod
    def from_rule(cls, rule: str) -> Recurrence | None:
        """The choices that make ``rule``, or None when the form cannot show it (it is then kept as is)."""
        parts = parse_rule(rule)
        freq = parts.pop("FREQ", "")
        interval = int(parts.pop("INTERVAL", "1") or 1)
        byday = [d for d in parts.pop("BYDAY", "").split(",") if d]
        setpos = parts.pop("BYSETPOS", "")
        monthday = parts.pop("BYMONTHDAY", "")
        parts.pop("WKST", None)
        if parts:
            return None
        try:
            if freq in ("DAILY", "WEEKLY") and not setpos and not monthday:
                if any(_position(d)[0] is not None for d in byday):
                    return None
                return cls(freq.lower(), interval, tuple(byday))
            if freq == "MONTHLY":
                frequency, every = ("quarterly", interval // 3) if interval % 3 == 0 else ("monthly", interval)
                if monthday and not byday and not setpos and "," not in monthday:
                    return cls(frequency, every, month_day=int(monthday))
                if len(byday) == 1 and not setpos and not monthday:
                    position, code = _position(byday[0])
                    return cls(frequency, every, (code,), position) if position is not None else None
                if byday and setpos and "," not in setpos and not monthday:
                    return cls(frequency, every, tuple(byday), int(setpos))
                if not byday and not setpos and not monthday:
                    return cls(frequency, every)
            if freq == "YEARLY" and not byday and not setpos and not monthday:
                return cls("yearly", interval)
        except ValueError:
            return None
        return None
