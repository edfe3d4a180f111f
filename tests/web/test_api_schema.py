"""The API against its committed OpenAPI schema (``docs/api/openapi.json``).

The schema is what clients read: a test rewrites it from the code and fails when the two differ (``make
api-schema`` writes it again). Schemathesis then reads the COMMITTED schema and sends the running server
(pytest-django's ``live_server``, a real HTTP server on a real database) requests made from it — valid ones
and invalid ones, on the seeded plan and on ids that are nobody's — with a write token: no answer may be
a 5xx, and every answer must be one the schema documents, in the shape it documents."""

from __future__ import annotations

import difflib
import time
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import EXAMPLE_PLAN
from tests.web.api_fixtures import crm_rows, issue

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "api" / "openapi.json"
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
#: Examples per operation and mode: 16 operations × 2 modes run in well under a minute.
EXAMPLES = 12


def test_the_committed_schema_is_the_one_the_code_makes(db: Any) -> None:
    from pac.web.api.openapi_file import schema_text

    made = schema_text()
    committed = COMMITTED.read_text(encoding="utf-8")
    if made != committed:
        diff = "".join(
            list(difflib.unified_diff(committed.splitlines(True), made.splitlines(True), "committed", "code"))[:80]
        )
        pytest.fail(f"docs/api/openapi.json differs from the code: run `make api-schema` and commit it.\n{diff}")


@pytest.fixture
def seeded(transactional_db: Any, settings: Any) -> dict[str, Any]:
    """A team, its manager with a write token, the example plan imported through the plan-file service, a few
    CRM rows; and the same for another team (whose rows must stay out of sight)."""
    from django.core.cache import cache

    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.accounts.services import user_create
    from pac.web.plans.services import plan_create_from_file

    settings.API_RATE_LIMIT = 100_000  # the fuzzing's pace; the limit has its own test
    cache.clear()
    manager = user_create(
        username="manon", password="correct-horse-battery-staple-42", role="manager", team_name="Ventes"
    )
    team = manager.teams.get()
    plan = plan_create_from_file(
        user=manager, team=team, plan=to_plan(parse_plan_file(EXAMPLE_PLAN.read_text("utf-8")))
    )
    crm_rows(team, owners=("manon", "alex"))
    outsider = user_create(
        username="otto", password="correct-horse-battery-staple-42", role="manager", team_name="Autres"
    )
    crm_rows(outsider.teams.get(), owners=("otto",))
    return {"token": issue(manager), "plan": plan.pk, "action": plan.actions.first().pk}


def _current(case: Any) -> None:
    """A write's body with the version as it stands (and people and segments the plan knows of)."""
    from pac.web.plans.models import Action, Plan

    if "action_id" in case.path_parameters:
        case.body["version"] = Action.objects.get(pk=case.path_parameters["action_id"]).version
        if "plan_version" in case.body:
            case.body["plan_version"] = Plan.objects.get(pk=case.path_parameters["plan_id"]).version
            case.body.update({"owner": "", "start": "2027-02-01", "end": "2027-02-26"})
    else:
        case.body["version"] = Plan.objects.get(pk=case.path_parameters["plan_id"]).version
        known = {"owner": "", "segment": "", "role": "manager", "expected_stage": None, "code": "", "raci": None}
        case.body.update({**known, "start": "2027-02-01", "end": "2027-02-26"})


def test_the_running_api_keeps_to_its_committed_schema(live_server: Any, seeded: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_path(COMMITTED)
    headers = {"Authorization": f"Bearer {seeded['token']}"}
    base_url = live_server.url
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    ran: dict[str, int] = {}

    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy, seeded_ids=st.booleans())
            def call(case: Any, seeded_ids: bool) -> None:
                if seeded_ids and case.path_parameters:  # half the calls on the seeded plan, half on anyone's ids
                    if "plan_id" in case.path_parameters:
                        case.path_parameters["plan_id"] = seeded["plan"]
                    if "action_id" in case.path_parameters:
                        case.path_parameters["action_id"] = seeded["action"]
                    if isinstance(case.body, dict) and "version" in case.body:
                        _current(case)  # and the version as it stands: the write gets through, or says why
                response = case.call(base_url=base_url, headers=headers, timeout=60)
                ran[response.status_code] = ran.get(response.status_code, 0) + 1
                case.validate_response(response, checks=CHECKS)

            call()
    elapsed = time.monotonic() - started
    assert ran.get(200, 0) > 50, ran  # the seeded plan was read, not only refused
    assert ran.get(201, 0) >= 1, ran  # and written to
    assert any(400 <= status < 500 for status in ran), ran
    assert elapsed < 120, f"the schema check took {elapsed:.0f} s"
