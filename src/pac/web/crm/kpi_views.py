"""The KPI page: every KPI of docs/kpis.md for a team, by period and by a dimension, with the ones
that cannot be computed saying why."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from pac.datasets import CREDITS
from pac.engine.progress import ObjectiveProgress, objective_progress
from pac.web.crm.actuals import plan_actuals
from pac.web.crm.kpi_tables import team_tables
from pac.web.language import formatter
from pac.web.plans import adapters
from pac.web.plans.demo import DEMO_TEAM
from pac.web.plans.models import Plan
from pac.web.plans.presenters import present_progress
from pac.web.plans.selectors import plans_visible_to
from pac.web.requests import current_user

DIMENSIONS = ("owner", "segment", "channel", "product")


def _shown(row: dict[str, Any], fmt: Any) -> str:
    value = row["value"]
    if row["status"] != "ok" or value is None:
        return "—"
    if row["unit"] == "ratio":
        return fmt.percent(_decimal(value))
    if row["unit"].startswith("currency"):
        return fmt.money(round(_decimal(value)))
    return fmt.number(_decimal(value), 1)


def _decimal(value: float) -> Any:
    from decimal import Decimal

    return Decimal(str(round(value, 4)))


@login_required
def kpi_page(request: HttpRequest) -> HttpResponse:
    from pac.engine.kpis import KPIS, compute_kpis

    user = current_user(request)
    teams = list(user.teams.all())
    team = next((t for t in teams if str(t.pk) == request.GET.get("team")), teams[0] if teams else None)
    period = request.GET.get("period") or None
    period = period if period in ("week", "month", "quarter") else None
    by = request.GET.get("by") or ""
    by = by if by in DIMENSIONS else ""
    rows: list[dict[str, Any]] = []
    fmt = formatter()
    tables = team_tables(team) if team is not None else {}
    if tables:
        raw = compute_kpis(tables, as_of=timezone.localdate(), by=(by,) if by else (), period=period)
        rows = [
            {**r, "shown": _shown(dict(r), fmt), "by_value": ", ".join(str(v) for v in r["by"].values())} for r in raw
        ]
    credit = CREDITS["maven_crm_sales_opportunities"] if team is not None and team.name == DEMO_TEAM else None
    chart = kpi_chart(rows, request.GET.get("kpi") or "win_rate") if period and not by else None
    plans = list(plans_visible_to(user).filter(team=team).order_by("-start")) if team is not None else []
    plan = _chosen_plan(plans, request.GET.get("plan"))
    progress = _plan_progress(plan) if plan is not None and rows else []
    return render(
        request,
        "crm/kpis.html",
        {
            "chart": chart,
            "chart_kpi": request.GET.get("kpi") or "win_rate",
            "teams": teams,
            "team": team,
            "period": period or "",
            "by": by,
            "dimensions": DIMENSIONS,
            "rows": rows,
            "definitions": KPIS,
            "credit": credit,
            "empty": not rows,
            "title": _("KPIs"),
            "plans": plans,
            "plan": plan,
            "progress": present_progress(progress, plan.currency) if plan else [],
            "progress_chart": progress_chart(progress),
            "starts_later": plan is not None and timezone.localdate() < plan.start,
        },
    )


def _chosen_plan(plans: list[Plan], asked: str | None) -> Plan | None:
    """The plan asked for, else the one under way today, else the latest."""
    today = timezone.localdate()
    return (
        next((p for p in plans if str(p.pk) == asked), None)
        or next((p for p in plans if p.start <= today <= p.end), None)
        or (plans[0] if plans else None)
    )


def _plan_progress(plan: Plan) -> list[ObjectiveProgress]:
    today = timezone.localdate()
    return objective_progress(adapters.to_engine(plan), plan_actuals(plan, today), today)


def progress_chart(lines: list[ObjectiveProgress]) -> dict[str, Any] | None:
    """Each objective's share of its target next to the share expected by now (Vega-Lite bars)."""
    actual, expected = _("actual"), _("expected by now")
    points = [
        point
        for line in lines
        if line.share is not None
        for point in (
            {"objective": line.objective.id, "measure": actual, "share": float(line.share)},
            {"objective": line.objective.id, "measure": expected, "share": float(line.expected_share)},
        )
    ]
    if not points:
        return None
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": points},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "objective", "type": "nominal", "title": None},
            "yOffset": {"field": "measure"},
            "x": {"field": "share", "type": "quantitative", "title": _("share of target"), "axis": {"format": "%"}},
            "color": {"field": "measure", "type": "nominal", "title": None},
        },
        "width": "container",
        "height": {"step": 16},
    }


def kpi_chart(rows: list[dict[str, Any]], kpi: str) -> dict[str, Any] | None:
    """One KPI over the periods (Vega-Lite), when there are at least two computed periods."""
    points = [
        {"period": r["period"], "value": r["value"]}
        for r in rows
        if r["kpi"] == kpi and r["status"] == "ok" and r["value"] is not None and r["period"]
    ]
    if len(points) < 2:
        return None
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": points},
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": "period", "type": "ordinal", "title": None},
            "y": {"field": "value", "type": "quantitative", "title": kpi},
        },
        "width": "container",
        "height": 220,
    }
