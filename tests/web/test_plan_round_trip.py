"""Plan-as-code round trips through the database (issue 13), for generated plans with every section (the
execution sections cross-referenced, sequences and touch capacity on import): a plan file imported then
exported is the same plan file, word for word; applying one plan file onto another makes the plan say exactly
the file, and applying it again changes nothing. Run on SQLite and on PostgreSQL (``DATABASE_URL``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from pac.engine import model, plandiff
from pac.engine.planfile import dump_plan

from ..plan_strategies import PEOPLE, plan_files

pytestmark = pytest.mark.django_db

RELAXED = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def people(owner: Any, team: Any) -> None:
    """The names the generated plans use as owners and RACI are people of the team."""
    from pac.web.accounts.models import User
    from pac.web.accounts.services import user_create

    for name in PEOPLE:
        if not User.objects.filter(username=name).exists():
            user_create(username=name, password="x-long-enough-password-1", role="ae", team_name=team.name)


@RELAXED
@given(plan=plan_files(sequences=True))
def test_a_generated_plan_imported_then_exported_is_the_same_plan_file(
    plan: model.Plan, owner: Any, team: Any, people: None
) -> None:
    from pac.web.plans import services
    from pac.web.plans.filesections import plan_for_file

    with transaction.atomic():
        row = services.plan_create_from_file(user=owner, team=team, plan=plan, today=dt.date(2025, 1, 1))
        exported = plan_for_file(row)
        assert exported == plan
        assert dump_plan(exported) == dump_plan(plan)
        transaction.set_rollback(True)  # the next example starts from an empty team


@RELAXED
@given(first=plan_files(), second=plan_files())
def test_applying_a_plan_file_makes_the_plan_say_it_and_applying_again_changes_nothing(
    first: model.Plan, second: model.Plan, owner: Any, team: Any, people: None
) -> None:
    from pac.web.plans import services
    from pac.web.plans.applying import plan_apply
    from pac.web.plans.filesections import plan_for_file
    from pac.web.plans.models import Plan

    with transaction.atomic():
        row = services.plan_create_from_file(user=owner, team=team, plan=first)
        row.refresh_from_db()
        changes = plan_apply(user=owner, plan=row, source=second, base_version=row.version)
        assert bool(changes) == bool(plandiff.diff_plans(first, second))
        applied = Plan.objects.get(pk=row.pk)
        assert plan_for_file(applied) == second
        assert dump_plan(plan_for_file(applied)) == dump_plan(second)
        assert plan_apply(user=owner, plan=applied, source=second, base_version=applied.version) == []
        assert Plan.objects.get(pk=row.pk).version == applied.version
        transaction.set_rollback(True)
