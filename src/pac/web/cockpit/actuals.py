"""A plan's objectives measured on its team's CRM data: the engine's plan versus actual
(``pac.engine.progress``) run on the team's canonical tables — one KPI run per window and segment."""

from __future__ import annotations

import datetime as dt

from pac.engine.progress import ObjectiveProgress, objective_progress, plan_actuals
from pac.web.crm.kpi_tables import team_tables
from pac.web.plans import adapters
from pac.web.plans.models import Plan


def plan_progress(plan: Plan, today: dt.date) -> list[ObjectiveProgress]:
    engine_plan = adapters.to_engine(plan)
    tables = team_tables(plan.team) if today >= plan.start else {}
    return objective_progress(engine_plan, plan_actuals(engine_plan, tables, today), today)
