"""What the versions and scenarios tests of the CLI and the API share: the plan kept as three versions
(imported; an action's budget raised; an action added), and two what-if scenarios of it (a better demo →
proposal rate; one more AE)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest


@dataclass
class Replan:
    plan: Any
    budget_before: Decimal
    budget_after: Decimal
    better_rate: Any  # the scenario with the better demo → proposal rate
    one_more_ae: Any  # the scenario with one more AE


@pytest.fixture
def replan(plan: Any, owner: Any, django_capture_on_commit_callbacks: Any) -> Replan:
    from pac.web.plans import execution
    from pac.web.plans.models import Action, FunnelStage, Plan, PlanRole
    from pac.web.plans.recorded import recorded_as
    from pac.web.plans.scenarios import scenario_create
    from pac.web.plans.versions import snapshot

    snapshot(plan.pk, owner)  # the import's version (its commit happened inside the test's transaction)
    owner.first_name, owner.last_name = "Manon", "Leroy"
    owner.save()
    action = Action.objects.filter(plan=plan).order_by("pk").first()
    before = action.budget
    with django_capture_on_commit_callbacks(execute=True), recorded_as(owner):
        plan = Plan.objects.get(pk=plan.pk)
        action.budget = before + Decimal(1500)
        execution.entity_save(user=owner, plan=plan, expected_version=plan.version, entity="actions", instance=action)
    with django_capture_on_commit_callbacks(execute=True), recorded_as(owner):
        plan = Plan.objects.get(pk=plan.pk)
        added = Action(
            code="webinar-cfo",
            type=action.type,
            name="Webinaire CFO",
            start=dt.date(2027, 2, 1),
            end=dt.date(2027, 2, 26),
            owner=owner.username,
        )
        execution.entity_save(user=owner, plan=plan, expected_version=plan.version, entity="actions", instance=added)
    plan = Plan.objects.get(pk=plan.pk)
    assert plan.versions.count() == 3
    better = scenario_create(user=owner, plan=plan, name="Démo → proposition à 35 %", note="taux démo à 35 %")
    FunnelStage.objects.filter(plan=better, stage="demo").update(rate=Decimal("0.35"))
    hire = scenario_create(user=owner, plan=plan, name="+1 AE", note="+1 AE à partir de mars")
    ae = PlanRole.objects.get(plan=hire, role="ae")
    PlanRole.objects.filter(pk=ae.pk).update(headcount=ae.headcount + 1)
    return Replan(Plan.objects.get(pk=plan.pk), before, before + Decimal(1500), better, hire)
