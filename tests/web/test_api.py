"""The REST API as a CRM, a BI tool or a script calls it: tokens (hashed at rest, revocable, read or
write), scoping (another team's data answers 404, a rep reads their own deals), the plan's version
(409 when stale), bounds (pagination, body size, invalid input: 422 with the place), the rate limit
(429 with Retry-After). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.cache import cache

from tests.web.api_fixtures import Api, crm_rows, issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counts() -> Any:
    cache.clear()  # the rate limit's counts and the figures of another test
    yield
    cache.clear()


def test_the_database_keeps_a_digest_of_the_token_never_the_token(owner: Any) -> None:
    from django.db import connection

    from pac.web.api.models import ApiToken

    secret = issue(owner)
    row = ApiToken.objects.get()
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(row.prefix + "_")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken")
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert secret not in stored
    assert secret.split("_", 2)[2] not in stored  # not even the part after the prefix


def test_a_token_reads_the_plans_of_its_users_teams(plan: Any, owner: Any, outsider: Any) -> None:
    found = Api(issue(owner)).get("/plans")
    assert found.status_code == 200
    body = found.json()
    assert body["count"] == 1
    assert body["items"][0]["id"] == plan.pk
    assert body["items"][0]["version"] == plan.version
    assert body["items"][0]["team"] == "Ventes SaaS"
    assert Api(issue(outsider)).get("/plans").json()["count"] == 0


@pytest.mark.parametrize("header", [None, "Bearer pac_nope_nope", "Basic b3duZXI6cHc=", "Bearer "])
def test_a_call_without_a_valid_token_answers_401_in_json(plan: Any, header: str | None) -> None:
    from django.test import Client

    headers = {"Authorization": header} if header else {}
    found = Client().get(f"/api/v1/plans/{plan.pk}", headers=headers)
    assert found.status_code == 401
    assert "Bearer" in found.json()["detail"]


def test_a_revoked_token_answers_401(plan: Any, owner: Any) -> None:
    from pac.web.api.models import ApiToken
    from pac.web.api.services import token_revoke

    secret = issue(owner)
    api = Api(secret)
    assert api.get(f"/plans/{plan.pk}").status_code == 200
    token_revoke(token=ApiToken.objects.get())
    assert api.get(f"/plans/{plan.pk}").status_code == 401


def test_the_token_notes_when_it_was_last_used(plan: Any, owner: Any) -> None:
    from pac.web.api.models import ApiToken

    secret = issue(owner)
    assert ApiToken.objects.get().last_used_at is None
    Api(secret).get("/plans")
    assert ApiToken.objects.get().last_used_at is not None


def test_an_inactive_users_token_answers_401(plan: Any, owner: Any) -> None:
    secret = issue(owner)
    owner.is_active = False
    owner.save()
    assert Api(secret).get("/plans").status_code == 401


def _new_action(plan: Any, **changes: Any) -> dict[str, Any]:
    return {
        "version": plan.version,
        "name": "Webinar de rentrée",
        "type": "webinar",
        "start": "2027-02-01",
        "end": "2027-02-15",
        "owner": "owner",
        "hours": "12",
        "budget": 1500,
        **changes,
    }


def test_a_write_token_adds_an_action_through_the_plans_write_path(plan: Any, owner: Any) -> None:
    api = Api(issue(owner))
    before = plan.version
    created = api.post(f"/plans/{plan.pk}/actions", _new_action(plan))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["code"] == "webinar-de-rentree"  # made from the name, as the web form makes it
    assert body["role"] == "manager"  # the owner's role, for their hours
    plan.refresh_from_db()
    assert plan.version == before + 1  # the plan's version moved on: one change
    assert api.get(f"/plans/{plan.pk}/actions/{body['id']}").json()["name"] == "Webinar de rentrée"


def test_a_stale_plan_version_answers_409_and_changes_nothing(plan: Any, owner: Any) -> None:
    api = Api(issue(owner))
    before = api.get(f"/plans/{plan.pk}/actions").json()["count"]
    stale = api.post(f"/plans/{plan.pk}/actions", _new_action(plan, version=plan.version - 1))
    assert stale.status_code == 409
    assert "reload" in stale.json()["detail"] or "recharg" in stale.json()["detail"]
    assert api.get(f"/plans/{plan.pk}/actions").json()["count"] == before


def test_a_stale_action_version_answers_409(plan: Any, owner: Any) -> None:
    api = Api(issue(owner))
    action = api.get(f"/plans/{plan.pk}/actions").json()["items"][0]
    first = api.patch(f"/plans/{plan.pk}/actions/{action['id']}", {"version": action["version"], "progress": 40})
    assert first.status_code == 200, first.content
    assert first.json()["progress"] == 40
    assert first.json()["version"] == action["version"] + 1
    again = api.patch(
        f"/plans/{plan.pk}/actions/{action['id']}", {"version": action["version"], "status": "done", "progress": 100}
    )
    assert again.status_code == 409
    assert api.get(f"/plans/{plan.pk}/actions/{action['id']}").json()["progress"] == 40


def test_an_editor_changes_an_actions_fields_with_both_versions(plan: Any, owner: Any, teammate: Any) -> None:
    api = Api(issue(owner))
    action = plan.actions.order_by("id").first()
    path = f"/plans/{plan.pk}/actions/{action.pk}"
    before = plan.version
    moved = {"version": action.version, "plan_version": before, "start": "2027-01-11", "end": "2027-03-05"}
    changed = api.patch(path, {**moved, "name": "Séquence ICP décalée", "owner": "teammate", "status": "in_progress"})
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["name"], body["start"], body["end"], body["owner"]) == (
        "Séquence ICP décalée",
        "2027-01-11",
        "2027-03-05",
        "teammate",
    )
    assert body["role"] == "ae" and body["status"] == "in_progress"  # the new owner's role, for their hours
    assert body["version"] == action.version + 1
    assert body["overdue"] is False  # in 2027
    plan.refresh_from_db()
    assert plan.version == before + 1
    assert api.patch(path, {**moved, "version": body["version"], "name": "Encore"}).status_code == 409  # plan moved on
    stale_action = api.patch(path, {**moved, "plan_version": plan.version, "name": "Encore"})
    assert stale_action.status_code == 409  # the action moved on
    fresh = {"version": body["version"], "plan_version": plan.version}
    assert api.patch(path, {**fresh, "name": "Encore"}).status_code == 200
    refused = api.patch(path, {"version": body["version"] + 1, "plan_version": plan.version + 1, "end": "2026-01-01"})
    assert refused.status_code == 422 and "end" in str(refused.json()["errors"])
    assert api.patch(path, {"version": body["version"] + 1, "name": "Sans version du plan"}).status_code == 422


def test_a_rep_may_not_edit_more_than_the_status_of_their_action(plan: Any, teammate: Any) -> None:
    mine = plan.actions.first()
    mine.owner = "teammate"
    mine.save()
    api = Api(issue(teammate))
    edit = {"version": mine.version, "plan_version": plan.version, "name": "Renommée"}
    assert api.patch(f"/plans/{plan.pk}/actions/{mine.pk}", edit).status_code == 403
    mine.refresh_from_db()
    assert mine.name != "Renommée"


def test_a_read_only_token_answers_403_on_every_write(plan: Any, owner: Any) -> None:
    api = Api(issue(owner, write=False))
    action = api.get(f"/plans/{plan.pk}/actions").json()["items"][0]
    assert api.post(f"/plans/{plan.pk}/actions", _new_action(plan)).status_code == 403
    refused = api.patch(f"/plans/{plan.pk}/actions/{action['id']}", {"version": action["version"], "progress": 5})
    assert refused.status_code == 403
    assert "read" in refused.json()["detail"] or "lecture" in refused.json()["detail"]


def test_a_rep_updates_their_own_action_and_may_not_add_one(plan: Any, teammate: Any) -> None:
    mine = plan.actions.first()
    mine.owner = "teammate"
    mine.save()
    others = plan.actions.exclude(pk=mine.pk).first()
    api = Api(issue(teammate))
    assert api.post(f"/plans/{plan.pk}/actions", _new_action(plan)).status_code == 403
    done = api.patch(f"/plans/{plan.pk}/actions/{mine.pk}", {"version": mine.version, "status": "in_progress"})
    assert done.status_code == 200
    assert done.json()["status"] == "in_progress"
    assert (
        api.patch(f"/plans/{plan.pk}/actions/{others.pk}", {"version": others.version, "progress": 9}).status_code
        == 403
    )


@pytest.mark.parametrize(
    "path",
    [
        "/plans/{plan}",
        "/plans/{plan}/objectives",
        "/plans/{plan}/actions",
        "/plans/{plan}/actions/{action}",
        "/plans/{plan}/accounts",
        "/plans/{plan}/contacts",
        "/plans/{plan}/kpis",
        "/plans/{plan}/forecast",
        "/plans/{plan}/alerts",
    ],
)
def test_another_teams_plan_answers_404(path: str, plan: Any, outsider: Any) -> None:
    url = path.format(plan=plan.pk, action=plan.actions.first().pk)
    assert Api(issue(outsider)).get(url).status_code == 404


def test_another_teams_action_cannot_be_changed(plan: Any, outsider: Any) -> None:
    action = plan.actions.first()
    api = Api(issue(outsider))
    assert (
        api.patch(f"/plans/{plan.pk}/actions/{action.pk}", {"version": action.version, "progress": 1}).status_code
        == 404
    )
    assert api.post(f"/plans/{plan.pk}/actions", _new_action(plan)).status_code == 404


def test_crm_rows_are_scoped_to_the_team_and_to_a_reps_own_deals(
    plan: Any, team: Any, other_team: Any, owner: Any, teammate: Any, outsider: Any
) -> None:
    from pac.web.crm.models import Opportunity

    crm_rows(team)
    crm_rows(other_team, owners=("outsider",))
    as_manager = Api(issue(owner)).get("/opportunities", limit=500).json()
    assert as_manager["count"] == 12
    as_rep = Api(issue(teammate)).get("/opportunities", limit=500).json()
    assert as_rep["count"] == 4
    assert {o["owner"] for o in as_rep["items"]} == {"teammate"}
    assert Api(issue(teammate)).get("/activities").json()["count"] == 4
    theirs = Opportunity.objects.filter(team=other_team).first()
    assert Api(issue(owner)).get(f"/opportunities/{theirs.pk}").status_code == 404
    someone_elses = Opportunity.objects.filter(team=team, owner="someone").first()
    assert Api(issue(teammate)).get(f"/opportunities/{someone_elses.pk}").status_code == 404
    assert (
        Api(issue(owner)).get(f"/opportunities/{someone_elses.pk}").json()["external_id"] == someone_elses.external_id
    )


def test_lists_are_paginated_and_bounded(plan: Any, owner: Any) -> None:
    api = Api(issue(owner))
    total = plan.actions.count()
    assert total >= 3
    page = api.get(f"/plans/{plan.pk}/actions", limit=2, offset=1).json()
    assert page["count"] == total
    assert (page["limit"], page["offset"]) == (2, 1)
    assert [a["id"] for a in page["items"]] == list(plan.actions.order_by("id").values_list("id", flat=True)[1:3])
    too_many = api.get(f"/plans/{plan.pk}/actions", limit=501)
    assert too_many.status_code == 422
    assert "limit" in too_many.json()["detail"]
    assert api.get(f"/plans/{plan.pk}/actions", offset=-1).status_code == 422
    assert api.get(f"/plans/{plan.pk}/actions", offset=10**6).json()["items"] == []


def test_lists_filter_as_the_web_lists_do(plan: Any, team: Any, owner: Any) -> None:
    api = Api(issue(owner))
    alex = api.get(f"/plans/{plan.pk}/actions", owner="alex").json()
    assert alex["count"] == plan.actions.filter(owner="alex").count() > 0
    assert {a["owner"] for a in alex["items"]} == {"alex"}
    webinars = api.get(f"/plans/{plan.pk}/actions", type="webinar", status="planned").json()["items"]
    assert webinars and all(a["type"] == "webinar" and a["status"] == "planned" for a in webinars)
    assert api.get(f"/plans/{plan.pk}/actions", status="maybe").status_code == 422
    crm_rows(team)
    mine = api.get("/opportunities", owner="teammate", team=team.pk).json()
    assert mine["count"] == 4 and {o["owner"] for o in mine["items"]} == {"teammate"}


def test_invalid_input_is_refused_with_its_place(plan: Any, owner: Any) -> None:
    api = Api(issue(owner))
    for body, place in [
        (_new_action(plan, end="2027-01-01"), "end"),
        (_new_action(plan, type="party"), "type"),
        (_new_action(plan, name="a\x00b"), "name"),
        (_new_action(plan, owner="nobody"), "owner"),
        (_new_action(plan, expected_stage="demo"), "expected_volume"),
        (_new_action(plan, start="9999-01-01", end="9999-02-01"), "start"),
    ]:
        refused = api.post(f"/plans/{plan.pk}/actions", body)
        assert refused.status_code == 422, (place, refused.content)
        assert any(place in ".".join(e["loc"]) or place in e["msg"] for e in refused.json()["errors"]), refused.json()
    assert api.get("/plans/99999999999999999999").status_code == 422  # beyond any id: refused, not a 500
    garbled = api.client.post(f"/api/v1/plans/{plan.pk}/actions", "{not json", "application/json", headers=api.headers)
    assert garbled.status_code in (400, 422)
    assert "detail" in garbled.json()


def test_a_body_beyond_the_limit_answers_413(plan: Any, owner: Any, settings: Any) -> None:
    settings.API_MAX_BODY_BYTES = 1000
    found = Api(issue(owner)).post(f"/plans/{plan.pk}/actions", _new_action(plan, message="x" * 2000))
    assert found.status_code == 413


@pytest.fixture
def minute(monkeypatch: Any) -> list[float]:
    """The rate limit's clock, held at 50 s into a minute until a test moves it."""
    now = [60_000_050.0]
    monkeypatch.setattr("pac.web.api.auth.clock", lambda: now[0])
    return now


