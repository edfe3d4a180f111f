"""The plan's versions and what-if scenarios from the command line (issue 13): `pac plan versions`,
`version-diff`, `baseline` and `pac plan scenario list|new|compare|promote`, readable and as JSON, acting
as a user (``--as``, here ``PAC_USER=owner`` unless said) with their rights; bad input and refusals said
without a traceback (exit 2)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from pac.cli import app

from . import replan_fixtures
from .replan_fixtures import Replan

replan = replan_fixtures.replan  # the plan with three versions and two scenarios

pytestmark = pytest.mark.django_db


def pac(*args: object) -> Any:
    return CliRunner().invoke(
        app, [str(a) for a in args], env={"PAC_LANG": "en", "COLUMNS": "250", "PAC_USER": "owner"}
    )


def _json(*args: object) -> Any:
    result = pac(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _refused(result: Any, code: int, words: str) -> None:
    assert result.exit_code == code, result.output
    assert words in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.output and not result.stdout


def test_versions_lists_each_saved_version_with_who_and_what_changed(replan: Replan) -> None:
    plan = replan.plan
    document = _json("plan", "versions", plan.pk)
    numbers = [v["number"] for v in document["versions"]]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) == document["count"] == 3
    assert numbers[0] == plan.version and document["baseline"] is None
    newest, middle, first = document["versions"]
    assert newest["author"] == "owner" and newest["author_name"] == "Manon Leroy"
    assert newest["changes"] == {"added": 1, "removed": 0, "changed": 0}
    assert newest["summary"] == "1 change: Actions (1 added)"
    assert middle["changes"] == {"added": 0, "removed": 0, "changed": 1}
    assert first["changes"] is None and first["summary"] == "first version kept"

    text = " ".join(pac("plan", "versions", plan.pk).stdout.split())
    assert "3 versions saved" in text and "No baseline chosen yet." in text
    assert "Manon Leroy" in text and "1 change: Actions (1 added)" in text and "first version kept" in text


def test_version_diff_words_what_changed_like_the_web_page(replan: Replan) -> None:
    plan = replan.plan
    first, last = plan.versions.last().number, plan.versions.first().number
    document = _json("plan", "version-diff", plan.pk, first, last)
    assert document["old"]["number"] == first and document["new"]["number"] == last
    assert document["count"] == {"added": 1, "removed": 0, "changed": 1} and document["total"] == 2
    budget = next(c for c in document["changes"] if c["change"] == "changed")
    assert budget["path"][-1] == "budget" and budget["section"] == "Actions"
    assert (Decimal(str(budget["old"])), Decimal(str(budget["new"]))) == (replan.budget_before, replan.budget_after)
    added = next(c for c in document["changes"] if c["change"] == "added")
    assert added["subject"] == "Webinaire CFO"

    text = " ".join(pac("plan", "version-diff", plan.pk, first, last).stdout.split())
    assert f"Version {first} → version {last}" in text
    assert "2 changes: 1 added, 0 removed, 1 changed." in text
    assert "+ added Webinaire CFO" in text
    assert f"· Budget: €{int(replan.budget_before):,} → €{int(replan.budget_after):,}" in text


def test_the_baseline_is_chosen_then_compared_with_the_latest(replan: Replan) -> None:
    plan = replan.plan
    first = plan.versions.last().number
    result = pac("plan", "baseline", plan.pk, first)
    assert result.exit_code == 0 and f"Version {first} is now the baseline of plan {plan.pk}." in result.stdout
    assert plan.versions.get(baseline=True).number == first
    listed = _json("plan", "versions", plan.pk)
    assert listed["baseline"] == first and [v["baseline"] for v in listed["versions"]] == [False, False, True]
    document = _json("plan", "version-diff", plan.pk, "--baseline")
    assert (document["old"]["number"], document["new"]["number"]) == (first, plan.version)


def test_a_rep_reads_versions_but_cannot_choose_the_baseline(replan: Replan, teammate: Any) -> None:
    plan = replan.plan
    assert _json("plan", "versions", plan.pk, "--as", "teammate")["count"] == 3
    _refused(pac("plan", "baseline", plan.pk, plan.version, "--as", "teammate"), 2, "You may not change this plan.")
    assert not plan.versions.filter(baseline=True).exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("plan", "versions", 999999), "No plan number 999999 for owner."),
        (("plan", "versions", "{plan}", "--as", "outsider"), "No plan number {plan} for outsider."),
        (("plan", "versions", "{plan}", "--as", "nobody"), "No user nobody."),
        (("plan", "scenario", "promote", "{plan}", "--base-version", 1), "No scenario number {plan}."),
        (("plan", "version-diff", "{plan}", 1), "Give two version numbers (OLD NEW), or --baseline alone."),
        (("plan", "version-diff", "{plan}", "--baseline"), "has no baseline yet"),
        (("plan", "version-diff", "{plan}", 1, 77), "keeps no such version"),
        (("plan", "baseline", "{plan}", 77), "keeps no version 77"),
        (("plan", "scenario", "compare", "{plan}", 999999), "has no scenario 999999"),
        (("plan", "scenario", "compare", "{plan}", 1, 2, 3, 4, 5), "At most 4 scenarios at once."),
        (("plan", "scenario", "promote", 999999, "--base-version", 1), "No plan number 999999 for owner."),
    ],
)
def test_bad_input_is_said_without_a_traceback(
    replan: Replan, outsider: Any, args: tuple[Any, ...], words: str
) -> None:
    plan = replan.plan
    filled = [str(a).replace("{plan}", str(plan.pk)) for a in args]
    _refused(pac(*filled), 2, words.replace("{plan}", str(plan.pk)))


def test_scenarios_are_listed_and_made_from_the_command_line(replan: Replan) -> None:
    plan = replan.plan
    document = _json("plan", "scenario", "list", plan.pk)
    assert [(s["name"], s["changes"]) for s in document["scenarios"]] == [
        ("Démo → proposition à 35 %", 1),
        ("+1 AE", 1),
    ]
    made = _json("plan", "scenario", "new", plan.pk, "--name", "Sans salon", "--note", "le salon annulé")
    assert made["plan"] == plan.pk and made["note"] == "le salon annulé"
    assert plan.scenarios.filter(pk=made["id"], name="Sans salon").exists()
    text = " ".join(pac("plan", "scenario", "list", plan.pk).stdout.split())
    assert "Sans salon" in text and "+1 AE à partir de mars" in text
    _refused(pac("plan", "scenario", "new", plan.pk, "--name", " "), 2, "Give the scenario a name.")


def test_a_rep_cannot_make_a_scenario(replan: Replan, teammate: Any) -> None:
    plan = replan.plan
    _refused(
        pac("plan", "scenario", "new", plan.pk, "--name", "Le mien", "--as", "teammate"),
        2,
        "You may not change this plan.",
    )
    assert plan.scenarios.count() == 2


def test_compare_gives_volumes_capacity_cost_and_probability_side_by_side(replan: Replan) -> None:
    from pac.engine.analysis import analyse
    from pac.engine.model import Stage
    from pac.web.plans import adapters

    plan = replan.plan
    document = _json("plan", "scenario", "compare", plan.pk, replan.better_rate.pk, replan.one_more_ae.pk)
    cols = document["columns"]
    assert [c["id"] for c in cols] == [plan.pk, replan.better_rate.pk, replan.one_more_ae.pk]
    assert [c["scenario"] for c in cols] == [False, True, True] and [c["changes"] for c in cols] == [None, 1, 1]
    for col, row in zip(cols, (plan, replan.better_rate, replan.one_more_ae), strict=True):
        funnel = analyse(adapters.to_engine(row)).funnel
        assert col["volumes"]["demo"] == funnel.volume(Stage.DEMO)
    assert cols[1]["volumes"]["demo"] < cols[0]["volumes"]["demo"]
    ae = [next(r for r in c["capacity"] if r["role"] == "ae") for c in cols]
    assert ae[2]["hours_available"] > ae[0]["hours_available"] and ae[1]["hours_needed"] < ae[0]["hours_needed"]
    assert cols[0]["actions_budget"] > 0 and set(cols[0]["diagnostics"]) == {"error", "warning", "info"}
    assert cols[0]["probability_of_target"] is None and "no CRM data" in cols[0]["why_no_probability"]

    text = " ".join(pac("plan", "scenario", "compare", plan.pk).stdout.split())  # the first ones by default
    assert "The plan" in text and "Démo → proposition à 35 %" in text and "+1 AE" in text
    assert "Revenue target" in text and "Account executive: hours needed" in text
    assert "Probability of hitting the target" in text
    assert re.search(r"Objects changed, added or removed │ +— │ +1 │ +1 │", text)


def test_promote_makes_the_scenario_the_plan_and_logs_the_decision(
    replan: Replan, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from pac.web.plans.models import DecisionLog, FunnelStage, Plan

    plan, scenario = replan.plan, replan.better_rate
    with django_capture_on_commit_callbacks(execute=True):
        document = _json("plan", "scenario", "promote", scenario.pk, "--base-version", plan.version)
    after = Plan.objects.get(pk=plan.pk)
    assert document["version"] == after.version == plan.version + 1
    assert after.versions.first().number == after.version  # the promotion is one more version
    assert after.versions.first().author == owner  # made by the user the command acted as
    assert FunnelStage.objects.get(plan=plan, stage="demo").rate == Decimal("0.35")
    assert not Plan.objects.filter(pk=scenario.pk).exists()
    decision = DecisionLog.objects.get(plan=plan)
    assert document["decision"] == decision.pk
    assert (decision.change, decision.decided_by, decision.params) == (
        "scenario_promoted",
        owner,
        {"scenario": "Démo → proposition à 35 %"},
    )
    assert [c["path"][-1] for c in document["changes"]] == ["rate"]


def test_a_stale_promotion_is_refused_with_exit_2_and_changes_nothing(replan: Replan) -> None:
    from pac.web.plans.models import DecisionLog, Plan

    plan, scenario = replan.plan, replan.one_more_ae
    result = pac("plan", "scenario", "promote", scenario.pk, "--base-version", plan.version - 1)
    _refused(result, 2, f"Plan {plan.pk} is at version {plan.version}, not {plan.version - 1}")
    assert Plan.objects.filter(pk=scenario.pk).exists() and not DecisionLog.objects.filter(plan=plan).exists()
    assert Plan.objects.get(pk=plan.pk).version == plan.version


def test_a_rep_cannot_promote(replan: Replan, teammate: Any) -> None:
    from pac.web.plans.models import Plan

    plan, scenario = replan.plan, replan.one_more_ae
    result = pac("plan", "scenario", "promote", scenario.pk, "--base-version", plan.version, "--as", "teammate")
    _refused(result, 2, "You may not change this plan.")
    assert Plan.objects.filter(pk=scenario.pk).exists()
