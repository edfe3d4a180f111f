"""A plan's versions and what-if scenarios through the REST API (issue 13): listed, compared, the baseline
chosen, scenarios made, compared and promoted — through the same services, with the same compare-and-set
(409 when stale); a read-only token refused on writes, a rep's token reads but does not promote (403),
another team's plan 404."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from tests.web.api_fixtures import Api, issue

from . import replan_fixtures
from .replan_fixtures import Replan

pytestmark = pytest.mark.django_db
replan = replan_fixtures.replan  # the plan with three versions and two scenarios


@pytest.fixture(autouse=True)
def fresh_counts(settings: Any, tmp_path: Any) -> Any:
    settings.DATA_DIR = tmp_path  # the comparison's forecast cache
    cache.clear()  # the rate limit's counts
    yield
    cache.clear()


def test_versions_are_listed_newest_first_a_page_at_a_time(replan: Replan, owner: Any) -> None:
    api = Api(issue(owner, write=False))
    plan = replan.plan
    found = api.get(f"/plans/{plan.pk}/versions")
    assert found.status_code == 200, found.content
    body = found.json()
    assert body["count"] == 3 and [v["number"] for v in body["items"]] == list(
        plan.versions.values_list("number", flat=True)
    )
    newest = body["items"][0]
    assert (newest["author"], newest["author_name"], newest["baseline"]) == ("owner", "Manon Leroy", False)
    assert newest["changes"] == {"added": 1, "removed": 0, "changed": 0}
    assert body["items"][-1]["changes"] is None
    page = api.get(f"/plans/{plan.pk}/versions", limit=1, offset=1).json()
    assert page["count"] == 3 and [v["number"] for v in page["items"]] == [body["items"][1]["number"]]
    assert page["items"][0]["changes"] == {"added": 0, "removed": 0, "changed": 1}  # compared with the one before
    assert api.get(f"/plans/{plan.pk}/versions", limit=101).status_code == 422


def test_two_versions_compare_as_data_and_in_words(replan: Replan, owner: Any) -> None:
    plan = replan.plan
    first, last = plan.versions.last().number, plan.versions.first().number
    api = Api(issue(owner, write=False))
    found = api.get(f"/plans/{plan.pk}/versions/{first}/diff/{last}")
    assert found.status_code == 200, found.content
    body = found.json()
    assert body["count"] == {"added": 1, "removed": 0, "changed": 1}
    budget = next(c for c in body["changes"] if c["change"] == "changed")
    assert (Decimal(str(budget["old"])), Decimal(str(budget["new"]))) == (replan.budget_before, replan.budget_after)
    assert budget["section"] == "Actions" and budget["field"] == "Budget"
    assert api.get(f"/plans/{plan.pk}/versions/{first}/diff/999").status_code == 404


def test_the_baseline_is_set_by_an_editor_with_a_write_token(replan: Replan, owner: Any, teammate: Any) -> None:
    plan = replan.plan
    first = plan.versions.last().number
    assert Api(issue(owner, write=False)).post(f"/plans/{plan.pk}/baseline", {"number": first}).status_code == 403
    assert Api(issue(teammate)).post(f"/plans/{plan.pk}/baseline", {"number": first}).status_code == 403
    assert not plan.versions.filter(baseline=True).exists()
    done = Api(issue(owner)).post(f"/plans/{plan.pk}/baseline", {"number": first})
    assert done.status_code == 200 and done.json()["number"] == first and done.json()["baseline"] is True
    assert plan.versions.get(baseline=True).number == first
    assert Api(issue(owner)).post(f"/plans/{plan.pk}/baseline", {"number": 999}).status_code == 404


def test_scenarios_are_listed_and_made(replan: Replan, owner: Any, teammate: Any) -> None:
    plan = replan.plan
    listed = Api(issue(teammate, write=False)).get(f"/plans/{plan.pk}/scenarios")
    assert listed.status_code == 200
    assert [(s["name"], s["changes"]) for s in listed.json()] == [("Démo → proposition à 35 %", 1), ("+1 AE", 1)]
    body = {"name": "Sans salon", "note": "le salon annulé"}
    assert Api(issue(owner, write=False)).post(f"/plans/{plan.pk}/scenarios", body).status_code == 403
    assert Api(issue(teammate)).post(f"/plans/{plan.pk}/scenarios", body).status_code == 403
    made = Api(issue(owner)).post(f"/plans/{plan.pk}/scenarios", body)
    assert made.status_code == 201, made.content
    assert made.json()["changes"] == 0 and plan.scenarios.filter(pk=made.json()["id"], name="Sans salon").exists()
    blank = Api(issue(owner)).post(f"/plans/{plan.pk}/scenarios", {"name": "   "})
    assert blank.status_code == 422 and plan.scenarios.count() == 3


def test_the_comparison_gives_each_columns_figures(replan: Replan, teammate: Any) -> None:
    from pac.engine.analysis import analyse
    from pac.engine.model import Stage
    from pac.web.plans import adapters

    plan = replan.plan
    api = Api(issue(teammate, write=False))
    found = api.get(f"/plans/{plan.pk}/scenarios/compare", ids=[replan.one_more_ae.pk, replan.better_rate.pk])
    assert found.status_code == 200, found.content
    cols = found.json()["columns"]
    assert [c["id"] for c in cols] == [plan.pk, replan.one_more_ae.pk, replan.better_rate.pk]
    for col, row in zip(cols, (plan, replan.one_more_ae, replan.better_rate), strict=True):
        assert col["volumes"]["demo"] == analyse(adapters.to_engine(row)).funnel.volume(Stage.DEMO)
    ae = [next(r for r in c["capacity"] if r["role"] == "ae") for c in cols]
    assert ae[1]["hours_available"] > ae[0]["hours_available"]
    assert cols[0]["probability_of_target"] is None and cols[0]["why_no_probability"]
    assert [c["changes"] for c in cols] == [None, 1, 1]
    assert api.get(f"/plans/{plan.pk}/scenarios/compare", ids=[999999]).status_code == 404
    assert api.get(f"/plans/{plan.pk}/scenarios/compare", ids=[1, 2, 3, 4, 5]).status_code == 422
    default = api.get(f"/plans/{plan.pk}/scenarios/compare").json()["columns"]
    assert [c["id"] for c in default] == [plan.pk, replan.better_rate.pk, replan.one_more_ae.pk]


def test_promoting_through_the_api_logs_the_decision_and_bumps_the_version(
    replan: Replan, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from pac.web.plans.models import DecisionLog, FunnelStage, Plan

    plan, scenario = replan.plan, replan.better_rate
    url = f"/plans/{plan.pk}/scenarios/{scenario.pk}/promote"
    with django_capture_on_commit_callbacks(execute=True):
        done = Api(issue(owner)).post(url, {"version": plan.version})
    assert done.status_code == 200, done.content
    after = Plan.objects.get(pk=plan.pk)
    assert done.json()["version"] == after.version == plan.version + 1
    assert after.versions.first().number == after.version
    assert FunnelStage.objects.get(plan=plan, stage="demo").rate == Decimal("0.35")
    decision = DecisionLog.objects.get(plan=plan)
    assert done.json()["decision"] == decision.pk and decision.decided_by == owner
    assert not Plan.objects.filter(pk=scenario.pk).exists()


def test_a_stale_promotion_answers_409_and_changes_nothing(replan: Replan, owner: Any) -> None:
    from pac.web.plans.models import DecisionLog, Plan

    plan, scenario = replan.plan, replan.one_more_ae
    stale = Api(issue(owner)).post(f"/plans/{plan.pk}/scenarios/{scenario.pk}/promote", {"version": plan.version - 1})
    assert stale.status_code == 409 and stale.json()["detail"]
    assert Plan.objects.filter(pk=scenario.pk).exists() and not DecisionLog.objects.filter(plan=plan).exists()


def test_a_reps_token_reads_but_does_not_promote(replan: Replan, teammate: Any) -> None:
    from pac.web.plans.models import Plan

    plan, scenario = replan.plan, replan.one_more_ae
    api = Api(issue(teammate))
    assert api.get(f"/plans/{plan.pk}/versions").status_code == 200
    assert api.get(f"/plans/{plan.pk}/scenarios").status_code == 200
    refused = api.post(f"/plans/{plan.pk}/scenarios/{scenario.pk}/promote", {"version": plan.version})
    assert refused.status_code == 403 and Plan.objects.filter(pk=scenario.pk).exists()


def test_a_read_only_token_is_refused_on_promote(replan: Replan, owner: Any) -> None:
    from pac.web.plans.models import Plan

    plan, scenario = replan.plan, replan.one_more_ae
    api = Api(issue(owner, write=False))
    refused = api.post(f"/plans/{plan.pk}/scenarios/{scenario.pk}/promote", {"version": plan.version})
    assert refused.status_code == 403 and Plan.objects.filter(pk=scenario.pk).exists()


def test_another_teams_plan_answers_404_everywhere(replan: Replan, outsider: Any) -> None:
    plan, scenario = replan.plan, replan.one_more_ae
    api = Api(issue(outsider))
    first = plan.versions.last().number
    for path in (
        f"/plans/{plan.pk}/versions",
        f"/plans/{plan.pk}/versions/{first}/diff/{plan.version}",
        f"/plans/{plan.pk}/scenarios",
        f"/plans/{plan.pk}/scenarios/compare",
    ):
        assert api.get(path).status_code == 404, path
    for path, body in (
        (f"/plans/{plan.pk}/baseline", {"number": first}),
        (f"/plans/{plan.pk}/scenarios", {"name": "Intrus"}),
        (f"/plans/{plan.pk}/scenarios/{scenario.pk}/promote", {"version": plan.version}),
    ):
        assert api.post(path, body).status_code == 404, path
    assert plan.scenarios.count() == 2 and not plan.versions.filter(baseline=True).exists()


def test_a_version_whose_file_no_longer_reads_is_said_not_a_500(replan: Replan, owner: Any) -> None:
    from pac.web.plans.models import PlanVersion

    plan = replan.plan
    numbers = list(plan.versions.values_list("number", flat=True))  # newest first
    PlanVersion.objects.filter(plan=plan, number=numbers[1]).update(content="funnel: [unclosed")
    api = Api(issue(owner, write=False))
    listed = api.get(f"/plans/{plan.pk}/versions")
    assert listed.status_code == 200
    assert [v["changes"] for v in listed.json()["items"]] == [None, None, None]
    refused = Api(issue(owner, write=False)).client.get(
        f"/api/v1/plans/{plan.pk}/versions/{numbers[2]}/diff/{numbers[1]}",
        headers={**api.headers, "Accept-Language": "en"},
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        f"Version {numbers[1]} was saved as a plan file that no longer reads: it cannot be compared."
    )
