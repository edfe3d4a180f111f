"""iCalendar (RFC 5545) export of the plan's calendar, for subscription from Outlook, Google, Thunderbird.

``calendar_to_ics`` turns already computed (and, for a person's feed, already filtered) calendar items
into one VCALENDAR:

* one VEVENT per item, with a UID derived from the plan name, the item's kind, ref and date, so that a
  subscriber who fetches the feed again sees the same events updated rather than duplicated;
* occurrences of one recurrence rule (rituals, recurring deadlines) collapsed into a single VEVENT
  with an RRULE bounded by the last occurrence (``collapse_series``), so calendars show a series;
* timed items (``at``) in their own time zone (the plan's by default) with a VTIMEZONE generated from
  the tz database, all-day items with an exclusive DTEND (the day after the last day), as RFC 5545
  requires.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar, Event, vDuration, vRecur

from pac.engine.calendar import CalendarItem, ItemKind
from pac.engine.formatting import Formatter
from pac.engine.labels import campaign_offset, campaign_title, gettext_noop, language_code, week_title
from pac.engine.model import Plan
from pac.engine.workdays import IsoWeek
from pac.io.messages import catalogue

PRODID = "-//PAC//Plan d'action commercial//FR"
#: How often subscribers are asked to fetch the feed again (RFC 7986 and the Outlook/Google extension).
REFRESH = dt.timedelta(hours=12)
#: Namespace of the UUIDv5 UIDs: never change it, or every subscriber sees every event duplicated.
UID_NAMESPACE = uuid.UUID("6f1c8f2e-5a0b-4f49-9a3c-2d0e8b7c4a11")

#: The description's lines, in English; the catalogue translates them.
OWNER_LINE = gettext_noop("Owner: {owner}")
PEOPLE_LINE = gettext_noop("People: {people}")
CAMPAIGN_LINE = gettext_noop("Activation campaign, {offset} before the event")
MOVED_LINE = gettext_noop("Moved from {date}, not a business day")


@dataclass(frozen=True)
class Series:
    """Occurrences of one recurrence rule, exported as one recurring VEVENT.

    ``first`` is the first occurrence (title, time, people and DTSTART come from it); ``rule`` is the
    item's RRULE without COUNT or UNTIL; the series ends on ``until`` (the last occurrence) and
    ``skipped`` are the dates the rule produces in between that the calendar does not hold (EXDATE:
    a holiday, a filtered-out occurrence)."""

    first: CalendarItem
    rule: str
    until: dt.date
    skipped: tuple[dt.date, ...] = ()


def _bare_rule(rule: str) -> str:
    """The rule without its ``RRULE:`` prefix, COUNT and UNTIL (the series is bounded by the items)."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    parts = [p for p in text.split(";") if p and p.split("=", 1)[0].upper() not in ("COUNT", "UNTIL")]
    return ";".join(parts)


def _rule_dates(rule: str, start: CalendarItem, last: dt.date) -> set[dt.date] | None:
    """Dates the rule gives from ``start`` to ``last`` (local wall time, as RFC 5545 expands), or
    None when the rule cannot be read (by dateutil to expand it, or by icalendar to write it)."""
    begin = dt.datetime.combine(start.date, start.at or dt.time())
    try:
        vRecur.from_ical(rule)
        recurrence = rrulestr(rule, dtstart=begin)
    except (ValueError, TypeError):
        return None
    stop = dt.datetime.combine(last, dt.time.max)
    return {d.date() for d in recurrence.between(begin, stop, inc=True)}


def _collapse_group(items: list[CalendarItem]) -> list[CalendarItem | Series]:
    """One rule's occurrences, in date order → a Series (+ the occurrences it cannot stand for).

    The series starts at the first occurrence the rule produces when anchored there (RFC 5545 wants
    DTSTART to be an occurrence). An occurrence the engine moved (``moved_from``: a deadline falling
    on a holiday), one the rule does not give, or a second one on the same day, stays a single event;
    the rule's days between the first and the last occurrence that no item holds become EXDATEs."""
    assert items[0].rrule is not None
    rule = _bare_rule(items[0].rrule)
    last = max(i.moved_from or i.date for i in items)
    for first in items:
        if first.moved_from is not None:
            continue
        produced = _rule_dates(rule, first, last)
        if produced is None:
            break
        if first.date not in produced:
            continue
        series: dict[dt.date, CalendarItem] = {}
        for item in items:
            if item.moved_from is None and item.date in produced and item.date not in series:
                series[item.date] = item
        until = max(series)
        skipped = tuple(sorted(d for d in produced if d <= until and d not in series))
        kept = {id(i) for i in series.values()}
        return [Series(first, rule, until, skipped), *(i for i in items if id(i) not in kept)]
    return list(items)


def collapse_series(items: Sequence[CalendarItem]) -> list[CalendarItem | Series]:
    """Group the items carrying an ``rrule`` by (kind, ref, rule, time, length, zone) into ``Series``;
    items without a rule, and occurrences a series cannot stand for, are returned as they are."""
    groups: dict[tuple[object, ...], list[CalendarItem]] = {}
    result: list[CalendarItem | Series] = []
    for item in items:
        if item.rrule:
            key = (item.kind, item.ref, _bare_rule(item.rrule), item.at, item.minutes, item.timezone)
            groups.setdefault(key, []).append(item)
        else:
            result.append(item)
    for group in groups.values():
        result += _collapse_group(sorted(group, key=lambda i: i.date))
    return result


def event_uid(plan: Plan, kind: ItemKind | str, ref: str, when: dt.date | str) -> str:
    """Stable UID: the same plan, kind, ref and date (or rule, for a series) give the same UID at
    every export, so a subscribed calendar updates the event instead of adding a copy."""
    key = "\x1f".join((plan.name, str(kind), ref, when.isoformat() if isinstance(when, dt.date) else when))
    return f"{uuid.uuid5(UID_NAMESPACE, key)}@pac"


