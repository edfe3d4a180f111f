"""The actuals of a plan's objectives, from its team's imported CRM data over the plan's dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Sum

from pac.engine.model import Metric
from pac.engine.progress import Actual
from pac.web.crm.kpi_tables import team_tables
from pac.web.crm.models import Opportunity
from pac.web.plans.models import Plan

KPI_METRICS = {"win_rate": Metric.WIN_RATE, "average_deal": Metric.AVERAGE_DEAL, "sales_cycle": Metric.CYCLE_DAYS}


def plan_actuals(plan: Plan, today: dt.date) -> dict[str, Actual]:
    """Each objective's actual, by objective id."""
    by_metric = _metric_actuals(plan, today)
    return {o.code: Actual(by_metric.get(Metric(o.metric))) for o in plan.objectives.all() if o.metric}


def _metric_actuals(plan: Plan, today: dt.date) -> dict[Metric, Decimal | None]:
    """Revenue and wins closed between the plan's start and today (or its end), and the win rate,
    average deal and cycle of the same deals from the KPI engine. Empty before the plan starts."""
    if today < plan.start or not Opportunity.objects.filter(team=plan.team).exists():
        return {}
    last = min(today, plan.end)
    won = Opportunity.objects.filter(team=plan.team, outcome="won", closed__range=(plan.start, last))
    totals = won.aggregate(revenue=Sum("amount"), wins=Count("id"))
    actuals: dict[Metric, Decimal | None] = {
        Metric.REVENUE: totals["revenue"] or Decimal(0),
        Metric.WINS: Decimal(totals["wins"]),
    }
    from pac.engine.kpis import compute_kpis

    rows = compute_kpis(team_tables(plan.team), as_of=last, start=plan.start, kpis=list(KPI_METRICS))
    for row in rows:
        if not row["by"] and row["period"] is None:
            value = row["value"]
            actuals[KPI_METRICS[row["kpi"]]] = Decimal(str(round(value, 4))) if value is not None else None
    return actuals
