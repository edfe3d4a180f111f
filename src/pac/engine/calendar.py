"""The plan's calendar: its dated items and the rolling 90/30/7 views.

- the plan's dated items (``calendar_items``): events and their activation campaigns, rituals
  (RFC 5545 RRULE), reporting deadlines, action and weekly funnel milestones, actions;
- the rolling 90/30/7 views from a given ``today`` — the engine never reads the clock.

Business days and ISO weeks come from ``workdays``. The rules are explained for users in docs/calendar.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rruleset, rrulestr

from pac.engine.labels import week_title
from pac.engine.model import Action, ActionStatus, Plan, Stage
from pac.engine.schedule import Schedule
from pac.engine.workdays import IsoWeek, business_days_in_week, previous_business_day


class ItemKind(StrEnum):
    """What a calendar item is; the order here is the order of items on the same day and time."""

    EVENT = "event"
    CAMPAIGN = "campaign"
    RITUAL = "ritual"
    MILESTONE = "milestone"
    DEADLINE = "deadline"
    ACTION = "action"


_KIND_ORDER = {kind: index for index, kind in enumerate(ItemKind)}


@dataclass(frozen=True, slots=True)  # slots: half the memory and garbage-collector work
class CalendarItem:
    """One dated thing of the plan. ``date`` is the day it happens (or starts); ``end`` the last day
    for multi-day items; ``at`` the local start time for timed items (rituals), with ``minutes``;
    ``ref`` the id of the object it comes from; ``people`` who should see it in their week."""

    date: dt.date
    kind: ItemKind
    title: str
    ref: str
    end: dt.date | None = None
    at: dt.time | None = None
    minutes: int | None = None
    owner: str | None = None
    people: tuple[str, ...] = ()
    offset_days: int | None = None  # campaigns: days before the event
    rrule: str | None = None  # rituals and recurring deadlines: the rule this occurrence comes from
    moved_from: dt.date | None = None  # campaigns and deadlines: the non-business day it was moved from
    volumes: tuple[tuple[str, int], ...] = ()  # weekly funnel milestones: (stage code, volume), top down
    timezone: str | None = None  # timed items: the IANA zone ``at`` is a local time of

    @property
    def last_day(self) -> dt.date:
        return self.end or self.date

    @property
    def starts_at(self) -> dt.datetime | None:
        """The aware start of a timed item (``at`` in ``timezone``), None for all-day items."""
        if self.at is None:
            return None
        zone = ZoneInfo(self.timezone) if self.timezone else None
        return dt.datetime.combine(self.date, self.at, tzinfo=zone)

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        """Whether [date, end] meets [start, end]."""
        return self.date <= end and self.last_day >= start

    def concerns(self, person: str) -> bool:
        return person == self.owner or person in self.people


def _people(*groups: Iterable[str | None]) -> tuple[str, ...]:
    """Names in first-seen order, each once, blanks left out."""
    return tuple(dict.fromkeys(name for group in groups for name in group if name))


def _raci_ra(action: Action) -> tuple[str, ...]:
    return (*action.raci.responsible, action.raci.accountable) if action.raci else ()


def _scheduled_actions(plan: Plan) -> list[Action]:
    """Actions that belong on the calendar: every one but the cancelled."""
    return [a for a in plan.actions if a.status is not ActionStatus.CANCELLED]


@lru_cache(maxsize=512)
def _rule(text: str, dtstart: dt.datetime) -> rrule | rruleset:
    """The parsed RRULE anchored at ``dtstart`` (a naive local time: RFC 5545 expands recurrences
    in the local time of DTSTART's zone, so 09:00 stays 09:00 across daylight saving changes)."""
    return rrulestr(text.removeprefix("RRULE:"), dtstart=dtstart)


@lru_cache(maxsize=4096)
def occurrences(rule: str, anchor: dt.datetime, start: dt.date, end: dt.date) -> tuple[dt.datetime, ...]:
    """Naive local start times of ``rule`` (RFC 5545 RRULE anchored at ``anchor``) on days of [start, end].

    Cached: a team's rituals share a handful of rules, and the views ask for the same windows again."""
    if end < start:
        return ()
    return tuple(
        _rule(rule, anchor).between(
            dt.datetime.combine(start, dt.time.min), dt.datetime.combine(end, dt.time.max), inc=True
        )
    )


_TIME_OF_DAY_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND", "UNTIL", "HOURLY", "MINUTELY", "SECONDLY")


@lru_cache(maxsize=1024)
def _days_only(rule: str) -> bool:
    """Whether the rule picks days and not times: then its days do not depend on DTSTART's time
    (an UNTIL is compared with the full DTSTART, so a rule with one is not)."""
    upper = rule.upper()
    return not any(part in upper for part in _TIME_OF_DAY_PARTS)


def ritual_starts(rule: str, anchor: dt.datetime, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.time]]:
    """(day, local time) of each occurrence, like ``occurrences``; rituals whose rule picks the same
    days at different times (the weekly review at 09:00, the forecast at 14:00) share one expansion."""
    if not _days_only(rule):
        return [(at.date(), at.time()) for at in occurrences(rule, anchor, start, end)]
    return [(day, anchor.time()) for day in _occurrence_days(rule, anchor.date(), start, end)]


