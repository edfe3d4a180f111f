"""« Scénarios »: a plan's what-if copies (made, listed, chosen for the comparison), what one changes in the
plan in words, and its promotion. The team reads them; the plan's editors make and promote them. The
comparison side by side is the cockpit's (it reads the forecast): ``cockpit.scenario_views``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pac.web.accounts.abilities import Ability, requires
from pac.web.plans import scenarios, selectors
from pac.web.plans.history_values import local_when
from pac.web.plans.models import Plan
from pac.web.plans.selectors import plan_scope
from pac.web.plans.version_diff import worded_changes
from pac.web.plans.versioning import PlanConflict
from pac.web.requests import current_user, posted_version


def _the_plan(request: HttpRequest, plan_id: int) -> Plan:
    """The plan of the URL; a scenario's own id stands for its plan."""
    plan = selectors.plan_for(current_user(request), plan_id)
    return plan.scenario_of if plan.scenario_of is not None else plan


@requires(get=Ability.READ_PLANS, post=Ability.CHANGE_PLANS, scope=plan_scope)
def plan_scenarios(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = current_user(request)
    plan = _the_plan(request, plan_id)
    error = ""
    if request.method == "POST":
        try:
            made = scenarios.scenario_create(
                user=user, plan=plan, name=request.POST.get("name", ""), note=request.POST.get("note", "")
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, _("Scenario created: change it with the plan pages, then compare."))
            return redirect("plans:detail", plan_id=made.pk)
    rows = list(scenarios.scenarios_of(plan))
    return render(
        request,
        "plans/scenarios.html",
        {
            "plan": plan,
            "rows": [{"scenario": s, "when": local_when(s.updated_at)} for s in rows],
            "compared": scenarios.COMPARED,
            "can_edit": selectors.can_edit(user, plan),
            "error": error,
            "typed": request.POST if error else {},
        },
        status=400 if error else 200,
    )


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def scenario_changes(request: HttpRequest, plan_id: int, scenario_id: int) -> HttpResponse:
    plan = _the_plan(request, plan_id)
    scenario = scenarios.scenario_of(plan, scenario_id)
    old, new, changes = scenarios.differences(plan, scenario)
    return render(
        request,
        "plans/scenario_changes.html",
        {"plan": plan, "scenario": scenario, **worded_changes(plan, old, new, changes)},
    )


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def scenario_promote(request: HttpRequest, plan_id: int, scenario_id: int) -> HttpResponse:
    user = current_user(request)
    plan = selectors.plan_for_editing(user, plan_id)
    scenario = scenarios.scenario_of(plan, scenario_id)
    try:
        scenarios.scenario_promote(user=user, scenario=scenario, expected_version=posted_version(request))
    except PlanConflict as conflict:
        messages.error(request, str(conflict))
        return redirect("plans:scenarios", plan_id=plan.pk)
    messages.success(
        request,
        _("Scenario « %(name)s » promoted: it is the plan now, and the decision is in the log.")
        % {"name": scenario.name},
    )
    return redirect("plans:detail", plan_id=plan.pk)
