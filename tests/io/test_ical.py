"""The .ics export, read back with vobject (a second library: icalendar wrote it)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import vobject

from pac.engine.calendar import CalendarItem, ItemKind
from pac.engine.model import Plan
from pac.io.ical import Series, calendar_to_ics, collapse_series
from tests.io.conftest import mondays, weekly_review

UTC = dt.UTC
STAMP = dt.datetime(2027, 1, 2, 8, 30, tzinfo=UTC)


def parse(data: bytes) -> Any:
    return vobject.readOne(data.decode("utf-8"))


def events(data: bytes) -> list[Any]:
    return list(parse(data).vevent_list)


def by_summary(data: bytes, summary: str) -> Any:
    return next(e for e in events(data) if e.summary.value == summary)


def occurrences(event: Any) -> list[dt.datetime]:
    """The event's occurrences as vobject expands them (dateutil rruleset, EXDATE applied)."""
    return list(event.getrruleset(addRDate=True))


def test_it_keeps_every_event(demo_plan: Plan, calendar_items: list[CalendarItem]) -> None:
    rituals = [i for i in calendar_items if i.kind is ItemKind.RITUAL]

    collapsed = events(calendar_to_ics(calendar_items, demo_plan, stamp=STAMP))
    expanded = events(calendar_to_ics(calendar_items, demo_plan, collapse=False, stamp=STAMP))

    assert len(collapsed) == len(calendar_items) - len(rituals) + 1
    assert len(expanded) == len(calendar_items)
    assert sorted(e.dtstart.value.isoformat()[:10] for e in expanded) == sorted(
        i.date.isoformat() for i in calendar_items
    )
    assert all(e.categories.value[0] in {k.value for k in ItemKind} for e in collapsed)


def test_it_writes_the_calendar_headers_and_a_vtimezone(demo_plan: Plan, calendar_items: list[CalendarItem]) -> None:
    data = calendar_to_ics(calendar_items, demo_plan, name="PAC — alex", stamp=STAMP)
    calendar = parse(data)

    assert calendar.version.value == "2.0"
    assert calendar.prodid.value.startswith("-//PAC//")
    assert calendar.contents["x-wr-calname"][0].value == "PAC — alex"
    assert calendar.contents["x-wr-timezone"][0].value == "Europe/Paris"
    assert [tz.tzid.value for tz in calendar.vtimezone_list] == ["Europe/Paris"]
    assert b"DTSTART;TZID=Europe/Paris:20270308T090000" in data
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")


def test_it_exports_a_ritual_as_one_recurring_event(demo_plan: Plan) -> None:
    days = mondays(dt.date(2027, 3, 8), 6)

    review = by_summary(calendar_to_ics(weekly_review(*days), demo_plan, stamp=STAMP), "Revue pipeline")

    assert "FREQ=WEEKLY" in review.rrule.value and "BYDAY=MO" in review.rrule.value
    assert [o.date() for o in occurrences(review)] == days
    assert review.dtstart.value.date() == days[0]


def test_it_keeps_the_time_zone_across_the_dst_change(demo_plan: Plan) -> None:
    before, after = dt.date(2027, 3, 22), dt.date(2027, 3, 29)  # Europe/Paris moves to CEST on 2027-03-28

    review = by_summary(
        calendar_to_ics(weekly_review(*mondays(dt.date(2027, 3, 8), 6)), demo_plan, stamp=STAMP), "Revue pipeline"
    )
    in_utc = {o.date(): o.astimezone(UTC) for o in occurrences(review)}

    assert in_utc[before] == dt.datetime(2027, 3, 22, 8, 0, tzinfo=UTC)
    assert in_utc[after] == dt.datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    assert review.dtend.value - review.dtstart.value == dt.timedelta(minutes=60)


def test_it_keeps_the_time_zone_of_single_timed_events(demo_plan: Plan) -> None:
    items = weekly_review(dt.date(2027, 3, 22), dt.date(2027, 3, 29))

    found = {
        e.dtstart.value.date(): e.dtstart.value.astimezone(UTC)
        for e in events(calendar_to_ics(items, demo_plan, collapse=False, stamp=STAMP))
    }

    assert found == {
        dt.date(2027, 3, 22): dt.datetime(2027, 3, 22, 8, 0, tzinfo=UTC),
        dt.date(2027, 3, 29): dt.datetime(2027, 3, 29, 7, 0, tzinfo=UTC),
    }


