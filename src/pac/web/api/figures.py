"""What the cockpit reads off a plan, through the API: its KPIs over the plan's period, its forecast and
its open alerts — computed by the cockpit's own machinery for the caller's scope (a rep: their own
deals), and kept in the same cache until the team's data, the plan or the day change."""

import datetime as dt
import math
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Router

from pac.engine.kpis.display import comment, kpi_label, value_text
from pac.engine.labels import Message
from pac.web.accounts.abilities import Ability, abilities_of, declares
from pac.web.accounts.models import User
from pac.web.api.schemas import READ_ONE, AlertsOut, ForecastOut, Id, KpisOut
from pac.web.cockpit.figures_cache import cached_figures
from pac.web.cockpit.landing import Landing, landing_figures
from pac.web.cockpit.overview import Scope, scoped, whole_range
from pac.web.cockpit.services import open_alerts
from pac.web.crm.kpi_tables import team_tables
from pac.web.language import formatter
from pac.web.plans import selectors
from pac.web.plans.models import Plan
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user

router = Router(tags=["cockpit"])


def _whole_team(user: User) -> bool:
    """As the cockpit decides: who reads the team's figures reads the team, others their own deals."""
    return Ability.READ_TEAM_FIGURES in abilities_of(user)


def _landing(user: User, plan: Plan) -> Landing:
    return landing_figures(
        plan,
        manager=_whole_team(user),
        username=user.username,
        owner="",
        segment="",
        today=timezone.localdate(),
    )


@router.get("/plans/{plan_id}/kpis", response={200: KpisOut, **READ_ONE}, summary="A plan's KPIs, plan start to date")
@declares(get=Ability.USE_API, scope=plan_scope)
def kpis(request: HttpRequest, plan_id: Id) -> dict[str, Any]:
    user = current_user(request)
    plan = selectors.plan_for(user, plan_id)
    today = timezone.localdate()
    as_of = min(today, plan.end)
    whole_team = _whole_team(user)
    owner = "" if whole_team else user.username
    rows = cached_figures("api-kpis", plan, (as_of, owner), lambda: _kpi_rows(plan, as_of, owner))
    fmt = formatter(plan.currency)
    return {
        "start": plan.start,
        "as_of": as_of,
        "whole_team": whole_team,
        "kpis": [
            {
                "kpi": row["kpi"],
                "label": kpi_label(row["kpi"], gettext),
                "unit": row["unit"],
                "value": row["value"] if row["status"] == "ok" else None,
                "shown": value_text(row, fmt),
                "why": comment(row, fmt, gettext),
            }
            for row in rows
        ],
    }


def _kpi_rows(plan: Plan, as_of: dt.date, owner: str) -> list[dict[str, Any]]:
    """Every KPI over the plan's period up to ``as_of`` (none before it starts), for the owner's deals when one
    is given."""
    from pac.engine.kpis import compute_kpis

    if as_of < plan.start:
        return []
    tables = scoped(team_tables(plan.team), Scope(owner=owner))
    if not tables:
        return []
    return [dict(row) for row in whole_range(compute_kpis(tables, as_of=as_of, start=plan.start)).values()]


@router.get("/plans/{plan_id}/forecast", response={200: ForecastOut, **READ_ONE}, summary="A plan's forecast")
@declares(get=Ability.USE_API, scope=plan_scope)
def forecast(request: HttpRequest, plan_id: Id) -> dict[str, Any]:
    user = current_user(request)
    found = _landing(user, selectors.plan_for(user, plan_id))
    if found.outlook is None:
        why = found.why_no_outlook
        shown = why.explained(gettext) if isinstance(why, Message) else str(why or "")
        return {"available": False, "why_not": shown or gettext("No forecast: no CRM data for this plan's period.")}
    f = found.outlook
    return {
        "available": True,
        "period_from": f.period_from,
        "period_to": f.period_to,
        "as_of": f.as_of,
        "target": _figure(f.target),
        "closed_won": _figure(f.closed_won),
        "open_pipeline": _figure(f.open_pipeline),
        "new_business": _figure(f.new_business),
        "expected": _figure(f.expected),
        "p10": _figure(f.p10),
        "p50": _figure(f.p50),
        "p90": _figure(f.p90),
        "probability_of_target": _figure(f.probability_of_target, 4),
    }


def _figure(value: float | None, places: int = 2) -> float | None:
    """A figure JSON can carry: rounded, and none rather than NaN or infinity."""
    return round(value, places) if value is not None and math.isfinite(value) else None


@router.get("/plans/{plan_id}/alerts", response={200: AlertsOut, **READ_ONE}, summary="A plan's open alerts")
@declares(get=Ability.USE_API, scope=plan_scope)
def alerts(request: HttpRequest, plan_id: Id) -> dict[str, Any]:
    user = current_user(request)
    plan = selectors.plan_for(user, plan_id)
    found = _landing(user, plan)
    today = found.found.today
    shown = open_alerts(plan, list(found.steering.alerts), today) if found.steering else []
    fmt = formatter(plan.currency)
    return {
        "as_of": today,
        "alerts": [
            {
                "key": a.key,
                "code": a.code,
                "severity": a.severity.value,
                "message": a.message(fmt, gettext),
                "subject": {str(k): str(v) for k, v in a.subject.items()},
            }
            for a in shown
        ],
    }