def test_too_many_calls_answer_429_with_retry_after(plan: Any, owner: Any, settings: Any, minute: list[float]) -> None:
    settings.API_RATE_LIMIT = 3
    api = Api(issue(owner))
    answers = [api.get("/plans") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1]["Retry-After"] == "10"  # the next minute starts in 10 s
    assert answers[-1].json()["detail"]
    assert Api(issue(owner, name="other")).get("/plans").status_code == 200  # per token
    minute[0] += 10
    assert api.get("/plans").status_code == 200  # a new minute


def test_calls_without_a_token_are_limited_by_address(plan: Any, settings: Any, minute: list[float]) -> None:
    settings.API_RATE_LIMIT = 2
    anonymous = Api(None)
    assert [anonymous.get("/plans").status_code for _ in range(3)] == [401, 401, 429]


def test_errors_speak_the_callers_language(plan: Any, outsider: Any) -> None:
    api = Api(issue(outsider))
    french = api.client.get(f"/api/v1/plans/{plan.pk}", headers={**api.headers, "Accept-Language": "fr"})
    english = api.client.get(f"/api/v1/plans/{plan.pk}", headers={**api.headers, "Accept-Language": "en"})
    assert english.json()["detail"] == "Not found, or not yours to see."
    assert french.status_code == english.status_code == 404