def test_it_ends_all_day_events_the_day_after_their_last_day(
    demo_plan: Plan, calendar_items: list[CalendarItem]
) -> None:
    data = calendar_to_ics(calendar_items, demo_plan, stamp=STAMP)

    action = by_summary(data, "Séquence ICP")
    campaign = by_summary(data, "J-30 · SantExpo Paris")
    event = by_summary(data, "SantExpo Paris")

    assert (action.dtstart.value, action.dtend.value) == (dt.date(2027, 1, 4), dt.date(2027, 2, 27))
    assert (campaign.dtstart.value, campaign.dtend.value) == (dt.date(2027, 4, 16), dt.date(2027, 4, 17))
    assert (event.dtstart.value, event.dtend.value) == (dt.date(2027, 5, 18), dt.date(2027, 5, 21))
    assert not isinstance(action.dtstart.value, dt.datetime)
    assert action.transp.value == "TRANSPARENT"  # a two-month action does not make its owner busy


def test_it_gives_the_same_uids_at_every_export(demo_plan: Plan, calendar_items: list[CalendarItem]) -> None:
    first = calendar_to_ics(calendar_items, demo_plan, stamp=STAMP)
    again = calendar_to_ics(list(reversed(calendar_items)), demo_plan)  # other order, other DTSTAMP
    renamed = calendar_to_ics(calendar_items, dataclasses.replace(demo_plan, name="Autre plan"), stamp=STAMP)

    uids = {e.summary.value: e.uid.value for e in events(first)}
    assert uids == {e.summary.value: e.uid.value for e in events(again)}
    assert len(set(uids.values())) == len(uids)
    assert not set(uids.values()) & {e.uid.value for e in events(renamed)}
    assert calendar_to_ics(calendar_items, demo_plan, stamp=STAMP) == first


def test_it_keeps_the_series_uid_when_the_series_grows(demo_plan: Plan) -> None:
    short = events(calendar_to_ics(weekly_review(*mondays(dt.date(2027, 3, 8), 3)), demo_plan, stamp=STAMP))
    longer = events(calendar_to_ics(weekly_review(*mondays(dt.date(2027, 3, 8), 6)), demo_plan, stamp=STAMP))

    assert [e.uid.value for e in short] == [e.uid.value for e in longer]


def test_it_tells_apart_two_items_of_one_object_on_one_day(demo_plan: Plan) -> None:
    day = dt.date(2027, 1, 8)
    items = [
        CalendarItem(day, ItemKind.MILESTONE, "Liste chargée", "seq"),
        CalendarItem(day, ItemKind.MILESTONE, "Touche 1 envoyée", "seq"),
    ]

    uids = [e.uid.value for e in events(calendar_to_ics(items, demo_plan, stamp=STAMP))]

    assert len(set(uids)) == 2


def test_it_leaves_out_occurrences_the_calendar_skipped(demo_plan: Plan) -> None:
    days = mondays(dt.date(2027, 3, 8), 6)
    easter_monday = dt.date(2027, 3, 29)
    moved = dt.date(2027, 3, 30)  # the review held on Tuesday instead
    items = [*weekly_review(*(d for d in days if d != easter_monday)), *weekly_review(moved)]

    found = events(calendar_to_ics(items, demo_plan, stamp=STAMP))

    series = next(e for e in found if hasattr(e, "rrule"))
    single = next(e for e in found if not hasattr(e, "rrule"))
    assert [o.date() for o in occurrences(series)] == [d for d in days if d != easter_monday]
    assert single.dtstart.value.date() == moved
    assert single.dtstart.value.astimezone(UTC) == dt.datetime(2027, 3, 30, 7, 0, tzinfo=UTC)


def test_it_collapses_recurring_all_day_deadlines(demo_plan: Plan) -> None:
    month_ends = [dt.date(2027, 1, 31), dt.date(2027, 2, 28), dt.date(2027, 3, 31)]
    items = [
        CalendarItem(
            d,
            ItemKind.DEADLINE,
            "Reporting mensuel",
            "reporting-mensuel",
            owner="manon",
            rrule="FREQ=MONTHLY;BYMONTHDAY=-1",
        )
        for d in month_ends
    ]

    (deadline,) = events(calendar_to_ics(items, demo_plan, stamp=STAMP))

    assert [o.date() for o in occurrences(deadline)] == month_ends
    assert deadline.dtstart.value == month_ends[0]
    assert deadline.dtend.value == dt.date(2027, 2, 1)


def test_it_describes_owner_people_and_campaign_offset(demo_plan: Plan, calendar_items: list[CalendarItem]) -> None:
    french = calendar_to_ics(calendar_items, demo_plan, stamp=STAMP)
    english = calendar_to_ics(calendar_items, demo_plan, language="en", stamp=STAMP)

    review = by_summary(french, "Revue pipeline").description.value
    campaign = by_summary(french, "J-30 · SantExpo Paris").description.value
    assert review.splitlines() == ["Responsable : manon", "Participants : sami, alex"]
    assert "Campagne d'activation, J-30 avant l'événement" in campaign
    english_campaign = by_summary(english, "D-30 · SantExpo Paris").description.value
    assert "Activation campaign, D-30 before the event" in english_campaign
    assert all(e.categories.value == [e.categories.value[0]] for e in events(french))


