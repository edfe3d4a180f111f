"""The KPI page — every KPI of docs/kpis.md for a team, by period and by a dimension, the ones that cannot
be computed saying why — and plan versus actual, on its own page for a plan and as the partial the plan
page loads."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from pac.engine.formatting import Formatter
from pac.engine.kpis.pivot import by_kpi, pivot
from pac.engine.kpis.stages import BY_STAGE
from pac.engine.labels import Message
from pac.web.accounts.abilities import Ability, abilities_of, requires
from pac.web.cockpit.charts import burnup_chart, forecast_band, kpi_chart, pivot_chart, progress_chart
from pac.web.cockpit.kpi_filters import KpiFilters, read_filters
from pac.web.cockpit.kpi_layout import not_by_stage, period_title, present_kpi_lines, present_pivot, stage_lines
from pac.web.cockpit.landing import Landing, landing_figures, plan_measured
from pac.web.cockpit.presenters import (
    lever_key,
    present_alerts,
    present_forecast,
    present_kpi,
    present_levers,
    present_overview,
    present_progress,
    present_weeks,
)
from pac.web.cockpit.produced import plan_pace
from pac.web.cockpit.selectors import alert_channel_of
from pac.web.cockpit.services import alert_channel_save, alert_set_aside, open_alerts
from pac.web.crm.kpi_tables import team_tables
from pac.web.crm.services import can_import
from pac.web.language import formatter
from pac.web.plans import adapters, selectors
from pac.web.plans.decision_log import in_each_language
from pac.web.plans.execution import corrective_actions_accept
from pac.web.plans.models import Plan
from pac.web.plans.selectors import plan_scope
from pac.web.plans.services import plan_alert_thresholds_save
from pac.web.plans.versioning import PlanConflict
from pac.web.requests import current_user, posted_version

DIMENSION_LABELS = {
    "owner": gettext_lazy("owner"),
    "segment": gettext_lazy("segment"),
    "channel": gettext_lazy("channel"),
    "product": gettext_lazy("product"),
    "partner": gettext_lazy("partner"),
    "business_unit": gettext_lazy("business unit"),
    "stage": gettext_lazy("stage"),
}


def _progress_context(plan: Plan, weeks: bool = False) -> dict[str, Any]:
    today = timezone.localdate()
    engine_plan = adapters.to_engine(plan)
    lines = plan_measured(plan, engine_plan, today)
    shown = present_progress(lines, engine_plan)
    names = {p["id"]: p["name"] + (f" · {p['segment']}" if p["segment"] else "") for p in shown}
    weekly = plan_pace(plan, engine_plan, today) if weeks else None  # the roadmap's « won » row reads the same
    return {
        "plan": plan,
        "progress": shown,
        "progress_chart": progress_chart(lines, names),
        "starts_later": today < plan.start,
        "weeks": present_weeks(weekly, formatter(engine_plan.currency)) if weekly else [],
    }


@requires(get=Ability.READ_PLANS)
def kpi_page(request: HttpRequest) -> HttpResponse:
    """The team's KPIs: every KPI over the range (by period when one is chosen), or the chosen KPI broken
    down as a pivot (a line per owner, segment… and a column per period) with its top values drawn."""
    from pac.engine.kpis import KPIS, LABELS

    user = current_user(request)
    teams = list(user.teams.all())
    today = timezone.localdate()
    f = read_filters(request.GET, teams, today)
    team = f.team
    fmt = formatter()
    tables = team_tables(team) if team is not None else {}
    shown = _kpi_tables(tables, f, fmt) if tables else {}
    plans = list(selectors.plans_visible_to(user).filter(team=team).order_by("-start")) if team is not None else []
    plan = _chosen_plan(plans, request.GET.get("plan"))
    context = {
        **shown,
        "chart_kpi": f.kpi,
        "chart_label": _(LABELS[f.kpi]),
        "kpi_choices": [(name, _(LABELS[name])) for name in KPIS],
        "teams": teams,
        "team": team,
        "period": f.period or "",
        "by": f.by,
        "by_label": DIMENSION_LABELS.get(f.by, ""),
        "dimensions": DIMENSION_LABELS.items(),
        "start": f.start.isoformat() if f.start else "",
        "end": f.end.isoformat() if f.end != today else "",
        "today": today.isoformat(),
        "cut": f.span is not None and f.span.cut,
        "credits": team.data_credits if team is not None else [],
        "can_import": team is not None and can_import(user, team),
        "empty": not shown,
        "title": _("KPIs"),
        "plans": plans,
        **(_progress_context(plan) if plan is not None and shown else {"plan": plan}),
    }
    return render(request, "cockpit/kpis.html", context)


def _kpi_tables(tables: dict[str, Any], f: KpiFilters, fmt: Formatter) -> dict[str, Any]:
    """What the KPI page shows for the filters: the pivot of the chosen KPI when there is a breakdown (only
    that KPI is computed), else every KPI, by period when there is one."""
    from pac.engine.kpis import KPIS, compute_kpis

    periods = f.span.labels if f.span is not None else ()
    titles = {p: period_title(p, fmt) for p in periods}

    def computed(by: tuple[str, ...], by_period: bool, kpis: list[str] | None) -> list[Any]:
        if by_period and f.period is None:
            return []
        period = f.period if by_period else None
        return compute_kpis(tables, as_of=f.end, by=by, period=period, kpis=kpis, start=f.computed_from)

    if f.by == "stage" and f.kpi not in BY_STAGE:  # said in words, nothing computed
        return {"pivot": present_pivot(not_by_stage(f.kpi), fmt, str(DIMENSION_LABELS[f.by]))}
    if f.by:
        kpi = [f.kpi]
        found = pivot(
            f.kpi,
            f.by,
            periods,
            computed((f.by,), True, kpi),
            computed((f.by,), False, kpi),
            computed((), True, kpi),
            computed((), False, kpi),
        )
        unit = KPIS[f.kpi].unit
        if f.by == "stage":
            found = stage_lines(found)
        return {
            "pivot": present_pivot(found, fmt, str(DIMENSION_LABELS[f.by])),
            "chart": pivot_chart(found, [titles[p] for p in found.periods], unit),
        }
    overall = computed((), False, None)
    if f.period is None:
        return {"rows": [present_kpi(r, fmt) for r in overall]}
    by_period = computed((), True, None)
    counted, lines = by_kpi(periods, by_period, overall)
    return {
        "lines": present_kpi_lines(lines, fmt),
        "periods": [titles[p] for p in counted],
        "chart": kpi_chart([dict(r) for r in by_period], f.kpi, titles),
    }


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def plan_progress(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Plan versus actual of one plan: the partial the plan page loads after it is shown (measuring runs
    the KPI engine on the team's CRM data, which the page itself need not wait for)."""
    plan = selectors.plan_for(current_user(request), plan_id)
    context = _progress_context(plan, weeks=request.GET.get("weeks") != "0")  # the cockpit shows its own
    return render(request, "cockpit/_plan_progress.html", context)


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def plan_history_rates(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The plan's rates next to the team's history of the last twelve months (the partial the plan page
    loads after it is shown); nothing when the team has no CRM data."""
    from pac.web.cockpit.history_rates import present, team_history

    plan = selectors.plan_for(current_user(request), plan_id)
    learned = team_history(plan, timezone.localdate())
    if learned is None:
        return HttpResponse("")
    context = {"plan": plan, **present(plan, learned, formatter(plan.currency))}
    return render(request, "cockpit/_history_rates.html", context)


def _chosen_plan(plans: list[Plan], asked: str | None) -> Plan | None:
    """The plan asked for, else the one under way today, else the latest (``plans`` newest first)."""
    today = timezone.localdate()
    return (
        next((p for p in plans if str(p.pk) == asked), None)
        or next((p for p in plans if p.start <= today <= p.end), None)
        or (plans[0] if plans else None)
    )


def _cockpit(request: HttpRequest, plan: Plan) -> Landing:
    """The landing page's figures for the reader and the owner and segment asked."""
    user = current_user(request)
    return landing_figures(
        plan,
        manager=Ability.READ_TEAM_FIGURES in abilities_of(user),  # the whole team's figures, the owner filter
        username=user.username,
        owner=request.GET.get("owner", "") or request.POST.get("owner", ""),
        segment=request.GET.get("segment", "") or request.POST.get("segment", ""),
        today=timezone.localdate(),
    )


def _thresholds_shown(plan: Plan) -> dict[str, str]:
    found = adapters.to_engine(plan).alerts
    return {
        "min_probability": str(round(found.min_probability * 100)),
        "pace_behind": str(round(found.pace_behind * 100)),
        "stalled_factor": f"{found.stalled_factor.normalize():f}",  # 10, not 1E+1
        "slip_days": str(found.slip_days),
        "history_gap": f"{(found.history_gap * 100).normalize():f}",
    }


@requires(get=Ability.READ_PLANS)
def home(request: HttpRequest) -> HttpResponse:
    """Where everyone lands after logging in: the plan under way, will it hit its target, what to do."""
    user = current_user(request)
    every_plan = list(selectors.plans_visible_to(user).order_by("-start"))
    teams = sorted({p.team for p in every_plan}, key=lambda t: t.name.casefold())
    team = next((t for t in teams if str(t.pk) == request.GET.get("team")), None)
    plans = [p for p in every_plan if team is None or p.team_id == team.pk]
    plan = _chosen_plan(plans, request.GET.get("plan"))
    if plan is None:
        return redirect("plans:list")
    plans = [p for p in every_plan if p.team_id == plan.team_id]  # the periods: the chosen team's plans
    c = _cockpit(request, plan)
    fmt = formatter(plan.currency)
    shown_alerts = open_alerts(plan, list(c.steering.alerts), c.found.today) if c.steering else []
    context = {
        "plan": plan,
        "plans": plans,
        "teams": teams,
        "manager": c.manager,
        "owners": c.owners,
        "owner": c.owner,
        "segments": c.segments,
        "segment": c.segment,
        "o": present_overview(c.found, fmt),
        "alerts": present_alerts(shown_alerts, fmt),
        "set_aside": len(c.steering.alerts) - len(shown_alerts) if c.steering else 0,
        "channel": alert_channel_of(plan),
        "thresholds": _thresholds_shown(plan),
        "levers": present_levers(c.steering.levers, fmt) if c.steering else [],
        "levers_team_wide": c.steering.team_wide if c.steering else True,
        "can_accept": c.manager and selectors.can_edit(user, plan),
        "share": formatter(plan.currency).percent(c.share, 0) if c.share != 1 else "",
        "forecast": present_forecast(c.outlook, fmt) if c.outlook else None,
        "why_no_forecast": c.why_no_outlook.explained(_) if isinstance(c.why_no_outlook, Message) else c.why_no_outlook,
        "burnup": burnup_chart(c.found.pace, forecast_band(c.found.pace, c.outlook)) if c.found.pace else None,
        "starts_later": c.found.today < plan.start,
        "no_data": c.no_data,
        "can_import": can_import(user, plan.team),
        "credits": plan.team.data_credits,
        "title": _("Cockpit"),
        "next_meetings": selectors.next_occurrences(plan, c.found.today)[:3],
    }
    return render(request, "cockpit/home.html", context)


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def lever_accept(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Accept a corrective lever: its actions join the plan, each with the decision that put it there.
    The levers are computed again from today's data; if the one chosen is no longer there (new data, or
    someone changed the plan), nothing is added and the page says so."""
    user = current_user(request)
    plan = selectors.plan_for_editing(user, plan_id)
    c = _cockpit(request, plan)
    wanted = request.POST.get("lever", "")
    chosen = next((lever for lever in (c.steering.levers if c.steering else ()) if lever_key(lever) == wanted), None)
    if chosen is None or not chosen.actions:
        messages.error(request, _("The figures have changed since the page was shown: look at the levers again."))
        return redirect("cockpit:home")
    fmt = formatter(plan.currency)
    reason = _("Corrective plan accepted: %(lever)s") % {"lever": chosen.message(fmt, _)}
    try:
        added = corrective_actions_accept(
            user=user,
            plan=plan,
            expected_version=posted_version(request),
            actions=list(chosen.actions),
            reason=reason,
            lever=in_each_language(lambda: chosen.message(formatter(plan.currency), gettext)),
            lever_key=wanted,
        )
    except PlanConflict:
        messages.error(request, _("Someone changed the plan meanwhile: look at the levers again."))
        return redirect("cockpit:home")
    messages.success(
        request,
        ngettext("%(count)s action added to the plan.", "%(count)s actions added to the plan.", len(added))
        % {"count": len(added)},
    )
    return redirect("plans:entities", plan_id=plan.pk, entity="actions")


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def alert_aside(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Acknowledge an alert, or snooze it for some days."""
    user = current_user(request)
    plan = selectors.plan_for_editing(user, plan_id)
    days = request.POST.get("days") or None
    key = request.POST.get("key", "")
    c = _cockpit(request, plan)  # cached: the alert as the page showed it, for the decision log
    found = next((a for a in (c.steering.alerts if c.steering else ()) if a.key == key), None)
    try:
        alert_set_aside(
            user=user,
            plan=plan,
            key=key,
            days=int(days) if days else None,
            today=timezone.localdate(),
            alert=in_each_language(lambda: found.message(formatter(plan.currency), gettext)) if found else None,
            reason=request.POST.get("reason", "")[:2000],
        )
    except (ValidationError, ValueError) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else _("Unknown alert."))
    return redirect(f"{reverse('cockpit:home')}?plan={plan.pk}")


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def alert_channel(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Where the plan's alerts are delivered: digest recipients and a webhook."""
    user = current_user(request)
    plan = selectors.plan_for_editing(user, plan_id)
    try:
        alert_channel_save(
            user=user,
            plan=plan,
            emails=request.POST.get("emails", "")[:20_000],
            webhook=request.POST.get("webhook", ""),
        )
        messages.success(request, _("Alert delivery saved."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(f"{reverse('cockpit:home')}?plan={plan.pk}")


#: The thresholds a manager sets from the cockpit (the plan file sets them all), with how the form shows them.
THRESHOLD_FIELDS = ("min_probability", "pace_behind", "stalled_factor", "slip_days", "history_gap")
#: Those typed in per cent (kept as fractions).
PERCENT_FIELDS = ("min_probability", "pace_behind", "history_gap")


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def alert_thresholds(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The plan's own alert thresholds; rates are typed in per cent."""
    user = current_user(request)
    plan = selectors.plan_for_editing(user, plan_id)
    values: dict[str, str] = {}
    try:
        for name in THRESHOLD_FIELDS:
            typed = request.POST.get(name, "").strip().replace(",", ".").replace("%", "")[:20]
            if typed and name in PERCENT_FIELDS:
                typed = str(Decimal(typed) / 100)
            values[name] = typed
        plan_alert_thresholds_save(user=user, plan=plan, expected_version=posted_version(request), values=values)
        messages.success(request, _("Alert thresholds saved."))
    except (ValidationError, InvalidOperation) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else _("Type numbers."))
    except PlanConflict:
        messages.error(request, _("Someone changed the plan meanwhile: look at the levers again."))
    return redirect(f"{reverse('cockpit:home')}?plan={plan.pk}")
