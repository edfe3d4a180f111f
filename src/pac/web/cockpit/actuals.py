"""A plan's objectives measured on its team's CRM data: the engine's plan versus actual
(``pac.engine.progress``) run on the team's canonical tables — one KPI run per window and segment."""

from __future__ import annotations

import datetime as dt

from pac.engine.model import Plan
from pac.engine.progress import ObjectiveProgress, objective_progress, plan_actuals
from pac.web.accounts.models import Team
from pac.web.crm.kpi_tables import team_tables


def plan_progress(plan: Plan, team: Team, today: dt.date) -> list[ObjectiveProgress]:
    """Each objective of ``plan`` against ``team``'s CRM data up to ``today`` (nothing is read before the
    plan starts)."""
    tables = team_tables(team) if today >= plan.start else {}
    return objective_progress(plan, plan_actuals(plan, tables, today), today)