def test_it_returns_items_without_a_rule_as_they_are(calendar_items: list[CalendarItem]) -> None:
    entries = collapse_series(calendar_items)

    series = [e for e in entries if isinstance(e, Series)]
    assert len(series) == 1
    assert series[0].until == dt.date(2027, 4, 12)
    assert series[0].rule == "FREQ=WEEKLY;BYDAY=MO"
    assert [e for e in entries if not isinstance(e, Series)] == [i for i in calendar_items if i.rrule is None]


def test_it_bounds_the_series_by_its_items_not_by_the_rule(demo_plan: Plan) -> None:
    items = [
        dataclasses.replace(i, rrule="RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=52")
        for i in weekly_review(*mondays(dt.date(2027, 3, 8), 2))
    ]

    (review,) = events(calendar_to_ics(items, demo_plan, stamp=STAMP))

    assert "COUNT" not in review.rrule.value
    assert [o.date() for o in occurrences(review)] == mondays(dt.date(2027, 3, 8), 2)


def test_it_names_a_campaign_after_its_event_and_offset(demo_plan: Plan, calendar_items: list[CalendarItem]) -> None:
    summaries = {e.summary.value for e in events(calendar_to_ics(calendar_items, demo_plan, stamp=STAMP))}

    assert {"SantExpo Paris", "J-30 · SantExpo Paris"} <= summaries


def test_it_moves_a_deadline_out_of_its_series(demo_plan: Plan) -> None:
    month_ends = [
        dt.date(2027, 3, 31),
        dt.date(2027, 4, 30),
        dt.date(2027, 5, 31),
        dt.date(2027, 6, 30),
        dt.date(2027, 8, 31),
    ]
    saturday, friday = dt.date(2027, 7, 31), dt.date(2027, 7, 30)
    items = [
        CalendarItem(d, ItemKind.DEADLINE, "Reporting mensuel", "reporting-mensuel", rrule="FREQ=MONTHLY;BYMONTHDAY=-1")
        for d in month_ends
    ]
    items.append(
        CalendarItem(
            friday,
            ItemKind.DEADLINE,
            "Reporting mensuel",
            "reporting-mensuel",
            rrule="FREQ=MONTHLY;BYMONTHDAY=-1",
            moved_from=saturday,
        )
    )

    found = events(calendar_to_ics(items, demo_plan, stamp=STAMP))

    series = next(e for e in found if hasattr(e, "rrule"))
    single = next(e for e in found if not hasattr(e, "rrule"))
    assert len(found) == 2
    assert [o.date() for o in occurrences(series)] == month_ends  # 31 July is left out (EXDATE)
    assert single.dtstart.value == friday
    assert "Déplacé du 31 juil. 2027, jour non ouvré" in single.description.value


def test_it_writes_a_timed_item_in_its_own_time_zone(demo_plan: Plan) -> None:
    call = CalendarItem(
        dt.date(2027, 3, 1),
        ItemKind.RITUAL,
        "Call US",
        "call-us",
        at=dt.time(9, 0),
        minutes=30,
        timezone="America/New_York",
    )

    data = calendar_to_ics([call, *weekly_review(dt.date(2027, 3, 1))], demo_plan, collapse=False, stamp=STAMP)

    found = {e.summary.value: e.dtstart.value.astimezone(UTC) for e in events(data)}
    assert found == {
        "Call US": dt.datetime(2027, 3, 1, 14, 0, tzinfo=UTC),
        "Revue pipeline": dt.datetime(2027, 3, 1, 8, 0, tzinfo=UTC),
    }
    assert sorted(tz.tzid.value for tz in parse(data).vtimezone_list) == ["America/New_York", "Europe/Paris"]


def test_it_keeps_an_unreadable_rule_as_single_events(demo_plan: Plan) -> None:
    items = [dataclasses.replace(i, rrule="FREQ=SOMETIMES") for i in weekly_review(*mondays(dt.date(2027, 3, 8), 3))]

    found = events(calendar_to_ics(items, demo_plan, stamp=STAMP))

    assert len(found) == 3
    assert not any(hasattr(e, "rrule") for e in found)


def test_it_titles_a_weekly_milestone_with_its_volumes_in_the_reader_language(demo_plan: Plan) -> None:
    milestone = CalendarItem(
        dt.date(2027, 1, 4),
        ItemKind.MILESTONE,
        "Week 2027-W01: 1040 leads",
        "funnel",
        volumes=(("lead", 1040), ("mql", 0), ("won", 1)),
    )

    french = events(calendar_to_ics([milestone], demo_plan, stamp=STAMP))[0].summary.value
    english = events(calendar_to_ics([milestone], demo_plan, language="en", stamp=STAMP))[0].summary.value

    assert french == "Semaine 1 : 1\u202f040 leads, 1 signature"
    assert english == "Week 1: 1,040 leads, 1 win"
