"""The landing page's figures for one reader's scope (a rep's own deals, a manager's team or chosen owner
and segment), kept in the cache until the team's data, the plan or the day change; and their warm-up
after an import, so that the first manager to open the cockpit does not wait for a large history's
figures (seconds at a million deals) — the import's worker computes them instead."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from pac.engine.analysis import analyse
from pac.engine.forecast import Forecast
from pac.engine.model import Plan as EnginePlan
from pac.engine.progress import ObjectiveProgress
from pac.web.cockpit.actuals import plan_progress as measured
from pac.web.cockpit.figures_cache import cached_figures
from pac.web.cockpit.outlook import plan_forecast
from pac.web.cockpit.overview import Overview, Scope, overview, scoped
from pac.web.cockpit.steering import Steering, steer
from pac.web.crm.kpi_tables import team_tables
from pac.web.language import formatter
from pac.web.plans import adapters
from pac.web.plans.models import Plan


@dataclass(frozen=True)
class Landing:
    plan: Plan
    manager: bool
    owners: list[str]
    owner: str
    segments: list[str]
    segment: str
    found: Overview
    steering: Steering | None
    no_data: bool
    share: Decimal
    outlook: Forecast | None
    why_no_outlook: str


def landing_figures(plan: Plan, *, manager: bool, username: str, owner: str, segment: str, today: dt.date) -> Landing:
    """The figures for a reader: a manager's asked owner and segment once checked against the team's (so
    that made-up filters neither compute nor fill the cache), a rep's own deals whatever was asked."""
    team_owners, segments = cached_figures("filters", plan, (), lambda: _filters(plan))
    owner = (owner if owner in team_owners else "") if manager else username
    segment = segment if segment in segments else ""
    found = cached_figures(
        "home",
        plan,
        (today, manager, owner, segment),
        lambda: _landing(plan, manager, owner, segment, team_owners, segments, today),
    )
    return dataclasses.replace(found, plan=plan)


def plan_measured(plan: Plan, engine_plan: EnginePlan, today: dt.date) -> list[ObjectiveProgress]:
    """The plan's objectives against the team's data, computed once per day, data and plan version."""
    return cached_figures("progress", plan, (today,), lambda: measured(engine_plan, plan.team, today))


def warm_landing(team_id: int, today: dt.date) -> int:
    """Compute the manager's view of each of the team's plans under way today, and the plan page's rates
    against history, so that they are in the cache when someone opens them; the number of plans warmed."""
    from pac.web.cockpit.history_rates import team_history

    plans = Plan.objects.filter(
        team_id=team_id, start__lte=today, end__gte=today, scenario_of__isnull=True
    ).select_related("team")
    for plan in plans:
        landing_figures(plan, manager=True, username="", owner="", segment="", today=today)
        team_history(plan, today)
    return len(plans)


def distinct_values(tables: dict[str, Any], column: str) -> list[str]:
    """The values of an opportunities column, for a filter (bounded: a filter list is not a report)."""
    t = tables.get("opportunities")
    if t is None or column not in t.columns:
        return []
    values = t.select(t[column]).filter(t[column].notnull()).distinct().order_by(column).limit(200)
    return [str(v) for v in values.to_pyarrow().column(0).to_pylist()]


def _filters(plan: Plan) -> tuple[list[str], list[str]]:
    """The owners and the segments of the team's deals, for the manager's filters."""
    team_wide = team_tables(plan.team)
    return distinct_values(team_wide, "owner"), distinct_values(team_wide, "segment")


def _landing(
    plan: Plan,
    manager: bool,
    owner: str,
    segment: str,
    team_owners: list[str],
    segments: list[str],
    today: dt.date,
) -> Landing:
    team_wide = team_tables(plan.team)
    owners = team_owners if manager else []
    tables = scoped(team_wide, Scope(owner, segment))
    engine_plan = adapters.to_engine(plan)
    analysis = analyse(engine_plan)
    # one owner's part of the target: the team's split among the owners of its deals (a rep without deals yet
    # joins the split)
    sharing = len(team_owners) + (0 if owner in team_owners else 1)
    share = Decimal(1) / sharing if owner else Decimal(1)
    found = overview(analysis, tables, today, share)
    outlook, why_no_outlook = plan_forecast(plan, team_wide, found.target, today, owner, segment)
    whole_plan = not owner and not segment and found.pace is not None
    plan_steering = steer(
        analysis,
        tables,
        found,
        today,
        formatter(engine_plan.currency),
        _,
        outlook.probability_of_target if outlook else None,
        plan_measured(plan, engine_plan, today) if whole_plan else None,
        team_wide=not owner and not segment,
    )
    return Landing(
        plan,
        manager,
        owners,
        owner,
        segments,
        segment,
        found,
        plan_steering,
        not team_wide,
        share,
        outlook,
        why_no_outlook,
    )
