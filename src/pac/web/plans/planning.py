"""The 90/30/7 views of a plan — quarter roadmap, month calendar, "my week" — and the RACI grid.

The views are anchored on a day: today when it falls inside the plan's span, else the nearest end
of that span (a plan that starts next quarter opens on its first day); ``?from=YYYY-MM-DD`` moves it.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections import defaultdict
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from pac.engine import calendar as cal
from pac.engine import workdays
from pac.engine.analysis import analyse
from pac.engine.labels import ITEM_KIND_LABELS, campaign_title, week_title
from pac.engine.model import Plan as EnginePlan
from pac.engine.workdays import IsoWeek
from pac.web.accounts.abilities import Ability, requires
from pac.web.language import formatter
from pac.web.plans import adapters, selectors
from pac.web.plans import calendar_marks as marks
from pac.web.plans.action_list import CLOSED, status_context
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user

KIND_CLASSES = {kind: kind.value for kind in cal.ItemKind}


def anchor_day(request: HttpRequest, plan: EnginePlan) -> dt.date:
    """The asked day (kept within two years of the plan's span), else today within the span."""
    first, last = cal.plan_span(plan)
    try:
        asked = dt.date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        return min(max(timezone.localdate(), first), last)
    margin = dt.timedelta(days=730)
    return min(max(asked, first - margin), last + margin)


def plan_items(plan: EnginePlan, start: dt.date, end: dt.date) -> list[cal.CalendarItem]:
    """Calendar items of [start, end], with the weekly funnel milestones when the funnel is complete."""
    return cal.calendar_items(plan, start, end, analyse(plan).schedule)


def item_title(item: cal.CalendarItem, fmt: Any) -> str:
    """A readable, translated title (weekly milestones are rebuilt from their volumes)."""
    if item.kind is cal.ItemKind.MILESTONE and item.volumes:
        return week_title(str(IsoWeek.of(item.date).week), item.volumes, fmt.number, _)
    if item.kind is cal.ItemKind.CAMPAIGN and item.offset_days is not None:
        return campaign_title(item.title, item.offset_days, _)
    return item.title


def present_item(item: cal.CalendarItem, fmt: Any) -> dict[str, Any]:
    return {
        "kind": item.kind.value,
        "kind_label": _(ITEM_KIND_LABELS[item.kind]),
        "title": item_title(item, fmt),
        "date": fmt.date(item.date),
        "end": fmt.date(item.end) if item.end and item.end != item.date else "",
        "time": item.at.strftime("%H:%M") if item.at else "",
        "owner": item.owner or "",
        "people": ", ".join(item.people),
        "ref": item.ref,
        "moved": fmt.date(item.moved_from) if item.moved_from else "",
    }


def _nav(anchor: dt.date, days: int) -> dict[str, str]:
    return {
        "prev": (anchor - dt.timedelta(days=days)).isoformat(),
        "next": (anchor + dt.timedelta(days=days)).isoformat(),
    }


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def roadmap(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Quarter roadmap (90 days): one row per action, grouped by owner, across ISO weeks."""
    row = selectors.plan_for(current_user(request), plan_id)
    plan = adapters.to_engine(row)
    fmt = formatter(plan.currency)
    start, end = cal.window(anchor_day(request, plan), 90)
    weeks = workdays.weeks_between(start, end)
    items = plan_items(plan, start, end)
    names = selectors.people_names(row)
    this_week = IsoWeek.of(marks.today())
    owner_filter = request.GET.get("owner", "")
    by_owner: dict[str, list[dict[str, Any]]] = defaultdict(list)
    markers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        if item.kind is cal.ItemKind.ACTION:
            if owner_filter and item.owner != owner_filter:
                continue
            cells = [
                {
                    "on": item.date <= w.monday + dt.timedelta(days=6) and item.last_day >= w.monday,
                    "today": w == this_week,
                }
                for w in weeks
            ]
            owner = names.get(item.owner, item.owner) if item.owner else _("(no owner)")
            by_owner[owner].append({**present_item(item, fmt), "cells": cells})
        elif item.kind in (cal.ItemKind.EVENT, cal.ItemKind.CAMPAIGN, cal.ItemKind.DEADLINE) or (
            item.kind is cal.ItemKind.MILESTONE and not item.volumes
        ):
            markers[IsoWeek.of(item.date).label].append(present_item(item, fmt))
    quarters = [
        marks.quarter_label(y, q, plan.fiscal_year_start)
        for y, q in workdays.fiscal_quarters_between(start, end, plan.fiscal_year_start)
    ]
    owners = sorted(((o, names.get(o, o)) for o in {a.owner for a in plan.actions if a.owner}), key=lambda p: p[1])
    holidays = marks.holidays_between(plan.country, start, end)
    now = marks.today()
    shown_weeks = []
    for w in weeks:
        days = [w.monday + dt.timedelta(days=i) for i in range(7)]
        shown_weeks.append(
            {
                "label": marks.week_label(w),
                "monday": fmt.date(w.monday),
                "markers": markers.get(w.label, []),
                "holidays": [f"{fmt.date(d)} · {holidays[d]}" for d in days if d in holidays],
                "today": now in days,
            }
        )
    kinds = sorted({mk["kind"] for ms in markers.values() for mk in ms})
    return render(
        request,
        "plans/roadmap.html",
        {
            "plan": row,
            "start": fmt.date(start),
            "end": fmt.date(end),
            "quarters": quarters,
            "weeks": shown_weeks,
            "legend": marks.legend(kinds, holidays=bool(holidays), today_shown=start <= now <= end),
            "groups": sorted(by_owner.items()),
            "nav": _nav(start, 90),
            "from_iso": start.isoformat(),
            "owners": owners,
            "owner": owner_filter,
        },
    )


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def month(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Month plan (30): a month grid with every item of each day."""
    row = selectors.plan_for(current_user(request), plan_id)
    plan = adapters.to_engine(row)
    fmt = formatter(plan.currency)
    anchor = anchor_day(request, plan)
    try:
        year, number = (int(part) for part in request.GET.get("month", "").split("-"))
        first = dt.date(year, number, 1)
    except ValueError:
        first = anchor.replace(day=1)
    span_first, span_last = cal.plan_span(plan)
    if not span_first.year - 2 <= first.year <= span_last.year + 2:  # far-off months: back to the plan
        first = anchor.replace(day=1)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    month_items = plan_items(plan, first, last)
    items = [i for i in month_items if i.kind is not cal.ItemKind.ACTION]
    person = request.GET.get("person", "")
    if person:
        items = cal.for_person(items, person, include_team=True)
    by_day: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for item in items:  # a multi-day item (a three-day trade show) shows on each of its days
        shown = present_item(item, fmt)
        day = max(item.date, first)
        while day <= min(item.last_day, last):
            by_day[day].append(shown)
            day += dt.timedelta(days=1)
    grid = []
    for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        grid.append(
            [
                {
                    "date": d,
                    "day": d.day,
                    "iso": d.isoformat(),
                    "in_month": d.month == first.month,
                    "business": workdays.is_business_day(d, plan.country),
                    "items": by_day.get(d, []),
                }
                for d in week
            ]
        )
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = last + dt.timedelta(days=1)
    names = selectors.people_names(row)
    active = [
        {**present_item(i, fmt), "owner": names.get(i.owner or "", i.owner or "")}
        for i in month_items
        if i.kind is cal.ItemKind.ACTION
    ]
    # weekend columns with nothing planned all month are folded away; holidays and today are marked
    weekend = workdays.weekend_days(plan.country)
    holidays = marks.holidays_between(plan.country, grid[0][0]["date"], grid[-1][-1]["date"])
    now = marks.today()
    folded = {
        column
        for column in range(7)
        if column in weekend and not any(week[column]["items"] and week[column]["in_month"] for week in grid)
    }
    for week_row in grid:
        for cell in week_row:
            cell["holiday"] = holidays.get(cell["date"], "") if cell["in_month"] else ""
            cell["today"] = cell["date"] == now
    weekdays = _weekday_labels(fmt)
    return render(
        request,
        "plans/month.html",
        {
            "plan": row,
            "month_label": _month_label(first, fmt),
            "weeks": [
                {
                    "label": marks.week_label(IsoWeek.of(w[0]["date"])),
                    "days": [c for i, c in enumerate(w) if i not in folded],
                }
                for w in grid
            ],
            "actions": active,
            "prev": previous.strftime("%Y-%m"),
            "next": following.strftime("%Y-%m"),
            "weekdays": [d for i, d in enumerate(weekdays) if i not in folded],
            "folded": [weekdays[i] for i in sorted(folded)],
            "people": [(p, names.get(p, p)) for p in _people_of(plan)],
            "person": person,
            "legend": marks.legend(
                sorted({i.kind.value for i in items}), holidays=bool(holidays), today_shown=first <= now <= last
            ),
        },
    )


def _month_label(first: dt.date, fmt: Any) -> str:
    from babel.dates import format_date

    return str(format_date(first, "LLLL y", locale=fmt.locale)).capitalize()


def _weekday_labels(fmt: Any) -> list[str]:
    from babel.dates import get_day_names

    names = get_day_names("abbreviated", locale=fmt.locale)
    return [str(names[i]) for i in range(7)]


def _people_of(plan: EnginePlan) -> list[str]:
    people: set[str] = set()
    for action in plan.actions:
        people.update(p for p in (action.owner,) if p)
        if action.raci:
            people.update((*action.raci.responsible, action.raci.accountable))
    for ritual in plan.rituals:
        people.update(p for p in (ritual.owner, *ritual.attendees) if p)
    return sorted(people)


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def week(request: HttpRequest, plan_id: int) -> HttpResponse:
    """My week (7): what the logged-in person owns or takes part in, day by day; public holidays and
    today marked, weekend days with nothing planned folded away, and the person's actions under way
    with their status and progress to update (the rep's week on the go: it must work on a phone)."""
    user = current_user(request)
    row = selectors.plan_for(user, plan_id)
    plan = adapters.to_engine(row)
    fmt = formatter(plan.currency)
    start, end = cal.window(anchor_day(request, plan), 7)
    person = user.username
    items = cal.for_person(plan_items(plan, start, end), person, include_team=True)
    holidays = marks.holidays_between(plan.country, start, end)
    weekend = workdays.weekend_days(plan.country)
    now = marks.today()
    labels = _weekday_labels(fmt)
    days, folded = [], []
    for offset in range(7):
        day = start + dt.timedelta(days=offset)
        shown = [present_item(i, fmt) for i in items if i.kind is not cal.ItemKind.ACTION and i.date == day]
        if day.weekday() in weekend and not shown and day not in holidays and day != now:
            folded.append(f"{labels[day.weekday()]} {fmt.date(day)}")
            continue
        days.append(
            {
                "label": fmt.date(day),
                "iso": day.isoformat(),
                "weekday": labels[day.weekday()],
                "items": shown,
                "holiday": holidays.get(day, ""),
                "today": day == now,
            }
        )
    running_items = [i for i in items if i.kind is cal.ItemKind.ACTION]
    rows = {a.code: a for a in row.actions.filter(code__in=[i.ref for i in running_items])}
    names = selectors.people_names(row)
    editor = selectors.can_edit(user, row)
    running = []
    for item in running_items:
        shown = present_item(item, fmt)
        action = rows.get(item.ref)
        if action is not None:
            shown["status"] = status_context(action, row, user, now, fmt, editor=editor)
            shown["owner_name"] = names.get(action.owner, action.owner)
        running.append(shown)
    if start <= now <= end:  # this week: the person's late actions too, first (the first to update)
        late = row.actions.filter(owner=person, end__lt=start).exclude(status__in=CLOSED).order_by("end")
        running[:0] = [
            {
                "title": action.name,
                "date": fmt.date(action.start),
                "end": fmt.date(action.end),
                "status": status_context(action, row, user, now, fmt, editor=editor),
                "owner_name": names.get(action.owner, action.owner),
            }
            for action in late
        ]
    kinds = sorted({i.kind.value for i in items if i.kind is not cal.ItemKind.ACTION})
    return render(
        request,
        "plans/week.html",
        {
            "plan": row,
            "start": fmt.date(start),
            "end": fmt.date(end),
            "weeks": " – ".join(dict.fromkeys(marks.week_label(w) for w in workdays.weeks_between(start, end))),
            "days": days,
            "folded": folded,
            "running": running,
            "nav": _nav(start, 7),
            "person": names.get(person, person),
            "empty": not items,
            "legend": marks.legend(kinds, holidays=bool(holidays), today_shown=start <= now <= end),
        },
    )


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def raci_grid(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Who is R, A, C or I for each action and each team activity."""
    row = selectors.plan_for(current_user(request), plan_id)
    plan = adapters.to_engine(row)
    rows = [(_("Action"), action.name, action.raci) for action in plan.actions if action.raci]
    rows += [(_("Team activity"), governance.activity, governance.raci) for governance in plan.raci]
    people = sorted({person for _kind, _name, raci in rows for person in raci.people})
    names = selectors.people_names(row)
    return render(
        request,
        "plans/raci.html",
        {
            "plan": row,
            "people": [names.get(p, p) for p in people],
            "rows": [
                {"kind": kind, "name": name, "cells": [raci.letters(p) for p in people]} for kind, name, raci in rows
            ],
        },
    )
