"""Plan-as-code (issue 13): `pac plan export` → edit → `pac plan apply` updates the plan in place, applying
twice changes nothing the second time, a file made from an older version is refused, and what comes back
out is what went in."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from pac.cli import app
from pac.engine.planfile import parse_plan_file, to_plan

pytestmark = pytest.mark.django_db


def pac(*args: object) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], env={"PAC_LANG": "en", "COLUMNS": "200"})


def _export(plan: Any, path: Path) -> str:
    result = pac("plan", "export", plan.pk, "--output", path)
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


def _edited(text: str) -> str:
    """The exported plan with a bigger budget on its first action, another owner on its second, a new
    action and one reporting deadline less."""
    data = yaml.safe_load(text)
    data["actions"][0]["budget"] = data["actions"][0].get("budget", 0) + 2500
    data["actions"][1]["owner"] = "teammate"
    data["actions"].append({**copy.deepcopy(data["actions"][0]), "id": "webinar-cfo", "name": "Webinaire CFO"})
    data["deadlines"].pop()
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def test_export_edit_apply_updates_the_plan_in_place_and_applying_again_changes_nothing(
    plan: Any, teammate: Any, tmp_path: Path
) -> None:
    from pac.web.plans.models import Action, Plan

    plan.refresh_from_db()
    first_action_pk = Action.objects.filter(plan=plan).order_by("pk").first().pk
    edited = tmp_path / "edited.yaml"
    edited.write_text(_edited(_export(plan, tmp_path / "plan.yaml")), encoding="utf-8")

    result = pac("plan", "apply", edited, "--plan", plan.pk, "--base-version", plan.version, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    kinds = sorted((c["change"], c["where"].split("[")[0]) for c in document["changes"])
    assert kinds == [("added", "actions"), ("changed", "actions"), ("changed", "actions"), ("removed", "deadlines")]
    after = Plan.objects.get(pk=plan.pk)
    assert document["version"] == after.version == plan.version + 1
    assert Action.objects.filter(plan=plan, code="webinar-cfo").exists()
    assert Action.objects.filter(pk=first_action_pk).exists()  # the same row, changed in place

    # what comes out is what went in
    again = _export(after, tmp_path / "again.yaml")
    assert to_plan(parse_plan_file(again)) == to_plan(parse_plan_file(edited.read_text(encoding="utf-8")))

    # applying the same file again: nothing to do, not even a new version
    second = pac("plan", "apply", edited, "--plan", plan.pk, "--base-version", after.version)
    assert second.exit_code == 0 and "nothing changed" in second.stdout
    assert Plan.objects.get(pk=plan.pk).version == after.version


def test_a_file_made_from_an_older_version_is_refused_and_nothing_changes(plan: Any, tmp_path: Path) -> None:
    from pac.web.plans.models import Action, Plan

    plan.refresh_from_db()
    edited = tmp_path / "edited.yaml"
    edited.write_text(_edited(_export(plan, tmp_path / "plan.yaml")), encoding="utf-8")
    Plan.objects.filter(pk=plan.pk).update(version=plan.version + 1)  # someone saved a change meanwhile

    result = pac("plan", "apply", edited, "--plan", plan.pk, "--base-version", plan.version)
    assert result.exit_code == 2
    assert f"is at version {plan.version + 1}, your file was made from version {plan.version}" in result.output
    assert not Action.objects.filter(plan=plan, code="webinar-cfo").exists()


def test_a_file_that_changes_the_sequences_is_refused_with_where_to_change_them(plan: Any, tmp_path: Path) -> None:
    plan.refresh_from_db()
    data = yaml.safe_load(_export(plan, tmp_path / "plan.yaml"))
    assert data.get("sequences"), "the example plan has sequences"
    data["sequences"][0]["name"] = "Autre nom"
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    result = pac("plan", "apply", edited, "--plan", plan.pk, "--base-version", plan.version)
    assert result.exit_code == 1 and "which the web app keeps" in result.output


_SMALL = """\
plan: {{name: Ordre, start: 2027-01-04, end: 2027-03-31}}
actions:
{actions}
"""


def _small(*actions: str) -> Any:
    return to_plan(parse_plan_file(_SMALL.format(actions="\n".join(actions))))


def test_applying_a_file_that_reorders_the_actions_keeps_their_rows_in_the_files_order(owner: Any, team: Any) -> None:
    """Objects kept by id keep their rows (and what points to them), and read back in the file's order."""
    from pac.web.plans import services
    from pac.web.plans.applying import plan_apply
    from pac.web.plans.filesections import plan_for_file
    from pac.web.plans.models import Action

    one = "  - {id: one, type: demo, start: 2027-01-04, end: 2027-01-08}"
    two = "  - {id: two, type: demo, start: 2027-01-11, end: 2027-01-15}"
    row = services.plan_create_from_file(user=owner, team=team, plan=_small(one, two))
    ids = dict(Action.objects.filter(plan=row).values_list("code", "pk"))
    row.refresh_from_db()
    plan_apply(user=owner, plan=row, source=_small(two, one), base_version=row.version)
    row.refresh_from_db()
    assert [a.id for a in plan_for_file(row).actions] == ["two", "one"]
    assert dict(Action.objects.filter(plan=row).values_list("code", "pk")) == ids


def test_applying_leaves_no_second_copy_of_a_milestone_behind(owner: Any, team: Any) -> None:
    from pac.web.plans import services
    from pac.web.plans.applying import plan_apply
    from pac.web.plans.filesections import plan_for_file

    action = "  - {{id: one, type: demo, start: 2027-01-04, end: 2027-01-29, milestones: [{milestones}]}}"
    kickoff = "{name: Lancement, date: 2027-01-05}"
    row = services.plan_create_from_file(
        user=owner, team=team, plan=_small(action.format(milestones=f"{kickoff}, {kickoff}"))
    )
    row.refresh_from_db()
    plan_apply(user=owner, plan=row, source=_small(action.format(milestones=kickoff)), base_version=row.version)
    row.refresh_from_db()
    assert len(plan_for_file(row).actions[0].milestones) == 1


def test_an_action_added_in_the_app_comes_after_the_files(owner: Any, team: Any) -> None:
    import datetime as dt

    from pac.web.plans import services
    from pac.web.plans.execution import entity_save
    from pac.web.plans.filesections import plan_for_file
    from pac.web.plans.models import Action

    two = "  - {id: two, type: demo, start: 2027-01-11, end: 2027-01-15}"
    one = "  - {id: one, type: demo, start: 2027-01-04, end: 2027-01-08}"
    row = services.plan_create_from_file(user=owner, team=team, plan=_small(two, one))
    row.refresh_from_db()
    added = Action(code="added", type="demo", name="Ajoutée", start=dt.date(2027, 1, 4), end=dt.date(2027, 1, 8))
    entity_save(user=owner, plan=row, expected_version=row.version, entity="actions", instance=added)
    row.refresh_from_db()
    assert [a.id for a in plan_for_file(row).actions] == ["two", "one", "added"]
