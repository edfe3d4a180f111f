"""What-if scenarios: a copy of a plan that is never applied (« +1 AE à partir de mars », « taux de démo →
proposition à 35 % »), edited with the plan pages, compared with the plan side by side, and promoted to
become the plan.

A scenario is a plan row with ``scenario_of`` set: the plan pages read and change it as any plan, and every
list of plans leaves it out (``selectors.plans_visible_to``). It is made through the plan file
(``adapters.to_engine`` → ``services.plan_create_from_file``), and promoted the same way back: its plan
file written over the plan's rows in place, so that the plan keeps its id, history, versions and meetings."""

from __future__ import annotations

import dataclasses
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from pac.engine import plandiff
from pac.engine.planfile import dump_plan
from pac.web.accounts.models import User
from pac.web.plans import adapters, services
from pac.web.plans.execution import replace_execution
from pac.web.plans.governance import log_decision
from pac.web.plans.models import DecisionLog, Plan
from pac.web.plans.versioning import bump, require_editor

#: Scenarios compared with their plan at once (the plan's column, then these).
COMPARED = 4
#: Scenarios a plan keeps (a comparison picks among them).
MAX_SCENARIOS = 20
MAX_NAME = 200
MAX_NOTE = 300


def scenarios_of(plan: Plan) -> QuerySet[Plan]:
    """The plan's scenarios, the oldest first (the caller read the plan through ``selectors.plan_for``)."""
    return plan.scenarios.select_related("owner").order_by("created_at", "pk")


def scenario_of(plan: Plan, scenario_id: int) -> Plan:
    """One of the plan's scenarios; 404 for anything else (another plan's, a plan)."""
    found = plan.scenarios.filter(pk=scenario_id).first()
    if found is None:
        raise Http404
    return found


@transaction.atomic
def scenario_create(*, user: User, plan: Plan, name: str, note: str = "") -> Plan:
    """A what-if copy of ``plan``: the same plan file under another name, in the same team with the same
    owner; by whoever may change the plan."""
    require_editor(user, plan)
    if plan.scenario_of_id is not None:
        raise ValidationError(_("A scenario is made from a plan, not from another scenario."))
    name, note = " ".join(name.split()), " ".join(note.split())
    if not name:
        raise ValidationError(_("Give the scenario a name."))
    if len(name) > MAX_NAME or len(note) > MAX_NOTE:
        raise ValidationError(
            _("At most %(count)s characters.") % {"count": MAX_NAME if len(name) > MAX_NAME else MAX_NOTE}
        )
    if plan.scenarios.count() >= MAX_SCENARIOS:
        raise ValidationError(
            _("A plan keeps at most %(count)s scenarios: promote or delete one first.") % {"count": MAX_SCENARIOS}
        )
    source = dataclasses.replace(adapters.to_engine(plan), name=name)
    return services.plan_create_from_file(
        user=user, team=plan.team, plan=source, owner=plan.owner, scenario_of=plan, scenario_note=note
    )


@transaction.atomic
def scenario_promote(*, user: User, scenario: Plan, expected_version: int) -> DecisionLog:
    """Make the scenario's content the plan's, in place (the plan keeps its id, name, team, owner, history,
    versions and meetings; objects are matched by their id), as one change under the plan's compare-and-set
    ``expected_version``; the decision goes into the plan's decision log, a new version is kept, and the
    scenario, now the plan, is deleted. By whoever may change the plan."""
    if scenario.scenario_of_id is None:
        raise ValidationError(_("Only a scenario can be promoted."))
    plan = Plan.objects.select_related("team", "owner").get(pk=scenario.scenario_of_id)
    require_editor(user, plan)
    bump(plan, expected_version)
    source = adapters.to_engine(scenario)
    header = services.header_from_engine(source)
    for field, value in header.items():
        setattr(plan, field, value)
    plan.save(update_fields=[*header, "updated_at"])
    for section, rows in services.rows_from_engine(source).items():
        services.write_section(plan, section, rows)
    replace_execution(plan, source)
    decision = log_decision(
        user=user,
        plan=plan,
        kind="scenario",
        change="scenario_promoted",
        params={"scenario": scenario.name},
        subject=f"scenario:{scenario.pk}",
        subject_name=scenario.name,
        reason=scenario.scenario_note,
    )
    scenario.delete()
    return decision


def differences(plan: Plan, scenario: Plan) -> tuple[dict[str, Any], dict[str, Any], list[plandiff.Change]]:
    """What the scenario changes in the plan, object by object (its name aside), with both plan files as
    data (what ``version_diff.Wording`` words them from)."""
    mine = adapters.to_engine(plan)
    theirs = dataclasses.replace(adapters.to_engine(scenario), name=mine.name)
    return yaml.safe_load(dump_plan(mine)), yaml.safe_load(dump_plan(theirs)), plandiff.diff_plans(mine, theirs)
