"""ISO weeks, business days, fiscal quarters, plan items and rolling views (pac.engine.calendar)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from dateutil.easter import easter
from hypothesis import given, settings
from hypothesis import strategies as st

from pac.engine import model
from pac.engine.analysis import analyse
from pac.engine.calendar import (
    WEEKLY_MILESTONE_REF,
    CalendarItem,
    IsoWeek,
    ItemKind,
    UnknownCountryError,
    add_business_days,
    business_days_between,
    calendar_items,
    fiscal_quarter,
    fiscal_quarter_bounds,
    fiscal_quarters_between,
    fiscal_year_bounds,
    for_person,
    is_business_day,
    item_to_json,
    next_business_day,
    plan_span,
    previous_business_day,
    rolling_views,
    rolling_window,
    weekdays_between,
    weekdays_in_week,
    weeks_between,
)
from pac.engine.funnel import reverse_funnel


def test_it_puts_1_january_2027_in_the_last_iso_week_of_2026() -> None:
    week = IsoWeek.of(dt.date(2027, 1, 1))

    assert week == IsoWeek(2026, 53)
    assert week.label == "2026-W53"
    assert week.monday == dt.date(2026, 12, 28)
    assert week.shift(1) == IsoWeek(2027, 1)
    assert IsoWeek(2027, 1).shift(-1) == week


def test_it_lists_every_iso_week_touched_by_a_quarter() -> None:
    weeks = weeks_between(dt.date(2027, 1, 1), dt.date(2027, 3, 31))

    assert weeks[0] == IsoWeek(2026, 53) and weeks[-1] == IsoWeek(2027, 13)
    assert len(weeks) == 14  # a Friday start adds a partial week to the 13 of the quarter
    assert all(b.monday - a.monday == dt.timedelta(days=7) for a, b in itertools.pairwise(weeks))


def test_it_counts_the_weekdays_of_a_partial_week_inside_the_plan() -> None:
    start, end = dt.date(2027, 1, 1), dt.date(2027, 3, 31)  # Friday to Wednesday

    assert weekdays_in_week(IsoWeek(2026, 53), start, end) == 1
    assert weekdays_in_week(IsoWeek(2027, 1), start, end) == 5
    assert weekdays_in_week(IsoWeek(2027, 13), start, end) == 3
    assert weekdays_in_week(IsoWeek(2027, 14), start, end) == 0


@settings(max_examples=150, deadline=None)
@given(st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)), st.integers(-3, 400))
def test_it_counts_monday_to_friday_days_like_a_day_by_day_count(start: dt.date, length: int) -> None:
    end = start + dt.timedelta(days=length)
    by_hand = sum(1 for i in range(length + 1) if (start + dt.timedelta(days=i)).weekday() < 5)

    assert weekdays_between(start, end) == by_hand


# --- business days ---------------------------------------------------------------------------
# Expected holidays are derived here from Easter (dateutil's algorithm, not the holidays package):
# Ascension is Easter + 39 days, Pentecost Monday Easter + 50.

EASTER_2027 = easter(2027)
ASCENSION_2027 = EASTER_2027 + dt.timedelta(days=39)
PENTECOST_MONDAY_2027 = EASTER_2027 + dt.timedelta(days=50)


def test_it_knows_the_french_public_holidays_of_2027() -> None:
    derived = (EASTER_2027, ASCENSION_2027, PENTECOST_MONDAY_2027)
    assert derived == (dt.date(2027, 3, 28), dt.date(2027, 5, 6), dt.date(2027, 5, 17))
    for holiday in (
        dt.date(2027, 1, 1),
        EASTER_2027 + dt.timedelta(days=1),
        ASCENSION_2027,
        PENTECOST_MONDAY_2027,
        dt.date(2027, 7, 14),
        dt.date(2027, 11, 1),
        dt.date(2027, 11, 11),
    ):
        assert holiday.weekday() < 5
        assert not is_business_day(holiday), holiday
    assert is_business_day(dt.date(2027, 5, 13))  # the Thursday after Ascension is a working day
    assert not is_business_day(dt.date(2027, 5, 15)) and not is_business_day(dt.date(2027, 5, 16))  # weekend


def test_it_moves_a_day_on_pentecost_monday_to_the_friday_before() -> None:
    assert PENTECOST_MONDAY_2027.weekday() == 0

    assert previous_business_day(PENTECOST_MONDAY_2027) == dt.date(2027, 5, 14)


def test_it_moves_a_weekend_day_to_the_friday_before() -> None:
    saturday, sunday = dt.date(2027, 4, 17), dt.date(2027, 4, 18)
    assert (saturday.weekday(), sunday.weekday()) == (5, 6)

    assert previous_business_day(saturday) == previous_business_day(sunday) == dt.date(2027, 4, 16)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2027, 3, 29), dt.date(2027, 3, 26)),  # Easter Monday: back over the weekend to Friday
        (dt.date(2027, 5, 6), dt.date(2027, 5, 5)),  # Ascension (Thursday) → Wednesday
        (dt.date(2027, 11, 11), dt.date(2027, 11, 10)),  # Armistice (Thursday) → Wednesday
        (dt.date(2027, 12, 25), dt.date(2027, 12, 24)),  # Christmas is a Saturday → Friday
        (dt.date(2028, 1, 1), dt.date(2027, 12, 31)),  # New Year's Day 2028 (Saturday) → the year before
        (dt.date(2027, 5, 13), dt.date(2027, 5, 13)),  # a business day stays where it is
    ],
)
def test_it_moves_a_holiday_to_the_previous_business_day(day: dt.date, expected: dt.date) -> None:
    assert previous_business_day(day) == expected


def test_it_adds_business_days_over_weekends_and_holidays() -> None:
    friday = dt.date(2027, 5, 14)

    assert add_business_days(friday, 1) == dt.date(2027, 5, 18)  # Sat, Sun, Pentecost Monday skipped
    assert add_business_days(dt.date(2027, 5, 5), 1) == dt.date(2027, 5, 7)  # Ascension skipped
    assert add_business_days(dt.date(2027, 5, 18), -1) == friday
    assert add_business_days(dt.date(2027, 5, 16), 0) == dt.date(2027, 5, 16)  # 0 leaves the day alone
    assert next_business_day(PENTECOST_MONDAY_2027) == dt.date(2027, 5, 18)


def test_it_counts_the_business_days_of_may_2027() -> None:
    # 21 weekdays; 1 and 8 May are Saturdays, Ascension and Pentecost Monday are weekdays
    assert weekdays_between(dt.date(2027, 5, 1), dt.date(2027, 5, 31)) == 21

    assert business_days_between(dt.date(2027, 5, 1), dt.date(2027, 5, 31)) == 19
    assert business_days_between(dt.date(2027, 5, 31), dt.date(2027, 5, 1)) == 0


def test_it_uses_the_weekend_of_the_plan_country() -> None:
    sunday = dt.date(2027, 1, 3)

    assert not is_business_day(sunday, "FR")
    assert is_business_day(sunday, "IL")  # Friday and Saturday are the weekend in Israel
    assert not is_business_day(dt.date(2027, 1, 8), "IL")


def test_it_refuses_a_country_without_a_holiday_calendar() -> None:
    with pytest.raises(UnknownCountryError, match="XX"):
        is_business_day(dt.date(2027, 1, 4), "XX")


def _business_by_hand(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in FR_HOLIDAYS


FR_HOLIDAYS = {  # 2025–2029, from the official list (Easter-based ones computed from dateutil's Easter)
    dt.date(y, m, d)
    for y in range(2025, 2030)
    for m, d in ((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))
} | {easter(y) + dt.timedelta(days=n) for y in range(2025, 2030) for n in (1, 39, 50)}

DAYS_2026_2028 = st.dates(dt.date(2026, 1, 20), dt.date(2028, 12, 10))


@settings(max_examples=300, deadline=None)
@given(DAYS_2026_2028)
def test_it_moves_back_to_the_latest_business_day_on_or_before_a_day(day: dt.date) -> None:
    moved = previous_business_day(day)

    assert is_business_day(moved) and _business_by_hand(moved)
    assert moved <= day
    assert not any(is_business_day(moved + dt.timedelta(days=i)) for i in range(1, (day - moved).days + 1))


@settings(max_examples=200, deadline=None)
@given(DAYS_2026_2028, st.integers(0, 300))
def test_it_counts_business_days_like_a_day_by_day_count(start: dt.date, length: int) -> None:
    end = start + dt.timedelta(days=length)
    by_hand = sum(1 for i in range(length + 1) if _business_by_hand(start + dt.timedelta(days=i)))

    assert business_days_between(start, end) == by_hand


@settings(max_examples=200, deadline=None)
@given(DAYS_2026_2028, st.integers(1, 200))
def test_it_adds_n_business_days_landing_on_the_nth_one(day: dt.date, count: int) -> None:
    later = add_business_days(day, count)

    assert is_business_day(later)
    assert business_days_between(day + dt.timedelta(days=1), later) == count
    assert add_business_days(later, -count) == previous_business_day(day)  # ``day`` itself when it is one


# --- fiscal quarters -------------------------------------------------------------------------


def test_it_puts_1_april_2027_in_q1_of_fy2027_when_the_fiscal_year_starts_in_april() -> None:
    assert fiscal_quarter(dt.date(2027, 4, 1), 4) == (2027, 1)
    assert fiscal_quarter(dt.date(2027, 3, 31), 4) == (2026, 4)
    assert fiscal_quarter(dt.date(2027, 12, 31), 4) == (2027, 3)
    assert fiscal_quarter(dt.date(2028, 1, 1), 4) == (2027, 4)
    assert fiscal_year_bounds(2027, 4) == (dt.date(2027, 4, 1), dt.date(2028, 3, 31))
    assert fiscal_quarter_bounds(2027, 4, 4) == (dt.date(2028, 1, 1), dt.date(2028, 3, 31))


def test_it_uses_calendar_quarters_when_the_fiscal_year_starts_in_january() -> None:
    assert fiscal_quarter(dt.date(2027, 2, 28)) == (2027, 1)
    assert fiscal_quarter(dt.date(2027, 7, 1)) == (2027, 3)
    assert fiscal_quarter_bounds(2027, 1) == (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    assert fiscal_quarter_bounds(2027, 4) == (dt.date(2027, 10, 1), dt.date(2027, 12, 31))


def test_it_lists_the_fiscal_quarters_a_period_touches() -> None:
    assert fiscal_quarters_between(dt.date(2027, 1, 1), dt.date(2027, 6, 30), 10) == [(2026, 2), (2026, 3)]
    assert fiscal_quarters_between(dt.date(2027, 3, 31), dt.date(2027, 4, 1), 4) == [(2026, 4), (2027, 1)]


def test_it_refuses_a_fiscal_year_start_that_is_not_a_month() -> None:
    with pytest.raises(ValueError, match="month"):
        fiscal_quarter(dt.date(2027, 1, 1), 13)
    with pytest.raises(ValueError, match="quarter"):
        fiscal_quarter_bounds(2027, 5)


@settings(max_examples=200, deadline=None)
@given(st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)), st.integers(1, 12))
def test_it_places_every_day_inside_the_bounds_of_its_fiscal_quarter(day: dt.date, start_month: int) -> None:
    year, quarter = fiscal_quarter(day, start_month)
    first, last = fiscal_quarter_bounds(year, quarter, start_month)

    assert first <= day <= last
    assert first.day == 1 and (first.month - start_month) % 3 == 0
    assert 89 <= (last - first).days + 1 <= 92
    assert fiscal_year_bounds(year, start_month)[0] <= day <= fiscal_year_bounds(year, start_month)[1]
    assert fiscal_year_bounds(year, start_month)[0].year == year  # named after the year it starts in


# --- the plan's items ------------------------------------------------------------------------

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

    assert [IsoWeek.of(i.date) for i in weekly] == list(schedule.plan_weeks)
    assert weekly[0].date == dt.date(2027, 1, 1)  # week 53 has no business day in the plan: its first day
    assert weekly[1].date == dt.date(2027, 1, 4)
    assert weekly[-1].date == dt.date(2027, 3, 30)  # Easter Monday 29 March → Tuesday
    for item in weekly:
        week = IsoWeek.of(item.date)
        assert item.kind is ItemKind.MILESTONE and item.title.startswith(f"{week.label}: ")
        assert dict(item.volumes) == {
            s.stage.value: schedule.volume(week, s.stage, False) for s in reverse_funnel(demo_plan).stages
        }
    w01 = IsoWeek(2027, 1)
    assert weekly[1].title.startswith(
        f"2027-W01: {schedule.volume(w01, model.Stage.LEAD, False)} lead, "
        f"{schedule.volume(w01, model.Stage.MQL, False)} mql"
    )
    for stage in ("lead", "won"):
        assert sum(dict(i.volumes)[stage] for i in weekly) == sum(
            r.volume for r in schedule.rows if r.stage.value == stage and not r.before_plan
        )


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
