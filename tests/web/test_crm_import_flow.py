"""The import page's flow: a dry run imported for real without a new upload, a re-import that would change
many rows held until confirmed (with what it changes), problems grouped by kind, and leads linked to the
deals that name them (Olist: MQL → won as read from disk)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from pac.web.crm.models import ImportJob, Lead, Opportunity

from .conftest import _user, login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def _post(client: Client, team: Any, name: str, content: bytes, **fields: str) -> Any:
    """An upload from the import page; the job page it leads to (the test worker runs at once)."""
    data = {"team": team.pk, "kind": "opportunities", "preset": "", "on_duplicate": "error", **fields}
    return client.post(reverse("crm:import"), {**data, "file": SimpleUploadedFile(name, content)}, follow=True).context[
        "job"
    ]


def _deals(amounts: list[str], account: bool = True) -> bytes:
    head = "external_id,outcome,amount,account\n" if account else "external_id,outcome,amount\n"
    rows = [f"D{i},won,{amount}" + (f",A{i}" if account else "") for i, amount in enumerate(amounts)]
    return (head + "\n".join(rows) + "\n").encode()


def test_a_dry_run_is_imported_for_real_without_a_new_upload(owner: Any, team: Any) -> None:
    client = login(owner)
    dry = _post(client, team, "week.csv", _deals(["100", "200"]), dry_run="on")
    assert dry.status == ImportJob.DONE and dry.dry_run and not Opportunity.objects.exists()
    page = client.get(reverse("crm:job", args=[dry.pk])).content.decode()
    assert 'data-testid="confirm"' in page and reverse("crm:job_confirm", args=[dry.pk]) in page

    real = client.post(reverse("crm:job_confirm", args=[dry.pk]), follow=True).context["job"]

    assert real.pk != dry.pk and real.status == ImportJob.DONE and not real.dry_run
    assert real.counts == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    assert real.file_name == "week.csv" and real.kind == "opportunities"
    assert Opportunity.objects.get(team=team, external_id="D1").amount == Decimal("200")
    assert not Path(real.stored_path).exists()  # the real run's file goes with its job, as any upload
    # the simulation stays in the list, labelled as one, and cannot be imported a second time
    listed = client.get(reverse("crm:import")).content.decode()
    assert f'data-job="{dry.pk}" data-status="done" class="dry-run"' in listed
    assert "Simulation" in listed
    assert 'data-testid="confirm"' not in client.get(reverse("crm:job", args=[dry.pk])).content.decode()
    again = client.post(reverse("crm:job_confirm", args=[dry.pk]), follow=True)
    assert again.context["job"].pk == dry.pk and ImportJob.objects.count() == 2


def test_only_the_latest_simulations_keep_their_upload(owner: Any, team: Any, data_dir: Path) -> None:
    from pac.web.crm.jobs import KEPT_UPLOADS

    client = login(owner)
    jobs = [_post(client, team, f"w{n}.csv", _deals(["100"]), dry_run="on") for n in range(KEPT_UPLOADS + 2)]

    kept = [Path(job.stored_path).exists() for job in jobs]
    assert kept == [False, False] + [True] * KEPT_UPLOADS
    assert len(list((data_dir / "imports").glob("*.csv"))) - len(jobs) == KEPT_UPLOADS  # besides the reports
    page = client.get(reverse("crm:job", args=[jobs[0].pk])).content.decode()
    assert 'data-testid="confirm"' not in page and "Simulation" in page


def test_only_the_uploader_or_a_manager_of_the_team_may_import_a_simulation(
    owner: Any, team: Any, teammate: Any, outsider: Any
) -> None:
    marketing = _user("marketing", "marketing", team)
    leads = b"external_id,created,channel\nL1,2027-01-04,webinar\n"
    dry = _post(login(marketing), team, "leads.csv", leads, kind="leads", dry_run="on")
    url = reverse("crm:job_confirm", args=[dry.pk])
    other_marketing = _user("marketing2", "marketing", team)

    assert login(outsider).post(url).status_code == 404  # another team's manager
    assert login(teammate).post(url).status_code == 403  # a rep of the team: imports nothing
    assert login(other_marketing).post(url).status_code == 403  # sees it, did not upload it
    assert login(owner).get(url).status_code == 405
    assert not Lead.objects.exists()
    assert login(owner).post(url).status_code == 302  # the team's manager
    assert Lead.objects.filter(team=team).count() == 1


def test_marketing_imports_leads_and_no_other_records(team: Any) -> None:
    """Marketing brings its leads (the MQLs); deals, customers and costs are the managers' to import: the
    form does not offer them, and a forced upload is refused with the reason, nothing queued."""
    client = login(_user("marketing", "marketing", team))
    page = client.get(reverse("crm:import"))
    assert [value for value, _label in page.context["form"].fields["kind"].choices] == ["leads"]

    data = {"team": team.pk, "kind": "opportunities", "preset": "", "on_duplicate": "error"}
    refused = client.post(reverse("crm:import"), {**data, "file": SimpleUploadedFile("d.csv", _deals(["100"]))})

    assert refused.status_code == 200 and "kind" in refused.context["form"].errors
    assert not ImportJob.objects.exists() and not Opportunity.objects.exists()


def test_a_reimport_that_changes_many_rows_says_what_and_waits_for_a_yes(
    owner: Any, team: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("pac.web.crm.jobs.CONFIRM_UPDATES", 5)
    client = login(owner)
    first = _post(client, team, "w1.csv", _deals(["1000"] * 8))
    assert first.status == ImportJob.DONE and first.counts["created"] == 8  # new rows: nothing to confirm

    held = _post(client, team, "w2.csv", _deals(["0"] * 6 + ["1000"] * 2))

    assert held.status == ImportJob.HELD
    assert held.counts == {"created": 0, "updated": 6, "unchanged": 2, "rejected": 0}
    assert held.changes["rows"] == 6
    assert held.changes["fields"] == {"amount": {"changed": 6, "zero": 6, "cleared": 0}}
    assert set(Opportunity.objects.values_list("amount", flat=True)) == {Decimal("1000")}  # nothing written
    page = client.get(reverse("crm:job", args=[held.pk])).content.decode()
    assert 'data-status="held"' in page and 'data-testid="changes"' in page
    assert '<li data-field="amount">' in page and '<strong data-testid="set-to-zero">' in page
    assert 'data-testid="confirm"' in page

    done = client.post(reverse("crm:job_confirm", args=[held.pk]), follow=True).context["job"]

    assert done.status == ImportJob.DONE and done.confirmed
    assert done.counts == {"created": 0, "updated": 6, "unchanged": 2, "rejected": 0}
    assert Opportunity.objects.filter(amount=0).count() == 6
    # a few changes go through at once
    small = _post(client, team, "w3.csv", _deals(["5"] * 2 + ["0"] * 4 + ["1000"] * 2))
    assert small.status == ImportJob.DONE and Opportunity.objects.filter(amount=5).count() == 2


def test_a_dry_run_says_what_it_would_change(owner: Any, team: Any) -> None:
    client = login(owner)
    _post(client, team, "w1.csv", _deals(["1000"] * 3))
    dry = _post(client, team, "w2.csv", _deals(["0", "1000", "1500"]), dry_run="on")
    assert dry.changes == {"rows": 2, "fields": {"amount": {"changed": 2, "zero": 1, "cleared": 0}}}


def test_warnings_are_grouped_by_kind_with_their_count_and_first_lines(owner: Any, team: Any) -> None:
    client = login(owner)
    rows = [f"N{i},won,{-1 if i < 2 else 100}" for i in range(30)]
    job = _post(client, team, "many.csv", ("external_id,outcome,amount\n" + "\n".join(rows) + "\n").encode())

    assert job.status == ImportJob.DONE and job.problem_total == 32
    page = client.get(reverse("crm:job", args=[job.pk])).content.decode()
    page = page.replace("\u00a0", " ").replace("\u202f", " ")  # French pages space « : » unbreakably
    groups = page.split('<tbody class="problem-group"')[1:]
    assert [g.split('"')[1] for g in groups] == ["missing_account", "negative_amount"]
    missing, negative = groups
    assert missing.count('<tr class="warning">') == 5 and "30" in missing.split('data-testid="group-count">')[1][:20]
    assert "25" in missing.split('class="more"')[1]  # …and 25 more in the report
    assert negative.count('<tr class="warning">') == 2 and 'class="more"' not in negative
    assert "<td>2</td>" in missing and "<td>6</td>" in missing and "<td>7</td>" not in missing  # the first lines
    # a kind is named without its values; a row's outcome reads in French, as the rest of its reason
    assert "aucun compte sur cette affaire (…)" in missing.split('<tr class="warning">')[0]
    assert "<td>aucun compte sur cette affaire (gagnée) : elle ne compte" in missing


def _dataset(name: str) -> bytes:
    from pac.datasets import dataset_path

    return dataset_path("olist_marketing_funnel", name).read_bytes()


@pytest.mark.parametrize("deals_first", [False, True])
def test_olist_leads_and_deals_imported_from_the_page_give_mql_to_won_as_from_disk(
    owner: Any, team: Any, deals_first: bool
) -> None:
    from pac.engine.kpis import compute_kpis, tables_from_directory
    from pac.web.crm.kpi_tables import team_tables

    client = login(owner)
    leads = ("olist_marketing_qualified_leads_dataset.csv", {"kind": "leads", "preset": "olist-leads"})
    deals = ("olist_closed_deals_dataset.csv", {"kind": "opportunities", "preset": "olist-closed-deals"})
    jobs = [
        _post(client, team, name, _dataset(name), **fields)
        for name, fields in ([deals, leads] if deals_first else [leads, deals])
    ]

    assert [job.status for job in jobs] == [ImportJob.DONE, ImportJob.DONE]
    assert jobs[1].changes == {"leads_linked": 842}
    assert Lead.objects.filter(team=team).exclude(opportunity="").count() == 842
    as_of = dt.date(2018, 12, 31)
    imported = compute_kpis(team_tables(team), as_of=as_of, kpis=["mql_to_won"])
    from_disk = compute_kpis(tables_from_directory(Path("tests/data/kpis/olist")), as_of=as_of, kpis=["mql_to_won"])
    assert imported[0]["value"] == pytest.approx(842 / 8000) == from_disk[0]["value"]
