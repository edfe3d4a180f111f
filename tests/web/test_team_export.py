"""Everything of a team as a zip: read back with ``zipfile``, ``json`` and pandas (a second CSV reader), each
table's rows match the database's, the other team's rows stay out, a formula-like text is neutralised in the
CSV only; who may download it; the same from ``pac export-team``; memory that does not grow with the rows."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse
from typer.testing import CliRunner

from tests.web.conftest import login
from tests.web.team_data import FORMULA, load_team_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(team: Any, owner: Any, other_team: Any, outsider: Any, demo_plan_text: str) -> dict[str, Any]:
    from pac.web.playbooks.models import TeamPlaybook

    loaded = load_team_data(team, owner, other_team, demo_plan_text)
    for which in (team, other_team):  # a playbook of each team: only the team's own is exported
        TeamPlaybook.objects.create(team=which, name="lancement", title="Lancement", text="playbook: {}", author=owner)
    return loaded


def _expected_counts(team: Any) -> dict[str, int]:
    """The team's rows, counted here by hand rather than through the export's own table list."""
    from pac.web.cockpit.models import AlertState, ForecastAdjustment, ForecastSubmission
    from pac.web.crm.models import KINDS, ImportJob, OpportunityChange
    from pac.web.plans import models as p

    by_plan = {
        "objectives": p.Objective,
        "funnel_stages": p.FunnelStage,
        "plan_roles": p.PlanRole,
        "efforts": p.Effort,
        "segments": p.Segment,
        "target_accounts": p.Account,
        "events": p.Event,
        "actions": p.Action,
        "rituals": p.Ritual,
        "deadlines": p.Deadline,
        "governance_raci": p.GovernanceRaci,
        "partners": p.Partner,
        "decisions": p.Decision,
        "decision_log": p.DecisionLog,
        "plan_versions": p.PlanVersion,
        "forecast_submissions": ForecastSubmission,
        "forecast_adjustments": ForecastAdjustment,
        "alert_states": AlertState,
    }
    counts = {name: model.objects.filter(plan__team=team).count() for name, model in by_plan.items()}
    counts |= {f"crm_{kind}": model.objects.filter(team=team).count() for kind, model in KINDS.items()}
    counts |= {
        "team": 1,
        "members": team.members.count(),
        "plans": p.Plan.objects.filter(team=team).count(),
        "target_contacts": p.Contact.objects.filter(account__plan__team=team).count(),
        "action_accounts": p.Action.accounts.through.objects.filter(action__plan__team=team).count(),
        "milestones": p.Milestone.objects.filter(action__plan__team=team).count(),
        "crm_opportunity_changes": OpportunityChange.objects.filter(team=team).count(),
        "import_jobs": ImportJob.objects.filter(team=team).count(),
        "ritual_meetings": p.RitualMeeting.objects.filter(ritual__plan__team=team).count(),
        "erasures": 0,
        "playbooks": 1,
    }
    from pac.web.sequences import models as seq

    counts |= {
        "sequences": seq.SequenceTemplate.objects.filter(plan__team=team).count(),
        "sequence_templates": seq.StepTemplate.objects.filter(sequence__plan__team=team).count(),
        "sequence_enrolments": seq.Enrolment.objects.filter(plan__team=team).count(),
        "sequence_touches": seq.Touch.objects.filter(enrolment__plan__team=team).count(),
        "touch_capacities": seq.TouchCapacity.objects.filter(plan__team=team).count(),
        "opt_outs": seq.OptOut.objects.filter(team=team).count(),
        "contact_consents": seq.ContactConsent.objects.filter(contact__account__plan__team=team).count(),
    }
    return counts


def test_the_zip_holds_each_table_as_json_and_csv_with_the_databases_rows(
    data: dict[str, Any], team: Any, as_owner: Client
) -> None:
    response = as_owner.get(reverse("privacy:team_export", args=[team.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="pac-ventes-saas-' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    manifest = json.loads(archive.read("manifest.json"))
    expected = _expected_counts(team)
    assert manifest["tables"] == expected
    assert manifest["team"] == {"id": team.pk, "name": team.name}
    assert manifest["version"] == 1 and manifest["exported_at"]
    assert expected["crm_opportunities"] == 40 and expected["actions"] > 0 and expected["members"] == 2
    for table, rows in expected.items():
        parsed = json.loads(archive.read(f"json/{table}.json"))
        frame = pd.read_csv(io.BytesIO(archive.read(f"csv/{table}.csv")), encoding="utf-8-sig", dtype=str)
        assert len(parsed) == rows == len(frame), table
        if rows:
            assert list(frame.columns) == list(parsed[0]), table
    deals = json.loads(archive.read("json/crm_opportunities.json"))
    assert {d["team_id"] for d in deals} == {team.pk}  # the other team's deals stay out
    assert deals[0]["name"] == FORMULA  # JSON keeps the value as typed
    assert deals[1]["amount"] == "625.00"  # exact decimals, as text
    frame = pd.read_csv(io.BytesIO(archive.read("csv/crm_opportunities.csv")), encoding="utf-8-sig", dtype=str)
    assert frame.loc[0, "name"] == "'" + FORMULA  # a spreadsheet will not run it
    assert Decimal(frame.loc[1, "amount"]) == Decimal("625.00")
    leads = pd.read_csv(io.BytesIO(archive.read("csv/crm_leads.csv")), encoding="utf-8-sig", dtype=str)
    assert leads.loc[0, "channel"] == "'-1 salon"
    members = json.loads(archive.read("json/members.json"))
    assert "password" not in members[0] and {m["username"] for m in members} == {"owner", "alex"}
    plans = json.loads(archive.read("json/plans.json"))
    assert plans[0]["name"] == data["plan"].name and "alert_thresholds" in plans[0]


def test_only_the_teams_managers_and_administrators_get_its_data(
    data: dict[str, Any], team: Any, as_teammate: Client, as_outsider: Client, as_owner: Client
) -> None:
    from pac.web.accounts.models import User

    alex = login(data["alex"])
    for name in ("privacy:team_data", "privacy:team_export"):
        url = reverse(name, args=[team.pk])
        assert as_owner.get(url).status_code == 200
        assert as_outsider.get(url).status_code == 404  # an outsider learns nothing of the team
        assert as_teammate.get(url).status_code == 403
        assert alex.get(url).status_code == 403
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert as_owner.get(reverse("privacy:home")).url == reverse("privacy:team_data", args=[team.pk])
    assert as_teammate.get(reverse("privacy:home")).status_code == 403
    # Django's superuser is staff for the admin, not a member of every team: a team's data is its own people's
    root = User.objects.create_superuser("root", "root@pac.example", "x-unused-x")
    assert login(root).get(reverse("privacy:team_data", args=[team.pk])).status_code == 404


def test_the_page_lists_what_the_zip_holds_and_offers_erasure_to_administrators_only(
    data: dict[str, Any], team: Any, as_owner: Client
) -> None:
    from pac.web.accounts.services import user_create
    from tests.web.conftest import PASSWORD

    page = as_owner.get(reverse("privacy:team_data", args=[team.pk])).content.decode()
    assert reverse("privacy:team_export", args=[team.pk]) in page
    assert 'data-testid="erase-person"' not in page  # a manager exports; erasing is an administrator's act
    admin = user_create(username="adele", password=PASSWORD, role="admin", team_name=team.name)
    page = login(admin).get(reverse("privacy:team_data", args=[team.pk])).content.decode()
    assert 'data-testid="erase-person"' in page and 'value="alex"' in page
    assert 'value="adele"' not in page  # nobody erases themselves


def test_the_teams_saved_crm_formats_travel_with_its_data(
    team: Any, as_owner: Client, settings: Any, tmp_path: Path
) -> None:
    from pac.web.crm.presets import preset_save

    settings.DATA_DIR = tmp_path
    mapping = {"Numéro": "external_id"}
    preset_save(team=team, name="Notre CRM", kind="opportunities", base=None, mapping=mapping, values={})
    response = as_owner.get(reverse("privacy:team_export", args=[team.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "Notre CRM" in archive.read("presets.yaml").decode("utf-8")


@pytest.mark.django_db(transaction=True)  # on PostgreSQL, the export reads in its own snapshot transaction
def test_pac_export_team_writes_the_same_zip(data: dict[str, Any], team: Any, tmp_path: Path) -> None:
    from pac.cli import app

    target = tmp_path / "equipe.zip"
    result = CliRunner().invoke(app, ["export-team", team.name, "--out", str(target)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        assert json.loads(archive.read("manifest.json"))["tables"] == _expected_counts(team)
    again = CliRunner().invoke(app, ["export-team", team.name, "--out", str(target)])
    # never overwritten (the message names the file; the terminal may wrap its long path)
    assert again.exit_code == 2 and str(target) in again.output.replace("\n", "")
    unknown = CliRunner().invoke(app, ["export-team", "Personne", "--out", str(tmp_path / "x.zip")])
    assert unknown.exit_code == 2 and "Personne" in unknown.output
    assert not (tmp_path / "x.zip").exists()


def _peak_export_memory(team: Any, tmp_path: Path) -> int:
    from pac.web.privacy.export import export_team

    tracemalloc.start()
    try:
        with (tmp_path / "big.zip").open("wb") as target:
            export_team(team, target)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        (tmp_path / "big.zip").unlink()


def _add_deals(team: Any, start: int, count: int) -> None:
    from pac.web.crm.models import Opportunity

    Opportunity.objects.bulk_create(
        Opportunity(
            team=team,
            external_id=f"BIG-{n}",
            name=f"Affaire numéro {n} " + "x" * 80,
            owner="Sami Benali",
            outcome="open",
            amount=Decimal(n),
        )
        for n in range(start, start + count)
    )


def test_a_big_crm_table_is_exported_in_memory_that_does_not_grow_with_its_rows(team: Any, tmp_path: Path) -> None:
    _add_deals(team, 0, 3000)
    small = _peak_export_memory(team, tmp_path)
    _add_deals(team, 3000, 27000)
    # the lower of two runs: tracemalloc counts every thread's allocations, and a thread an earlier test of
    # this process left behind (a cache warm-up) may allocate during one of them
    big = min(_peak_export_memory(team, tmp_path) for _run in range(2))
    # ten times the rows (about 6 MB of JSON and CSV): the peak stays that of a chunk of rows
    assert big < small * 1.5, (small, big)