@lru_cache(maxsize=4096)
def _occurrence_days(rule: str, anchor: dt.date, start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    return tuple(at.date() for at in occurrences(rule, dt.datetime.combine(anchor, dt.time.min), start, end))


def _event_people(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Per event: owners, Responsible and Accountable of the actions that prepare it."""
    groups: dict[str, list[str | None]] = defaultdict(list)
    for action in _scheduled_actions(plan):
        if action.event:
            groups[action.event] += [action.owner, *_raci_ra(action)]
    return {event: _people(names) for event, names in groups.items()}


def event_items(plan: Plan) -> list[CalendarItem]:
    """Each event (``date``..``end``) and one campaign per offset in ``event.campaigns``: that many
    calendar days before the event's start, moved to the previous business day of ``plan.country``
    when it falls on a weekend or public holiday (``moved_from`` keeps the day it was moved from)."""
    people = _event_people(plan)
    items: list[CalendarItem] = []
    for event in plan.events:
        seen = people.get(event.id, ())
        items.append(CalendarItem(event.start, ItemKind.EVENT, event.name, event.id, end=event.end, people=seen))
        for offset in sorted(set(event.campaigns), reverse=True):
            planned = event.start - dt.timedelta(days=offset)
            day = previous_business_day(planned, plan.country)
            items.append(
                CalendarItem(
                    day,
                    ItemKind.CAMPAIGN,
                    event.name,
                    event.id,
                    people=seen,
                    offset_days=offset,
                    moved_from=planned if day != planned else None,
                )
            )
    return items


def ritual_items(plan: Plan, start: dt.date, end: dt.date) -> list[CalendarItem]:
    """Occurrences of each ritual's RRULE on the days of [start, end] that are inside the plan,
    at ``ritual.time`` local time in ``plan.timezone``. The rule is anchored at the plan's start
    (its DTSTART), which is what ``INTERVAL`` and ``COUNT`` count from."""
    first, last = max(start, plan.start), min(end, plan.end)
    items: list[CalendarItem] = []
    for ritual in plan.rituals:
        people = _people((ritual.owner,), ritual.attendees)
        anchor = dt.datetime.combine(plan.start, ritual.time)
        items += [
            CalendarItem(
                day,
                ItemKind.RITUAL,
                ritual.name,
                ritual.id,
                at=at,
                minutes=ritual.minutes,
                owner=ritual.owner,
                people=people,
                rrule=ritual.rrule,
                timezone=plan.timezone,
            )
            for day, at in ritual_starts(ritual.rrule, anchor, first, last)
        ]
    return items


MOVE_MARGIN = dt.timedelta(days=31)  # a run of non-business days is never longer than this


def deadline_items(plan: Plan, start: dt.date, end: dt.date) -> list[CalendarItem]:
    """Reporting deadlines: the deadline's date, or the occurrences of its RRULE inside the plan
    (anchored at the plan's start); a deadline on a weekend or public holiday moves to the previous
    business day. Items are given for [start, end] (a few more may come back: filter them)."""
    items: list[CalendarItem] = []
    for deadline in plan.deadlines:
        if deadline.rrule:
            anchor = dt.datetime.combine(plan.start, dt.time.min)
            days = [
                at.date()
                for at in occurrences(deadline.rrule, anchor, max(start, plan.start), min(end + MOVE_MARGIN, plan.end))
            ]
        else:
            days = [deadline.date] if deadline.date else []
        for planned in days:
            day = previous_business_day(planned, plan.country)
            items.append(
                CalendarItem(
                    day,
                    ItemKind.DEADLINE,
                    deadline.name,
                    deadline.id,
                    owner=deadline.owner,
                    people=_people((deadline.owner,)),
                    rrule=deadline.rrule,
                    moved_from=planned if day != planned else None,
                )
            )
    return items


def milestone_items(plan: Plan) -> list[CalendarItem]:
    """Each action's milestones, owned by the action's owner, seen by its Responsible and Accountable."""
    items: list[CalendarItem] = []
    for action in _scheduled_actions(plan):
        people = _people(_raci_ra(action))
        items += [
            CalendarItem(m.date, ItemKind.MILESTONE, m.name, action.id, owner=action.owner, people=people)
            for m in action.milestones
        ]
    return items


WEEKLY_MILESTONE_REF = "funnel"


def weekly_milestones(plan: Plan, schedule: Schedule) -> list[CalendarItem]:
    """One milestone per plan ISO week that asks for some volume (the part dated from the plan's
    start), on the week's first business day inside the plan. ``volumes`` has every stage of the
    schedule, top down, zeros included; ``title`` is the English one (``labels.week_title``), which
    each reader's display renders again in its language."""
    totals: dict[tuple[IsoWeek, Stage], int] = defaultdict(int)
    for row in schedule.rows:
        if not row.before_plan:
            totals[(row.week, row.stage)] += row.volume
    stages = sorted({row.stage for row in schedule.rows}, key=lambda s: s.order)
    items: list[CalendarItem] = []
    for week in schedule.plan_weeks:
        volumes = tuple((stage.value, totals.get((week, stage), 0)) for stage in stages)
        working = business_days_in_week(week, plan.start, plan.end, plan.country)
        if not working or not any(volume for _, volume in volumes):
            continue  # nothing asked that week, or nobody works then (and so nothing is asked)
        title = week_title(week.label, volumes, str, lambda text: text)
        items.append(CalendarItem(working[0], ItemKind.MILESTONE, title, WEEKLY_MILESTONE_REF, volumes=volumes))
    return items


def action_items(plan: Plan) -> list[CalendarItem]:
    """Each action from its start to its end, seen by its owner, Responsible and Accountable."""
    return [
        CalendarItem(
            a.start, ItemKind.ACTION, a.name, a.id, end=a.end, owner=a.owner, people=_people(_raci_ra(a), (a.owner,))
        )
        for a in _scheduled_actions(plan)
    ]


def _sort_key(item: CalendarItem) -> tuple[dt.date, dt.time, int, str, str]:
    return item.date, item.at or dt.time.min, _KIND_ORDER[item.kind], item.title, item.ref


def sort_items(items: Iterable[CalendarItem]) -> list[CalendarItem]:
    """By (date, time — all-day items first —, kind in ``ItemKind`` order, title, ref)."""
    return sorted(items, key=_sort_key)


def calendar_items(plan: Plan, start: dt.date, end: dt.date, schedule: Schedule | None = None) -> list[CalendarItem]:
    """Every item of the plan whose span meets [start, end], sorted (see ``sort_items``).

    Events, campaigns, actions, milestones and dated deadlines are shown wherever they fall;
    recurrences (rituals, recurring deadlines) and weekly funnel milestones (given a ``schedule``)
    only run over the plan's own dates. Cancelled actions and their milestones are left out."""
    items = [
        *event_items(plan),
        *ritual_items(plan, start, end),
        *deadline_items(plan, start, end),
        *milestone_items(plan),
        *action_items(plan),
    ]
    if schedule is not None:
        items += weekly_milestones(plan, schedule)
    return sort_items([item for item in items if item.date <= end and (item.end or item.date) >= start])


def plan_span(plan: Plan) -> tuple[dt.date, dt.date]:
    """The smallest range holding the plan's dates and every dated thing it defines (events and
    their campaigns, actions, milestones, dated deadlines), even outside the plan's dates."""
    firsts, lasts = [plan.start], [plan.end]
    for item in (
        *event_items(plan),
        *deadline_items(plan, plan.start, plan.end),
        *milestone_items(plan),
        *action_items(plan),
    ):
        firsts.append(item.date)
        lasts.append(item.last_day)
    return min(firsts), max(lasts)


# --- rolling 90/30/7 views -------------------------------------------------------------------

ROLLING_VIEWS = (90, 30, 7)  # quarter roadmap, month plan, the week


def window(today: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """[today, today + days - 1]: ``days`` calendar days starting today."""
    if days < 1:
        raise ValueError(f"a rolling window has at least one day, not {days}")
    return today, today + dt.timedelta(days=days - 1)


def rolling_window(items: Iterable[CalendarItem], today: dt.date, days: int) -> list[CalendarItem]:
    """The items whose span meets [today, today + days - 1], in their given order."""
    first, last = window(today, days)
    return [item for item in items if item.overlaps(first, last)]


def rolling_views(items: Sequence[CalendarItem], today: dt.date) -> dict[int, list[CalendarItem]]:
    """The 90, 30 and 7-day views from ``today`` (roadmap, month, week), keyed by their length."""
    return {days: rolling_window(items, today, days) for days in ROLLING_VIEWS}


def for_person(items: Iterable[CalendarItem], person: str, *, include_team: bool = False) -> list[CalendarItem]:
    """The items ``person`` owns or is among the people of; with ``include_team``, also the items
    that name nobody (events without a preparing action, weekly funnel milestones)."""
    return [
        item for item in items if item.concerns(person) or (include_team and item.owner is None and not item.people)
    ]


def item_to_json(item: CalendarItem) -> dict[str, Any]:
    """The ``pac calendar --json`` shape of one item (DESIGN.md): date, kind, title, ref, and the
    optional keys only when they have a value."""
    document: dict[str, Any] = {
        "date": item.date.isoformat(),
        "kind": item.kind.value,
        "title": item.title,
        "ref": item.ref,
    }
    optional: dict[str, Any] = {
        "end": item.end.isoformat() if item.end else None,
        "time": item.at.strftime("%H:%M") if item.at else None,
        "minutes": item.minutes,
        "timezone": item.timezone,
        "owner": item.owner,
        "people": list(item.people) or None,
        "offset_days": item.offset_days,
        "moved_from": item.moved_from.isoformat() if item.moved_from else None,
        "rrule": item.rrule,
        "volumes": dict(item.volumes) or None,
    }
    document.update((key, value) for key, value in optional.items() if value is not None)
    return document