def test_kpis_forecast_and_alerts_of_a_plan_under_way(team: Any, owner: Any, teammate: Any) -> None:
    import datetime as dt

    from pac.web.plans import services

    today = dt.date.today()
    plan = services.plan_create(
        user=owner, team=team, name="Trimestre", start=today - dt.timedelta(days=60), end=today + dt.timedelta(days=30)
    )
    crm_rows(team)
    api = Api(issue(owner))
    kpis = api.get(f"/plans/{plan.pk}/kpis")
    assert kpis.status_code == 200, kpis.content
    found = {k["kpi"]: k for k in kpis.json()["kpis"]}
    assert found["wins"]["value"] >= 1
    assert kpis.json()["whole_team"] is True
    rep = {k["kpi"]: k for k in Api(issue(teammate)).get(f"/plans/{plan.pk}/kpis").json()["kpis"]}
    assert rep["opportunities"]["value"] < found["opportunities"]["value"]  # their own deals only
    forecast = api.get(f"/plans/{plan.pk}/forecast")
    assert forecast.status_code == 200
    assert forecast.json()["available"] in (True, False)
    if not forecast.json()["available"]:
        assert forecast.json()["why_not"]
    alerts = api.get(f"/plans/{plan.pk}/alerts")
    assert alerts.status_code == 200
    assert all(a["message"] and a["key"] for a in alerts.json()["alerts"])


def test_the_schema_is_served_without_a_token() -> None:
    from django.test import Client

    found = Client().get("/api/v1/openapi.json")
    assert found.status_code == 200
    assert "/api/v1/plans/{plan_id}/actions" in found.json()["paths"]
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"/api/v1/openapi.json" in docs.content


def test_an_action_past_its_end_and_not_done_is_flagged_overdue(plan: Any, owner: Any) -> None:
    import datetime as dt

    late, closed = plan.actions.order_by("id")[:2]
    for action, status in ((late, "in_progress"), (closed, "done")):
        action.end = dt.date.today() - dt.timedelta(days=3)
        action.start = action.end - dt.timedelta(days=10)
        action.status = status
        action.save()
    api = Api(issue(owner))
    assert api.get(f"/plans/{plan.pk}/actions/{late.pk}").json()["overdue"] is True
    assert api.get(f"/plans/{plan.pk}/actions/{closed.pk}").json()["overdue"] is False
