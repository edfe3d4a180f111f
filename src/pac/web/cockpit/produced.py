"""What past weeks produced, for the plan's calendars: the revenue each week won — the cockpit's weekly
actuals (``overview.weekly_revenue`` through ``engine.pace``, cached with the re-plan), not computed
another way — as the row the roadmap loads under its weeks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from pac.engine.funnel import revenue_target
from pac.engine.model import Plan as EnginePlan
from pac.engine.pace import Pace, pace
from pac.engine.workdays import weeks_between
from pac.web.accounts.abilities import Ability, requires
from pac.web.cockpit.figures_cache import cached_figures
from pac.web.cockpit.overview import weekly_revenue
from pac.web.crm.kpi_tables import team_tables
from pac.web.language import formatter
from pac.web.plans import adapters, selectors
from pac.web.plans.models import Plan
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user

#: The roadmap's span in days (its ``?from=`` day and the 89 after).
ROADMAP_DAYS = 90


def plan_pace(plan: Plan, engine_plan: EnginePlan, today: dt.date) -> Pace | None:
    """The plan's revenue pace week by week on the team's CRM data (None before the plan starts, without
    a revenue target or without data): the figures the re-plan shows, from the same cache."""
    target = revenue_target(engine_plan)
    tables = team_tables(plan.team) if target and today >= plan.start else {}
    if not tables or not target:
        return None
    return cached_figures(
        "weeks", plan, (today,), lambda: pace(engine_plan, target, weekly_revenue(tables, engine_plan, today), today)
    )


def produced_cells(found: Pace | None, start: dt.date, end: dt.date, fmt: Any) -> list[dict[str, Any]]:
    """One cell per ISO week of [start, end]: what a past week won, blank for the weeks to come."""
    by_week = {w.week: w for w in found.weeks} if found else {}
    cells = []
    for week in weeks_between(start, end):
        known = by_week.get(week)
        produced = known is not None and known.past and known.actual is not None
        cells.append(
            {
                "week": week.label,
                "value": fmt.money_compact(known.actual) if produced and known else "",
                "full": fmt.money(round(known.actual)) if produced and known and known.actual is not None else "",
                "planned": fmt.money(round(known.planned)) if produced and known else "",
            }
        )
    return cells


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def weeks_produced(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The roadmap's « won » row: the revenue each past week of its 90 days brought."""
    row = selectors.plan_for(current_user(request), plan_id)
    engine_plan = adapters.to_engine(row)
    try:
        start = dt.date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        start = row.start
    end = start + dt.timedelta(days=ROADMAP_DAYS - 1)
    today = timezone.localdate()
    cells = produced_cells(plan_pace(row, engine_plan, today), start, end, formatter(engine_plan.currency))
    return render(
        request,
        "cockpit/_weeks_produced.html",
        {"cells": cells, "any": any(c["value"] for c in cells)},
    )