def _summary(item: CalendarItem, words: _Words) -> str:
    """The item's title in the reader's language: a campaign says how long before its event it runs
    (its title is the event's name), a weekly milestone its volumes with the stages' names."""
    if item.kind is ItemKind.CAMPAIGN and item.offset_days is not None:
        return campaign_title(item.title, item.offset_days, words.translate)
    if item.volumes:
        return week_title(str(IsoWeek.of(item.date).week), item.volumes, words.fmt.number, words.translate)
    return item.title


def _description(item: CalendarItem, words: _Words) -> str:
    translate = words.translate
    lines = []
    if item.owner:
        lines.append(translate(OWNER_LINE).format(owner=item.owner))
    people = [p for p in item.people if p != item.owner]
    if people:
        lines.append(translate(PEOPLE_LINE).format(people=", ".join(people)))
    if item.kind is ItemKind.CAMPAIGN and item.offset_days is not None:
        lines.append(translate(CAMPAIGN_LINE).format(offset=campaign_offset(item.offset_days, translate)))
    if item.moved_from is not None:
        lines.append(translate(MOVED_LINE).format(date=words.fmt.date(item.moved_from)))
    return "\n".join(lines)


@dataclass(frozen=True)
class _Words:
    """The reader's language: its catalogue and its number and date formats."""

    translate: Callable[[str], str]
    fmt: Formatter


def _event(item: CalendarItem, uid: str, stamp: dt.datetime, zone: ZoneInfo, words: _Words) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", _summary(item, words))
    event.add("categories", [item.kind.value])
    if item.at is not None:
        start = dt.datetime.combine(item.date, item.at, tzinfo=zone)
        event.add("dtstart", start)
        if item.minutes:
            event.add("dtend", start + dt.timedelta(minutes=item.minutes))
        event.add("transp", "OPAQUE")
    else:
        last = max(item.end or item.date, item.date)
        event.add("dtstart", item.date)
        event.add("dtend", last + dt.timedelta(days=1))  # exclusive: the day after the last day
        event.add("transp", "TRANSPARENT")  # a two-month action must not show its owner as busy
    description = _description(item, words)
    if description:
        event.add("description", description)
    return event


def _series_event(series: Series, uid: str, stamp: dt.datetime, zone: ZoneInfo, words: _Words) -> Event:
    first = series.first
    event = _event(first, uid, stamp, zone, words)
    recurrence = vRecur.from_ical(series.rule)
    if first.at is not None:
        # With a TZID start, UNTIL must be in UTC (RFC 5545 §3.3.10).
        until = dt.datetime.combine(series.until, first.at, tzinfo=zone).astimezone(dt.UTC)
        recurrence["UNTIL"] = [until]
        skipped: list[dt.date | dt.datetime] = [dt.datetime.combine(d, first.at, tzinfo=zone) for d in series.skipped]
    else:
        recurrence["UNTIL"] = [series.until]
        skipped = list(series.skipped)
    event.add("rrule", recurrence)
    if skipped:
        event.add("exdate", skipped)
    return event


def _sort_key(entry: CalendarItem | Series) -> tuple[dt.date, dt.time, str, str, str]:
    item = entry.first if isinstance(entry, Series) else entry
    return (item.date, item.at or dt.time(), item.kind.value, item.ref, item.title)


def calendar_to_ics(
    items: Sequence[CalendarItem],
    plan: Plan,
    *,
    name: str | None = None,
    language: str = "fr",
    collapse: bool = True,
    stamp: dt.datetime | None = None,
) -> bytes:
    """The items as an iCalendar document (UTF-8, CRLF lines).

    ``name`` is the calendar's display name (the plan name by default; say whose it is for a person's
    feed, whose items the caller has already filtered). ``collapse`` exports each recurrence rule's
    occurrences as one recurring event (see ``collapse_series``); without it every occurrence is its
    own event. ``stamp`` is the DTSTAMP (now by default; pass it for byte-identical exports)."""
    language = language_code(language)
    words = _Words(catalogue(language), Formatter(language, plan.currency))
    stamp = (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name or plan.name)
    calendar.add("x-wr-calname", name or plan.name)
    calendar.add("x-wr-timezone", plan.timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))

    entries: list[CalendarItem | Series] = collapse_series(items) if collapse else list(items)
    seen: set[str] = set()
    for entry in sorted(entries, key=_sort_key):
        item = entry.first if isinstance(entry, Series) else entry
        when = f"series:{entry.rule}" if isinstance(entry, Series) else item.date.isoformat()
        uid = event_uid(plan, item.kind, item.ref, when)
        if uid in seen:  # two items of one object on one day (two milestones): tell them apart
            uid = event_uid(plan, item.kind, item.ref, f"{when}:{item.title}")
        counter = 1
        while uid in seen:
            counter += 1
            uid = event_uid(plan, item.kind, item.ref, f"{when}:{item.title}:{counter}")
        seen.add(uid)
        zone = ZoneInfo(item.timezone or plan.timezone)  # timed items say their zone; all-day ones ignore it
        if isinstance(entry, Series):
            calendar.add_component(_series_event(entry, uid, stamp, zone, words))
        else:
            calendar.add_component(_event(entry, uid, stamp, zone, words))

    days = [i.date for i in items] + [i.end for i in items if i.end] + [plan.start, plan.end]
    # VTIMEZONE for every TZID used, valid a year around everything in the calendar.
    calendar.add_missing_timezones(
        first_date=min(days) - dt.timedelta(days=366), last_date=max(days) + dt.timedelta(days=366)
    )
    return bytes(calendar.to_ical())
