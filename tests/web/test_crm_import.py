"""CRM records into the canonical tables: upsert by external id, idempotent, all or nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pac.web.crm.models import Opportunity
from pac.web.crm.services import records_import

pytestmark = pytest.mark.django_db


def post_export(client: Any, team: Any, file: Any, **options: Any) -> Any:
    """An opportunities export sent from the import page, as its form sends it."""
    from django.urls import reverse

    fields = {"team": team.pk, "kind": "opportunities", "preset": "", "on_duplicate": "error", "file": file}
    return client.post(reverse("crm:import"), fields, **options)


def _deals(n: int, amount: str = "1000") -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"D{i}",
            "name": f"Deal {i}",
            "outcome": "won" if i % 3 else "lost",
            "amount": Decimal(amount),
            "created": dt.date(2027, 1, 1),
            "closed": dt.date(2027, 2, 1),
        }
        for i in range(n)
    ]


def test_it_creates_then_leaves_unchanged_on_a_second_import(owner: Any, team: Any) -> None:
    first = records_import(user=owner, team=team, kind="opportunities", records=_deals(5000))
    assert first.as_dict() == {"created": 5000, "updated": 0, "unchanged": 0, "rejected": 0}
    again = records_import(user=owner, team=team, kind="opportunities", records=_deals(5000))
    assert again.as_dict() == {"created": 0, "updated": 0, "unchanged": 5000, "rejected": 0}
    assert Opportunity.objects.filter(team=team).count() == 5000


def test_it_updates_only_what_changed_and_keeps_unmapped_fields(owner: Any, team: Any) -> None:
    records_import(user=owner, team=team, kind="opportunities", records=_deals(3))
    narrower = [{"external_id": "D1", "outcome": "won", "amount": Decimal("2500.50")}]
    counts = records_import(user=owner, team=team, kind="opportunities", records=narrower)
    assert (counts.updated, counts.unchanged) == (1, 0)
    deal = Opportunity.objects.get(team=team, external_id="D1")
    assert deal.amount == Decimal("2500.50") and deal.name == "Deal 1"  # the name was not in the file


def test_it_counts_a_dry_run_and_writes_nothing(owner: Any, team: Any) -> None:
    counts = records_import(user=owner, team=team, kind="opportunities", records=_deals(10), dry_run=True)
    assert counts.created == 10
    assert not Opportunity.objects.exists()


def test_it_leaves_the_database_as_before_when_a_record_fails(owner: Any, team: Any) -> None:
    records_import(user=owner, team=team, kind="opportunities", records=_deals(3))
    before = list(Opportunity.objects.order_by("external_id").values_list("external_id", "amount"))
    bad = [*_deals(3, "7"), {"external_id": "D9", "outcome": "won", "name": "x" * 301}]
    with pytest.raises(ValidationError):
        records_import(user=owner, team=team, kind="opportunities", records=bad)
    assert list(Opportunity.objects.order_by("external_id").values_list("external_id", "amount")) == before


def test_it_keeps_teams_apart_and_imports_only_for_its_managers(
    owner: Any, team: Any, outsider: Any, other_team: Any, teammate: Any
) -> None:
    records_import(user=owner, team=team, kind="opportunities", records=_deals(2))
    records_import(user=outsider, team=other_team, kind="opportunities", records=_deals(2))
    assert Opportunity.objects.filter(team=team).count() == Opportunity.objects.filter(team=other_team).count() == 2
    with pytest.raises(PermissionDenied):
        records_import(user=teammate, team=team, kind="opportunities", records=_deals(1))  # an AE
    with pytest.raises(PermissionDenied):
        records_import(user=outsider, team=team, kind="opportunities", records=_deals(1))


def test_it_imports_a_french_excel_export_from_the_web_page(owner: Any, team: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    content = ("external_id;outcome;amount;closed\nA-1;won;1 234,56;31/12/2026\nA-2;lost;500;15/01/2027\n").encode(
        "cp1252"
    )
    client = Client()
    client.force_login(owner)
    url = reverse("crm:import")
    common = {"team": team.pk, "kind": "opportunities", "preset": "", "on_duplicate": "error"}
    dry = client.post(
        url, {**common, "dry_run": "on", "file": SimpleUploadedFile("export.csv", content)}, follow=True
    )  # the upload is queued; the job page shows the result
    assert dry.status_code == 200 and dry.context["job"].counts["created"] == 2
    assert not Opportunity.objects.exists()
    done = client.post(url, {**common, "file": SimpleUploadedFile("export.csv", content)}, follow=True)
    assert done.context["job"].status == "done" and done.context["job"].counts["created"] == 2
    deal = Opportunity.objects.get(team=team, external_id="A-1")
    assert deal.amount == Decimal("1234.56") and deal.closed == dt.date(2026, 12, 31)


def test_it_refuses_a_bad_file_from_the_web_page_with_its_line(owner: Any, team: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(owner)
    response = post_export(
        client, team, SimpleUploadedFile("export.csv", b"external_id,outcome,amount\nA-1,won,abc\n"), follow=True
    )
    assert response.status_code == 400 and response.context["job"].status == "refused"
    problem = response.context["job"].problems[0]
    assert (problem["line"], problem["column"], problem["value"]) == (2, "amount", "abc")
    assert problem["reason"] == "pas un nombre (attendu par exemple 1 234,56 ou 1234.56)"  # French by default
    assert not Opportunity.objects.exists()
    report = client.get(reverse("crm:job_report", args=[response.context["job"].pk]))
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert "amount" in text and "abc" in text and "pas un nombre" in text  # the downloadable report names the cell


def test_it_keeps_a_plans_target_accounts_out_of_the_crm_import(owner: Any, team: Any) -> None:
    import io

    from django.test import Client
    from django.urls import reverse

    from pac.web.crm.importing import import_file
    from pac.web.crm.presets import preset_save

    client = Client()
    client.force_login(owner)
    choices = dict(client.get(reverse("crm:import")).context["form"].fields["kind"].choices)
    assert "accounts" in choices and "target_accounts" not in choices
    with pytest.raises(ValueError, match="unknown kind 'target_accounts'"):
        import_file(user=owner, team=team, kind="target_accounts", source=io.BytesIO(b"id;nom\na;A\n"))
    with pytest.raises(ValueError, match="unknown kind 'target_accounts'"):
        preset_save(team=team, name="cibles", kind="target_accounts", base=None, mapping={}, values={})


def test_it_keeps_reps_away_from_the_import_page(teammate: Any) -> None:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(teammate)
    assert client.get(reverse("crm:import")).status_code == 403


def test_it_refuses_an_upload_over_the_limit_and_writes_nothing(owner: Any, team: Any, settings: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    settings.CRM_UPLOAD_MAX_BYTES = 1024  # stands for the 100 MB default: a 200 MB file is refused the same way
    client = Client()
    client.force_login(owner)
    content = b"external_id,outcome\n" + b"".join(b"X%d,won\n" % i for i in range(200))
    response = post_export(client, team, SimpleUploadedFile("big.csv", content))
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert not Opportunity.objects.exists()


def test_it_shows_a_job_only_to_its_team_and_polls_until_done(owner: Any, team: Any, outsider: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from pac.web.crm.models import ImportJob

    client = Client()
    client.force_login(owner)
    post_export(client, team, SimpleUploadedFile("e.csv", b"external_id,outcome\nA,won\n"))
    job = ImportJob.objects.get()
    partial = client.get(reverse("crm:job", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'data-status="done"' in partial and "every 1s" not in partial
    stranger = Client()
    stranger.force_login(outsider)
    assert stranger.get(reverse("crm:job", args=[job.pk])).status_code == 404
    assert stranger.get(reverse("crm:job_report", args=[job.pk])).status_code == 404


def test_it_saves_the_format_of_an_export_as_the_teams_preset(
    owner: Any, team: Any, outsider: Any, settings: Any, tmp_path: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    settings.DATA_DIR = tmp_path
    client = Client()
    client.force_login(owner)
    url = reverse("crm:import")
    week1 = "Numéro;Résultat;Montant\nN-1;Gagné;1 200,50\nN-2;Perdu;0\n".encode("cp1252")
    common = {"team": team.pk, "kind": "opportunities", "on_duplicate": "error"}
    done = client.post(
        url,
        {
            **common,
            "preset": "",
            "mapping": "Numéro=external_id\nRésultat=outcome\nMontant=amount",
            "values": "outcome:Gagné=won,Perdu=lost",
            "save_preset": "Notre CRM",
            "file": SimpleUploadedFile("s1.csv", week1),
        },
        follow=True,
    )
    assert done.context["job"].status == "done" and done.context["job"].preset == "Notre CRM"
    assert 'value="Notre CRM"' in client.get(url).content.decode()  # offered next time
    week2 = "Numéro;Résultat;Montant\nN-1;Gagné;1 200,50\nN-3;Gagné;99\n".encode("cp1252")
    again = client.post(
        url, {**common, "preset": "Notre CRM", "file": SimpleUploadedFile("s2.csv", week2)}, follow=True
    )
    assert again.context["job"].counts == {"created": 1, "updated": 0, "unchanged": 1, "rejected": 0}
    assert Opportunity.objects.get(team=team, external_id="N-3").amount == Decimal("99")

    refused = client.post(
        url, {**common, "preset": "", "save_preset": "maven-pipeline", "file": SimpleUploadedFile("s3.csv", week2)}
    )
    assert refused.status_code == 200 and "fourni avec PAC" in str(refused.context["form"].errors["save_preset"])
    stranger = Client()
    stranger.force_login(outsider)  # another team's manager neither sees nor uses it
    assert "Notre CRM" not in stranger.get(url).content.decode()


def test_it_keeps_the_last_imports_of_a_team_and_removes_older_ones_with_their_files(
    owner: Any, team: Any, settings: Any, tmp_path: Any
) -> None:
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from pac.web.crm.jobs import KEPT_JOBS, report_path
    from pac.web.crm.models import ImportJob

    settings.DATA_DIR = tmp_path
    client = Client()
    client.force_login(owner)
    for n in range(KEPT_JOBS + 3):
        post_export(client, team, SimpleUploadedFile(f"e{n}.csv", f"external_id,outcome\nA{n},won\n".encode()))
    jobs = list(ImportJob.objects.filter(team=team))
    assert len(jobs) == KEPT_JOBS and {j.file_name for j in jobs} == {f"e{n}.csv" for n in range(3, KEPT_JOBS + 3)}
    reports = sorted(p.name for p in Path(tmp_path, "imports").glob("*.report.csv"))
    assert reports == sorted(report_path(j).name for j in jobs)  # the removed jobs' reports are gone too


def test_a_running_import_shows_how_far_into_the_file_it_is(
    owner: Any, team: Any, settings: Any, tmp_path: Any
) -> None:
    import json

    from django.test import Client
    from django.urls import reverse

    from pac.web.crm.jobs import progress_path
    from pac.web.crm.models import ImportJob

    settings.DATA_DIR = tmp_path
    job = ImportJob.objects.create(
        team=team,
        user=owner,
        kind="opportunities",
        file_name="big.csv",
        stored_path=str(tmp_path / "upload.csv"),
        status=ImportJob.CHECKING,
    )
    progress_path(job).write_text(
        json.dumps({"phase": "checking", "rows": 412000, "bytes": 31_000_000, "size": 75_000_000}), encoding="utf-8"
    )
    client = Client()
    client.force_login(owner)
    partial = client.get(reverse("crm:job", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    assert 'max="75000000" value="31000000"' in partial and "41\u202f%" in partial
    assert "412\u202f000 ligne(s)" in partial  # the rows read so far, formatted in French
    assert "every 1s" in partial  # polled until done
