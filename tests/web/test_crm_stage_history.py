"""Stage histories into the team's tables, and what each opportunities import changes, recorded field by
field in the import's own transaction (run on SQLite, and on PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pac.web.crm.importing import import_file
from pac.web.crm.models import ImportJob, Opportunity, OpportunityChange, OpportunityStage

pytestmark = pytest.mark.django_db(transaction=False)

DATA = Path(__file__).parents[1] / "data" / "crm"
HEADER = "Opportunity ID,Opportunity Name,Stage,Amount,Close Date\r\n"


def deals_file(tmp_path: Path, *rows: str, name: str = "report.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(row + "\r\n" for row in rows), encoding="utf-8")
    return path


def import_deals(owner: Any, team: Any, path: Path, **options: Any) -> Any:
    return import_file(
        user=owner, team=team, kind="opportunities", source=path, preset="salesforce-opportunities", **options
    )


def changes(team: Any) -> list[tuple[str, str, str, str]]:
    rows = OpportunityChange.objects.filter(team=team).order_by("opportunity", "field", "pk")
    return [(c.opportunity, c.field, c.old, c.new) for c in rows]


@pytest.mark.parametrize(
    ("file", "preset", "entries"),
    [
        ("salesforce_opportunity_history.csv", "salesforce-opportunity-history", 9),
        ("hubspot_deals_stage_history_en.csv", "hubspot-stage-history", 11),
        ("hubspot_deals_stage_history_fr.csv", "hubspot-stage-history", 11),
    ],
)
def test_a_stage_history_imports_once_and_a_second_import_changes_nothing(
    owner: Any, team: Any, file: str, preset: str, entries: int
) -> None:
    def run() -> Any:
        return import_file(user=owner, team=team, kind="opportunity_stages", source=DATA / file, preset=preset)

    first = run()
    assert first.counts is not None, [str(p) for p in first.report.errors]
    assert (first.counts.created, first.counts.updated) == (entries, 0)
    again = run()
    assert again.counts is not None
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, entries)
    assert OpportunityStage.objects.filter(team=team).count() == entries


def test_the_stage_history_is_an_ibis_table_of_the_team(owner: Any, team: Any, other_team: Any) -> None:
    from pac.web.crm.kpi_tables import team_tables

    history = DATA / "salesforce_opportunity_history.csv"
    import_file(
        user=owner, team=team, kind="opportunity_stages", source=history, preset="salesforce-opportunity-history"
    )
    table = team_tables(team)["opportunity_stages"]
    won = table.filter(table.stage == "Closed Won").execute()
    assert list(won["opportunity"]) == ["0065e00000Kq2CdAAJ"]
    assert str(won["entered"].iloc[0])[:10] == "2026-03-20"  # typed a day, whatever the backend returns
    assert "opportunity_stages" not in team_tables(other_team)


def test_a_bad_stage_history_is_refused_located_and_writes_nothing(owner: Any, team: Any, tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(
        "Opportunity ID,To Stage,Edit Date\r\n006A,Prospecting,03/02/2026\r\n006A,Qualification,le 17\r\n",
        encoding="utf-8",
    )
    outcome = import_file(
        user=owner, team=team, kind="opportunity_stages", source=path, preset="salesforce-opportunity-history"
    )
    assert outcome.counts is None
    assert [(p.line, p.column, p.code) for p in outcome.report.errors] == [(3, "Edit Date", "bad_date")]
    assert not OpportunityStage.objects.filter(team=team).exists()


def test_a_second_import_records_the_stage_and_amount_a_deal_moved(owner: Any, team: Any, tmp_path: Path) -> None:
    first = deals_file(
        tmp_path, "006A,Rousseau,Qualification,12000,30/04/2026", "006B,Lemaire,Needs Analysis,48000,30/06/2026"
    )
    assert import_deals(owner, team, first).counts.created == 2
    new_deal = [c for c in changes(team) if c[0] == "006A"]
    assert new_deal == [
        ("006A", "amount", "", "12000.00"),
        ("006A", "expected_close", "", "2026-04-30"),
        ("006A", "outcome", "", "open"),
        ("006A", "stage", "", "Qualification"),
    ]
    before = len(changes(team))

    moved = deals_file(
        tmp_path,
        "006A,Rousseau,Proposal/Price Quote,14500,30/04/2026",
        "006B,Lemaire,Needs Analysis,48000,30/06/2026",
        name="second.csv",
    )
    counts = import_deals(owner, team, moved).counts
    assert (counts.updated, counts.unchanged) == (1, 1)
    added = OpportunityChange.objects.filter(team=team).order_by("pk")[before:]
    assert sorted((c.opportunity, c.field, c.old, c.new) for c in added) == [
        ("006A", "amount", "12000.00", "14500.00"),
        ("006A", "stage", "Qualification", "Proposal/Price Quote"),
    ]
    assert len({c.recorded for c in added}) == 1  # one moment per import: an as-of view cuts between imports

    import_deals(owner, team, moved)  # the same file again: nothing changed, nothing recorded
    assert OpportunityChange.objects.filter(team=team).count() == before + 2


def test_a_deal_that_closes_records_its_outcome_and_slip(owner: Any, team: Any, tmp_path: Path) -> None:
    import_deals(owner, team, deals_file(tmp_path, "006A,Rousseau,Negotiation/Review,9000,30/04/2026"))
    before = OpportunityChange.objects.count()
    won = deals_file(tmp_path, "006A,Rousseau,Closed Won,9000,12/05/2026", name="won.csv")
    import_deals(owner, team, won, on_duplicate="last")  # the one-table merge records the same way
    added = OpportunityChange.objects.order_by("pk")[before:]
    assert sorted((c.field, c.old, c.new) for c in added) == [
        ("expected_close", "2026-04-30", "2026-05-12"),
        ("outcome", "open", "won"),
        ("stage", "Negotiation/Review", "Closed Won"),
    ]
    deal = Opportunity.objects.get(team=team, external_id="006A")
    assert deal.closed == dt.date(2026, 5, 12) and deal.amount == Decimal(9000)


def test_a_refused_or_dry_run_import_records_no_change(owner: Any, team: Any, tmp_path: Path) -> None:
    import_deals(owner, team, deals_file(tmp_path, "006A,Rousseau,Qualification,12000,30/04/2026"))
    before = changes(team)
    bad = deals_file(
        tmp_path,
        "006A,Rousseau,Proposal/Price Quote,14500,30/04/2026",
        "006B,Lemaire,Prospecting,lots,",
        name="bad.csv",
    )
    outcome = import_deals(owner, team, bad)
    assert outcome.counts is None and [(p.line, p.column) for p in outcome.report.errors] == [(3, "Amount")]
    good = deals_file(tmp_path, "006A,Rousseau,Proposal/Price Quote,14500,30/04/2026", name="good.csv")
    assert import_deals(owner, team, good, dry_run=True).counts.updated == 1
    assert changes(team) == before
    assert Opportunity.objects.get(team=team, external_id="006A").stage == "Qualification"


def test_the_changes_name_their_job_and_are_an_ibis_table(owner: Any, team: Any, tmp_path: Path) -> None:
    from pac.web.crm.kpi_tables import team_tables

    path = deals_file(tmp_path, "006A,Rousseau,Qualification,12000,30/04/2026")
    job = ImportJob.objects.create(team=team, user=owner, kind="opportunities", file_name="report.csv")
    import_deals(owner, team, path, job_id=job.pk)
    assert set(OpportunityChange.objects.values_list("job", flat=True)) == {job.pk}
    table = team_tables(team)["opportunity_changes"]
    amounts = table.filter(table.field == "amount").execute()
    assert list(amounts["new"]) == ["12000.00"] and list(amounts["job"]) == [str(job.pk)]
    assert amounts["recorded"].iloc[0].date() == OpportunityChange.objects.first().recorded.date()


def test_the_import_page_takes_a_hubspot_history_and_its_jobs_name_the_changes(
    owner: Any, team: Any, tmp_path: Path, settings: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    settings.DATA_DIR = tmp_path
    client = Client()
    client.force_login(owner)

    def upload(kind: str, preset: str, name: str, content: bytes) -> ImportJob:
        fields = {"team": team.pk, "kind": kind, "preset": preset, "on_duplicate": "error"}
        client.post(reverse("crm:import"), {**fields, "file": SimpleUploadedFile(name, content)})
        return ImportJob.objects.filter(team=team).order_by("-pk").first()

    history = (DATA / "hubspot_deals_stage_history_fr.csv").read_bytes()
    job = upload("opportunity_stages", "hubspot-stage-history", "transactions.csv", history)
    assert (job.status, job.counts["created"]) == (ImportJob.DONE, 11)
    assert OpportunityStage.objects.filter(team=team, stage="Conclue gagnée").count() == 1

    first = upload(
        "opportunities", "salesforce-opportunities", "s1.csv", (HEADER + "006A,A,Qualification,100,\r\n").encode()
    )
    second = upload(
        "opportunities", "salesforce-opportunities", "s2.csv", (HEADER + "006A,A,Closed Lost,100,\r\n").encode()
    )
    assert (first.status, second.status) == (ImportJob.DONE, ImportJob.DONE)
    by_job = {(c.job, c.field) for c in OpportunityChange.objects.filter(team=team)}
    assert by_job == {(first.pk, "stage"), (first.pk, "amount"), (first.pk, "outcome")} | {
        (second.pk, "stage"),
        (second.pk, "outcome"),
    }


def test_the_pipeline_reads_back_as_it_stood_after_each_import(owner: Any, team: Any, tmp_path: Path) -> None:
    from pac.engine.kpis.history import pipeline_as_of
    from pac.web.crm.kpi_tables import team_tables

    import_deals(owner, team, deals_file(tmp_path, "006A,Rousseau,Qualification,12000,30/04/2026"))
    first = OpportunityChange.objects.get(team=team, field="stage").recorded
    moved = deals_file(tmp_path, "006A,Rousseau,Proposal/Price Quote,14500,15/05/2026", name="moved.csv")
    import_deals(owner, team, moved)
    second = OpportunityChange.objects.filter(team=team, field="stage").latest("pk").recorded
    changes = team_tables(team)["opportunity_changes"]
    then = pipeline_as_of(changes, first).execute().iloc[0]
    assert (then["stage"], then["amount"], str(then["expected_close"])[:10]) == ("Qualification", 12000.0, "2026-04-30")
    now = pipeline_as_of(changes, second).execute().iloc[0]
    assert (now["stage"], now["amount"], str(now["expected_close"])[:10]) == (
        "Proposal/Price Quote",
        14500.0,
        "2026-05-15",
    )
    assert pipeline_as_of(changes, first - dt.timedelta(seconds=1)).count().execute() == 0


def test_a_deal_given_twice_when_the_last_row_wins_records_only_its_last_values(
    owner: Any, team: Any, tmp_path: Path
) -> None:
    import_deals(owner, team, deals_file(tmp_path, "006A,Rousseau,Qualification,12000,30/04/2026"))
    before = OpportunityChange.objects.count()
    twice = deals_file(
        tmp_path,
        "006A,Rousseau,Proposal/Price Quote,12000,30/04/2026",
        "006A,Rousseau,Negotiation/Review,12000,30/04/2026",
        name="twice.csv",
    )
    assert import_deals(owner, team, twice, on_duplicate="last").counts.updated == 1
    added = OpportunityChange.objects.order_by("pk")[before:]
    assert [(c.field, c.old, c.new) for c in added] == [("stage", "Qualification", "Negotiation/Review")]
