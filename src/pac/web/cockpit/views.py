"""The KPI page — every KPI of docs/kpis.md for a team, by period and by a dimension, the ones that cannot
be computed saying why — and plan versus actual, on its own page for a plan and as the partial the plan
page loads."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pac.engine.analysis import analyse
from pac.web.accounts.models import PLAN_EDITOR_ROLES
from pac.web.cockpit.actuals import plan_progress as measured
from pac.web.cockpit.charts import burnup_chart, kpi_chart, progress_chart
from pac.web.cockpit.overview import Scope, overview, scoped
from pac.web.cockpit.presenters import present_kpi, present_overview, present_progress
from pac.web.crm.kpi_tables import team_tables
from pac.web.crm.services import can_import
from pac.web.language import formatter
from pac.web.plans import adapters, selectors
from pac.web.plans.models import Plan
from pac.web.requests import current_user

DIMENSIONS = ("owner", "segment", "channel", "product")
DIMENSION_LABELS = {
    "owner": gettext_lazy("owner"),
    "segment": gettext_lazy("segment"),
    "channel": gettext_lazy("channel"),
    "product": gettext_lazy("product"),
}
PERIODS = ("week", "month", "quarter")


def _progress_context(plan: Plan) -> dict[str, Any]:
    today = timezone.localdate()
    engine_plan = adapters.to_engine(plan)
    lines = measured(engine_plan, plan.team, today)
    shown = present_progress(lines, engine_plan)
    names = {p["id"]: p["name"] + (f" · {p['segment']}" if p["segment"] else "") for p in shown}
    return {
        "plan": plan,
        "progress": shown,
        "progress_chart": progress_chart(lines, names),
        "starts_later": today < plan.start,
    }


@login_required
def kpi_page(request: HttpRequest) -> HttpResponse:
    from pac.engine.kpis import KPIS, LABELS, compute_kpis

    user = current_user(request)
    teams = list(user.teams.all())
    team = next((t for t in teams if str(t.pk) == request.GET.get("team")), teams[0] if teams else None)
    period = request.GET.get("period") or None
    period = period if period in PERIODS else None
    by = request.GET.get("by") or ""
    by = by if by in DIMENSIONS else ""
    chart_kpi = request.GET.get("kpi") or "win_rate"
    chart_kpi = chart_kpi if chart_kpi in KPIS else "win_rate"
    rows: list[dict[str, Any]] = []
    fmt = formatter()
    tables = team_tables(team) if team is not None else {}
    if tables:
        computed = compute_kpis(tables, as_of=timezone.localdate(), by=(by,) if by else (), period=period)
        rows = [present_kpi(r, fmt) for r in computed]
    plans = list(selectors.plans_visible_to(user).filter(team=team).order_by("-start")) if team is not None else []
    plan = _chosen_plan(plans, request.GET.get("plan"))
    context = {
        "chart": kpi_chart(rows, chart_kpi) if period and not by else None,
        "chart_kpi": chart_kpi,
        "chart_label": _(LABELS[chart_kpi]),
        "kpi_choices": [(name, _(LABELS[name])) for name in KPIS],
        "teams": teams,
        "team": team,
        "period": period or "",
        "by": by,
        "by_label": DIMENSION_LABELS.get(by, ""),
        "dimensions": DIMENSION_LABELS.items(),
        "rows": rows,
        "credit": team.data_credit if team is not None else "",
        "can_import": team is not None and can_import(user, team),
        "empty": not rows,
        "title": _("KPIs"),
        "plans": plans,
        **(_progress_context(plan) if plan is not None and rows else {"plan": plan}),
    }
    return render(request, "cockpit/kpis.html", context)


@login_required
def plan_progress(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Plan versus actual of one plan: the partial the plan page loads after it is shown (measuring runs
    the KPI engine on the team's CRM data, which the page itself need not wait for)."""
    plan = selectors.plan_for(current_user(request), plan_id)
    return render(request, "cockpit/_plan_progress.html", _progress_context(plan))


def _chosen_plan(plans: list[Plan], asked: str | None) -> Plan | None:
    """The plan asked for, else the one under way today, else the latest."""
    today = timezone.localdate()
    return (
        next((p for p in plans if str(p.pk) == asked), None)
        or next((p for p in plans if p.start <= today <= p.end), None)
        or (plans[0] if plans else None)
    )


def _distinct(tables: dict[str, Any], column: str) -> list[str]:
    """The values of an opportunities column, for a filter (bounded: a filter list is not a report)."""
    t = tables.get("opportunities")
    if t is None or column not in t.columns:
        return []
    values = t.select(t[column]).filter(t[column].notnull()).distinct().order_by(column).limit(200)
    return [str(v) for v in values.to_pyarrow().column(0).to_pylist()]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where everyone lands after logging in: the plan under way, will it hit its target, what to do.
    A rep sees their own deals; a manager the team's, or one owner's or segment's."""
    user = current_user(request)
    plans = list(selectors.plans_visible_to(user).order_by("-start"))
    plan = _chosen_plan(plans, request.GET.get("plan"))
    if plan is None:
        return redirect("plans:list")
    manager = user.role in PLAN_EDITOR_ROLES
    team_wide = team_tables(plan.team)
    owners = _distinct(team_wide, "owner") if manager else []
    segments = _distinct(team_wide, "segment")
    owner = request.GET.get("owner", "") if manager else user.username
    owner = owner if not manager or owner in owners else ""
    segment = request.GET.get("segment", "")
    segment = segment if segment in segments else ""
    tables = scoped(team_wide, Scope(owner, segment))
    engine_plan = adapters.to_engine(plan)
    found = overview(analyse(engine_plan), tables, timezone.localdate())
    fmt = formatter(engine_plan.currency)
    context = {
        "plan": plan,
        "plans": plans,
        "manager": manager,
        "owners": owners,
        "owner": owner,
        "segments": segments,
        "segment": segment,
        "o": present_overview(found, fmt),
        "burnup": burnup_chart(found.pace) if found.pace else None,
        "starts_later": found.today < plan.start,
        "no_data": not team_wide,
        "can_import": can_import(user, plan.team),
        "credit": plan.team.data_credit,
        "title": _("Cockpit"),
    }
    return render(request, "cockpit/home.html", context)
