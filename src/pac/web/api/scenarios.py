"""A plan's what-if scenarios through the API: listed, made, compared side by side with the plan (the
cockpit's comparison, as data), promoted under the plan's compare-and-set (409 when stale) — through the
same services as the « Scénarios » pages; another team's plan answers 404, a reader's token 403 on writes."""

from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status

from pac.web.accounts.abilities import Ability, declares
from pac.web.api.auth import require_write
from pac.web.api.schemas import (
    READ_ONE,
    WRITE,
    CompareFilters,
    ComparisonOut,
    Id,
    PromotedOut,
    PromoteIn,
    ScenarioIn,
    ScenarioOut,
)
from pac.web.cockpit.scenarios import columns, to_json
from pac.web.plans import scenarios, selectors
from pac.web.plans.models import Plan
from pac.web.plans.selectors import plan_scope
from pac.web.plans.version_diff import changes_data
from pac.web.requests import current_user

router = Router(tags=["scenarios"])


def _the_plan(request: HttpRequest, plan_id: int) -> Plan:
    """The plan of the URL; a scenario's own id stands for its plan (as on the pages)."""
    plan = selectors.plan_for(current_user(request), plan_id)
    return plan.scenario_of if plan.scenario_of is not None else plan


def _scenario_data(plan: Plan, scenario: Plan) -> dict[str, Any]:
    return {
        "id": scenario.pk,
        "name": scenario.name,
        "note": scenario.scenario_note,
        "version": scenario.version,
        "created_at": scenario.created_at,
        "updated_at": scenario.updated_at,
        "changes": len(scenarios.differences(plan, scenario)[2]),
    }


@router.get(
    "/plans/{plan_id}/scenarios",
    response={200: list[ScenarioOut], **READ_ONE},
    summary="A plan's what-if scenarios (at most 20), the oldest first",
)
@declares(get=Ability.USE_API, scope=plan_scope)
def plan_scenarios(request: HttpRequest, plan_id: Id) -> list[dict[str, Any]]:
    plan = _the_plan(request, plan_id)
    return [_scenario_data(plan, s) for s in scenarios.scenarios_of(plan)]


@router.post(
    "/plans/{plan_id}/scenarios",
    response={201: ScenarioOut, **WRITE},
    summary="Copy the plan as a what-if scenario (managers and admins)",
)
@declares(post=Ability.CHANGE_PLANS, scope=plan_scope)
def scenario_create(request: HttpRequest, plan_id: Id, payload: ScenarioIn) -> Status:
    require_write(request)
    plan = _the_plan(request, plan_id)
    made = scenarios.scenario_create(user=current_user(request), plan=plan, name=payload.name, note=payload.note)
    return Status(201, _scenario_data(plan, made))


@router.get(
    "/plans/{plan_id}/scenarios/compare",
    response={200: ComparisonOut, **READ_ONE},
    summary="The plan and up to four scenarios side by side: volumes, capacity, cost, P(target)",
)
@declares(get=Ability.USE_API, scope=plan_scope)
def scenarios_compare(request: HttpRequest, plan_id: Id, filters: Query[CompareFilters]) -> dict[str, Any]:
    plan = _the_plan(request, plan_id)
    asked = list(dict.fromkeys(filters.ids))
    kept = {s.pk: s for s in scenarios.scenarios_of(plan).filter(pk__in=asked)} if asked else {}
    if len(kept) != len(asked):
        raise Http404
    chosen = [kept[n] for n in asked] if asked else list(scenarios.scenarios_of(plan)[: scenarios.COMPARED])
    return {"plan": plan.pk, "version": plan.version, "columns": to_json(columns(plan, chosen, timezone.localdate()))}


@router.post(
    "/plans/{plan_id}/scenarios/{scenario_id}/promote",
    response={200: PromotedOut, **WRITE},
    summary="Make a scenario the plan (the plan's version as read; 409 when it moved on); the decision is logged",
)
@declares(post=Ability.CHANGE_PLANS, scope=plan_scope)
def scenario_promote(request: HttpRequest, plan_id: Id, scenario_id: Id, payload: PromoteIn) -> dict[str, Any]:
    require_write(request)
    user = current_user(request)
    plan = selectors.plan_for_editing(user, plan_id)
    scenario = scenarios.scenario_of(plan, scenario_id)
    old, new, changes = scenarios.differences(plan, scenario)
    decision = scenarios.scenario_promote(user=user, scenario=scenario, expected_version=payload.version)
    plan.refresh_from_db()
    return {
        "plan": plan.pk,
        "version": plan.version,
        "scenario": scenario.name,
        "decision": decision.pk,
        "changes": changes_data(plan, old, new, changes),
    }
