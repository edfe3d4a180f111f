"""The plan's dated items and the rolling 90/30/7 views (pac.engine.calendar)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from pac.engine import model
from pac.engine.analysis import analyse
from pac.engine.calendar import (
    WEEKLY_MILESTONE_REF,
    CalendarItem,
    ItemKind,
    calendar_items,
    for_person,
    item_to_json,
    plan_span,
    rolling_views,
    rolling_window,
)
from pac.engine.funnel import reverse_funnel
from pac.engine.schedule import weekly_schedule
from pac.engine.workdays import IsoWeek, is_business_day

PENTECOST_MONDAY_2027 = dt.date(2027, 5, 17)
Q1 = (dt.date(2027, 1, 1), dt.date(2027, 3, 31))


def _plan(**changes: Any) -> model.Plan:
    return model.Plan(**{"name": "Calendrier", "start": Q1[0], "end": Q1[1], **changes})


def _of(items: list[CalendarItem], kind: ItemKind, ref: str | None = None) -> list[CalendarItem]:
    return [i for i in items if i.kind is kind and (ref is None or i.ref == ref)]


def test_it_expands_a_weekly_monday_ritual_at_0900_paris_time_across_the_dst_change() -> None:
    review = model.Ritual(
        "revue", "Revue pipeline", "FREQ=WEEKLY;BYDAY=MO", dt.time(9, 0), 60, "manon", ("sami", "manon")
    )
    plan = _plan(rituals=(review,))

    items = calendar_items(plan, *Q1)

    mondays = [Q1[0] + dt.timedelta(days=i) for i in range(90) if (Q1[0] + dt.timedelta(days=i)).weekday() == 0]
    assert len(mondays) == 13
    assert [i.date for i in items] == mondays
    assert {(i.kind, i.at, i.minutes, i.timezone, i.rrule) for i in items} == {
        (ItemKind.RITUAL, dt.time(9, 0), 60, "Europe/Paris", "FREQ=WEEKLY;BYDAY=MO")
    }
    assert items[0].people == ("manon", "sami")
    before, after = items[-2].starts_at, items[-1].starts_at  # 22 and 29 March, around 28 March
    assert before is not None and after is not None
    assert (before.utcoffset(), after.utcoffset()) == (dt.timedelta(hours=1), dt.timedelta(hours=2))
    assert before.astimezone(dt.UTC).hour == 8 and after.astimezone(dt.UTC).hour == 7


def test_it_anchors_a_ritual_interval_at_the_plan_start() -> None:
    qbr = model.Ritual("qbr", "QBR", "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU", dt.time(10, 0), 120)
    plan = _plan(end=dt.date(2027, 12, 31), rituals=(qbr,))

    items = calendar_items(plan, plan.start, plan.end)

    assert [i.date for i in items] == [
        dt.date(2027, 1, 5),
        dt.date(2027, 4, 6),
        dt.date(2027, 7, 6),
        dt.date(2027, 10, 5),
    ]


def test_it_runs_rituals_only_over_the_plan_dates() -> None:
    plan = _plan(rituals=(model.Ritual("daily", "Daily", "FREQ=DAILY", dt.time(8, 30), 15),))

    items = calendar_items(plan, dt.date(2026, 12, 1), dt.date(2027, 4, 30))

    assert (items[0].date, items[-1].date, len(items)) == (Q1[0], Q1[1], 90)
    assert calendar_items(plan, dt.date(2027, 3, 30), dt.date(2027, 4, 30))[0].date == dt.date(2027, 3, 30)


def test_it_places_the_santexpo_campaigns_60_30_and_7_days_before_the_show(demo_plan: model.Plan) -> None:
    show = dt.date(2027, 5, 18)  # SantExpo opens on a Tuesday
    j60, j30, j7 = (show - dt.timedelta(days=n) for n in (60, 30, 7))
    # 60 days back: 18 days to 30 April, 30 more to 31 March, 12 more to 19 March
    assert (j60, j30, j7) == (dt.date(2027, 3, 19), dt.date(2027, 4, 18), dt.date(2027, 5, 11))
    assert (j60.weekday(), j30.weekday(), j7.weekday()) == (4, 6, 1)  # Friday, Sunday, Tuesday
    j30_moved = j30 - dt.timedelta(days=2)  # Sunday → Friday 16 April (not a holiday)

    items = calendar_items(demo_plan, *plan_span(demo_plan))

    campaigns = _of(items, ItemKind.CAMPAIGN, "santexpo")
    assert [(c.date, c.offset_days, c.moved_from) for c in campaigns] == [
        (j60, 60, None),
        (j30_moved, 30, j30),
        (j7, 7, None),
    ]
    assert all(c.title == "SantExpo Paris" for c in campaigns)
    assert campaigns[0].people == ("manon", "sami")  # who runs the action that prepares the show
    (event,) = _of(items, ItemKind.EVENT, "santexpo")
    assert (event.date, event.end) == (show, dt.date(2027, 5, 20))


def test_it_moves_a_campaign_landing_on_pentecost_monday_to_the_friday_before() -> None:
    event = model.Event(
        "salon", "Salon", model.EventKind.TRADE_SHOW, dt.date(2027, 5, 24), dt.date(2027, 5, 26), (7, 0)
    )
    plan = _plan(events=(event,))

    items = calendar_items(plan, dt.date(2027, 5, 1), dt.date(2027, 5, 31))

    assert [(i.kind, i.date, i.offset_days, i.moved_from) for i in items] == [
        (ItemKind.CAMPAIGN, dt.date(2027, 5, 14), 7, PENTECOST_MONDAY_2027),
        (ItemKind.EVENT, dt.date(2027, 5, 24), None, None),
        (ItemKind.CAMPAIGN, dt.date(2027, 5, 24), 0, None),
    ]


def test_it_moves_reporting_deadlines_off_weekends(demo_plan: model.Plan) -> None:
    # the demo's monthly report is due on the last day of each month; January and February 2027 end
    # on a Sunday, so the report is due on the Friday before
    assert dt.date(2027, 1, 31).weekday() == dt.date(2027, 2, 28).weekday() == 6

    deadlines = _of(calendar_items(demo_plan, *plan_span(demo_plan)), ItemKind.DEADLINE)

    assert [(d.ref, d.date, d.moved_from) for d in deadlines] == [
        ("reporting-mensuel", dt.date(2027, 1, 29), dt.date(2027, 1, 31)),
        ("reporting-mensuel", dt.date(2027, 2, 26), dt.date(2027, 2, 28)),
        ("reporting-mensuel", dt.date(2027, 3, 31), None),
        ("bilan-t1", dt.date(2027, 4, 2), None),
    ]
    assert {d.owner for d in deadlines} == {"manon"}


def test_it_moves_a_dated_deadline_on_a_holiday_and_keeps_it_in_a_window_ending_that_day() -> None:
    plan = _plan(end=dt.date(2027, 12, 31), deadlines=(model.Deadline("armistice", "Rapport", dt.date(2027, 11, 11)),))

    (item,) = calendar_items(plan, dt.date(2027, 11, 1), dt.date(2027, 11, 10))

    assert (item.date, item.moved_from) == (dt.date(2027, 11, 10), dt.date(2027, 11, 11))


def test_it_dates_each_action_and_its_milestones_for_the_people_of_its_raci() -> None:
    raci = model.Raci(("sami", "alex"), "manon", ("chloe",), ("lea",))
    action = model.Action(
        "seq",
        model.ActionType.PROSPECTING_SEQUENCE,
        "Séquence",
        dt.date(2027, 1, 11),
        dt.date(2027, 2, 26),
        owner="bob",
        raci=raci,
        milestones=(model.Milestone("Touche 4", dt.date(2027, 2, 5)),),
    )
    cancelled = model.Action(
        "old",
        model.ActionType.WEBINAR,
        "Annulé",
        dt.date(2027, 1, 4),
        dt.date(2027, 1, 8),
        status=model.ActionStatus.CANCELLED,
        milestones=(model.Milestone("x", dt.date(2027, 1, 5)),),
    )
    plan = _plan(actions=(action, cancelled))

    items = calendar_items(plan, *Q1)

    assert [(i.kind, i.date, i.end, i.ref) for i in items] == [
        (ItemKind.ACTION, dt.date(2027, 1, 11), dt.date(2027, 2, 26), "seq"),
        (ItemKind.MILESTONE, dt.date(2027, 2, 5), None, "seq"),
    ]
    assert items[0].owner == items[1].owner == "bob"
    assert items[0].people == ("sami", "alex", "manon", "bob")
    assert items[1].people == ("sami", "alex", "manon")


def test_it_gives_one_weekly_milestone_per_plan_week_with_its_volumes(demo_plan: model.Plan) -> None:
    schedule = analyse(demo_plan).schedule
    assert schedule is not None

    weekly = [i for i in calendar_items(demo_plan, *Q1, schedule) if i.ref == WEEKLY_MILESTONE_REF]

    # week 53 (Friday 1 January, a holiday, to Sunday 3) and week 13 (Easter Monday, then two days that
    # get none of the 12 wins) ask for nothing: no milestone there, and none on a day off
    asking = [w for w in schedule.plan_weeks if any(schedule.volume(w, s, False) for s in model.Stage)]
    assert asking == list(schedule.plan_weeks[1:-1])
    assert [IsoWeek.of(i.date) for i in weekly] == asking
    assert weekly[0].date == dt.date(2027, 1, 4)
    assert all(is_business_day(i.date) and any(v for _, v in i.volumes) for i in weekly)
    for item in weekly:
        week = IsoWeek.of(item.date)
        assert item.kind is ItemKind.MILESTONE and item.title.startswith(f"Week {week.label}: ")
        assert dict(item.volumes) == {
            s.stage.value: schedule.volume(week, s.stage, False) for s in reverse_funnel(demo_plan).stages
        }
    w01 = IsoWeek(2027, 1)
    assert weekly[0].title.startswith(
        f"Week 2027-W01: {schedule.volume(w01, model.Stage.LEAD, False)} leads, "
        f"{schedule.volume(w01, model.Stage.MQL, False)} MQLs"
    )
    for stage in ("lead", "won"):
        assert sum(dict(i.volumes)[stage] for i in weekly) == sum(
            r.volume for r in schedule.rows if r.stage.value == stage and not r.before_plan
        )


def test_it_dates_no_weekly_milestone_on_a_day_off_nor_without_volume() -> None:
    """Wins weighted on the first and last weeks only: the weeks between ask for nothing at the bottom,
    and, with no stage above, for nothing at all; a plan starting on a holiday gets no milestone then."""
    plan = model.Plan(
        name="Pointes",
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 1, 31),
        steps=(model.FunnelStep(model.Stage.DEMO, Decimal(1)), model.FunnelStep(model.Stage.WON)),
        objectives=(model.Objective("wins", model.Metric.WINS, Decimal(10), dt.date(2027, 1, 31)),),
        weekly_weights=(Decimal(1), Decimal(1), Decimal(0), Decimal(0), Decimal(1)),
    )
    schedule = weekly_schedule(plan, reverse_funnel(plan))

    weekly = [i for i in calendar_items(plan, plan.start, plan.end, schedule) if i.ref == WEEKLY_MILESTONE_REF]

    assert [i.date for i in weekly] == [dt.date(2027, 1, 4), dt.date(2027, 1, 25)]


def test_it_sorts_items_by_date_time_kind_and_title(demo_plan: model.Plan) -> None:
    items = calendar_items(demo_plan, *plan_span(demo_plan), analyse(demo_plan).schedule)

    order = list(ItemKind)
    keys = [(i.date, i.at or dt.time.min, order.index(i.kind), i.title) for i in items]
    assert keys == sorted(keys)
    assert plan_span(demo_plan) == (dt.date(2027, 1, 1), dt.date(2027, 11, 30))  # to the budget season's end
    assert {i.kind for i in items} == set(ItemKind)


# --- rolling 90/30/7 views -------------------------------------------------------------------

TODAY = dt.date(2027, 3, 15)


def _item(
    title: str, first: int, last: int | None = None, owner: str | None = None, people: tuple[str, ...] = ()
) -> CalendarItem:
    return CalendarItem(
        TODAY + dt.timedelta(days=first),
        ItemKind.ACTION,
        title,
        title,
        end=TODAY + dt.timedelta(days=last) if last is not None else None,
        owner=owner,
        people=people,
    )


def test_it_keeps_in_each_rolling_view_the_items_that_meet_its_days() -> None:
    items = [
        _item("ended-yesterday", -10, -1),
        _item("running", -10, 3),
        _item("today", 0),
        _item("day-7", 6),
        _item("day-8", 7),
        _item("day-30", 29),
        _item("day-31", 30),
        _item("day-90", 89),
        _item("day-91", 90),
    ]

    views = rolling_views(items, TODAY)

    titles = {days: [i.title for i in view] for days, view in views.items()}
    assert list(titles) == [90, 30, 7]
    assert titles[7] == ["running", "today", "day-7"]
    assert titles[30] == ["running", "today", "day-7", "day-8", "day-30"]
    assert titles[90] == ["running", "today", "day-7", "day-8", "day-30", "day-31", "day-90"]
    assert rolling_window(items, TODAY, 1) == [items[1], items[2]]
    with pytest.raises(ValueError):
        rolling_window(items, TODAY, 0)


def test_it_shows_a_person_only_the_items_they_own_or_are_in() -> None:
    items = [
        _item("mine", 0, owner="sami"),
        _item("team", 1),
        _item("raci", 2, owner="alex", people=("sami",)),
        _item("theirs", 3, owner="alex", people=("alex", "manon")),
    ]

    assert [i.title for i in for_person(items, "sami")] == ["mine", "raci"]
    assert [i.title for i in for_person(items, "sami", include_team=True)] == ["mine", "team", "raci"]


def test_it_gives_a_rep_their_week_of_the_demo_plan(demo_plan: model.Plan) -> None:
    items = calendar_items(demo_plan, *plan_span(demo_plan))

    week = for_person(rolling_views(items, TODAY)[7], "chloe")

    assert [(i.kind.value, i.date.isoformat(), i.ref) for i in week] == [
        ("action", "2027-02-01", "upsell-base"),  # runs through the week
        ("ritual", "2027-03-15", "revue-pipeline"),
    ]


def test_it_writes_an_item_as_the_cli_json_shape() -> None:
    campaign = CalendarItem(
        dt.date(2027, 4, 16),
        ItemKind.CAMPAIGN,
        "SantExpo",
        "santexpo",
        people=("manon",),
        offset_days=30,
        moved_from=dt.date(2027, 4, 18),
    )
    ritual = CalendarItem(
        dt.date(2027, 3, 29),
        ItemKind.RITUAL,
        "Revue",
        "revue",
        at=dt.time(9, 0),
        minutes=60,
        owner="manon",
        rrule="FREQ=WEEKLY;BYDAY=MO",
        timezone="Europe/Paris",
    )

    assert item_to_json(campaign) == {
        "date": "2027-04-16",
        "kind": "campaign",
        "title": "SantExpo",
        "ref": "santexpo",
        "people": ["manon"],
        "offset_days": 30,
        "moved_from": "2027-04-18",
    }
    assert item_to_json(ritual) == {
        "date": "2027-03-29",
        "kind": "ritual",
        "title": "Revue",
        "ref": "revue",
        "time": "09:00",
        "minutes": 60,
        "timezone": "Europe/Paris",
        "owner": "manon",
        "rrule": "FREQ=WEEKLY;BYDAY=MO",
    }
