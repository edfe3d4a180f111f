"""Bad files through the import page and its background job: what a refused file leaves in the database
stays small (excerpts, a capped list, pages of 50), a NUL is refused the same way on SQLite and
PostgreSQL with its place, an Excel error cell is named, and a format of another kind is refused by the
form instead of failing in the job."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook  # type: ignore[import-untyped]

from pac.web.crm.jobs import report_path
from pac.web.crm.models import ImportJob, Opportunity
from tests.io.crm.xlsx_files import bomb_sheet, write_xlsx

from .conftest import login

pytestmark = pytest.mark.django_db

MB = 1024**2


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def _post(client: Client, team: Any, name: str, content: bytes, **fields: str) -> Any:
    data = {"team": team.pk, "kind": "opportunities", "preset": "", "on_duplicate": "error", **fields}
    return client.post(reverse("crm:import"), {**data, "file": SimpleUploadedFile(name, content)}, follow=True)


def _stored_size(job: ImportJob) -> int:
    """What the job keeps in the database about its problems, as JSON bytes."""
    kept = {"problems": job.problems, "codes": job.problem_codes, "error": job.error, "counts": job.counts}
    return len(json.dumps(kept, ensure_ascii=False).encode())


def test_the_stored_problems_of_a_refused_file_full_of_huge_values_stay_under_1_mb(owner: Any, team: Any) -> None:
    # every row brings several problems, each quoting 100 000 characters: 24 MB of values in all
    big = "x" * 100_000
    rows = [f"D{n},{big}{n},{big},{big}" for n in range(80)]
    content = ("external_id,outcome,amount,created\n" + "\n".join(rows) + "\n").encode()
    client = login(owner)
    response = _post(client, team, "huge.csv", content)
    job = response.context["job"]

    assert job.status == ImportJob.REFUSED and job.problem_total == 240
    assert _stored_size(job) < MB
    assert all(len(p["value"]) <= 81 and p["length"] >= 100_000 for p in job.problems)
    page = client.get(reverse("crm:job", args=[job.pk]))
    assert page.status_code == 400 and len(page.content) < MB
    text = page.content.decode().replace("\u202f", " ").replace("\u00a0", " ")
    assert 'data-testid="value-length"' in text and "100 000" in text
    assert report_path(job).stat().st_size < MB  # the downloadable report keeps excerpts too


def test_a_refused_xlsx_bomb_leaves_a_small_job(owner: Any, team: Any, tmp_path: Path) -> None:
    bomb = write_xlsx(tmp_path / "bomb.xlsx", bomb_sheet(1 << 30))
    job = _post(login(owner), team, "bomb.xlsx", bomb.read_bytes()).context["job"]
    assert job.status == ImportJob.REFUSED and _stored_size(job) < 10_000
    [problem] = job.problems
    assert problem["code"] == "xlsx_bounds" and problem["values"]["ratio"] == 1009


def test_a_nul_in_a_cell_is_refused_with_its_place_on_every_database(owner: Any, team: Any) -> None:
    content = b"external_id,outcome,name\nD1,won,Acme\nD2,won,Ac\x00me\n"
    job = _post(login(owner), team, "nul.csv", content).context["job"]
    assert job.status == ImportJob.REFUSED and not Opportunity.objects.exists()
    [problem] = [p for p in job.problems if p["severity"] == "error"]
    assert (problem["line"], problem["column"], problem["code"], problem["value"]) == (3, "name", "nul", "Ac␀me")


def test_a_nul_in_a_column_the_import_does_not_read_is_left_there(owner: Any, team: Any) -> None:
    content = b"external_id,outcome,notes\nD1,won,a\x00b\n"
    job = _post(login(owner), team, "nul.csv", content).context["job"]
    assert job.status == ImportJob.DONE
    assert Opportunity.objects.get(team=team).external_id == "D1"


def test_an_excel_error_cell_is_named_on_the_job_page(owner: Any, team: Any) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "outcome", "amount"])
    sheet.append(["D1", "won", "#DIV/0!"])  # what openpyxl reads from an error cell
    buffer = io.BytesIO()
    book.save(buffer)
    client = login(owner)
    job = _post(client, team, "deals.xlsx", buffer.getvalue()).context["job"]
    assert job.status == ImportJob.REFUSED
    [problem] = [p for p in job.problems if p["severity"] == "error"]
    assert (problem["line"], problem["column"], problem["code"]) == (2, "amount", "excel_error")
    page = client.get(reverse("crm:job", args=[job.pk]), headers={"Accept-Language": "fr"}).content.decode()
    assert "#DIV/0!" in page


def test_a_format_of_another_kind_is_refused_by_the_form(owner: Any, team: Any) -> None:
    response = _post(login(owner), team, "accounts.csv", b"id,name\nA1,Acme\n", kind="accounts", preset="hubspot-deals")
    assert response.status_code == 200 and "job" not in response.context
    assert response.context["form"].errors["preset"]
    assert not ImportJob.objects.exists()


def _job_with(owner: Any, team: Any, count: int) -> ImportJob:
    problems = [
        {"line": n + 2, "column": "amount", "value": "x", "reason": "r", "severity": "error", "code": "bad_number"}
        for n in range(count)
    ]
    return ImportJob.objects.create(
        team=team,
        user=owner,
        kind="opportunities",
        file_name="many.csv",
        status=ImportJob.REFUSED,
        problems=problems,
        problem_total=count + 1000,
        problem_codes={"error:bad_number": count + 1000},
    )


def test_the_problems_are_shown_50_a_page_with_the_rest_counted(owner: Any, team: Any) -> None:
    job = _job_with(owner, team, 120)
    client = login(owner)
    url = reverse("crm:job", args=[job.pk])

    def rows(page: str) -> list[str]:
        text = client.get(url, {"page": page}).content.decode()
        return [cell.split("<")[0] for cell in text.split('<tr class="error"><td>')[1:]]

    assert rows("1") == [str(n) for n in range(2, 52)]
    assert rows("3") == [str(n) for n in range(102, 122)]
    assert rows("99") == rows("3") and rows("x") == rows("1")  # out of range: the nearest page
    first = client.get(url).content.decode()
    assert 'data-testid="problem-pages"' in first and 'href="?page=2"' in first and 'class="more"' not in first
    last = client.get(url, {"page": "3"}).content.decode()
    assert 'class="more"' in last and 'rel="prev"' in last and 'rel="next"' not in last


def test_a_job_page_is_only_for_the_team(owner: Any, team: Any, outsider: Any) -> None:
    job = _job_with(owner, team, 3)
    assert login(outsider).get(reverse("crm:job", args=[job.pk]), {"page": "1"}).status_code == 404


def test_the_import_page_lists_jobs_without_reading_their_problems(owner: Any, team: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _job_with(owner, team, 120)
    client = login(owner)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("crm:import"))
    assert page.status_code == 200 and "many.csv" in page.content.decode()
    listing = [q["sql"] for q in queries.captured_queries if "crm_importjob" in q["sql"]]
    assert listing and not any("problems" in sql for sql in listing)


@pytest.mark.parametrize(
    ("kind", "preset", "words"),
    [
        ("accounts", "hubspot-deals", "the export format hubspot-deals reads opportunities, not accounts"),
        ("opportunities", "gone-since", "no export format named gone-since"),
    ],
)
def test_a_job_whose_format_no_longer_fits_is_refused_with_its_reason(
    owner: Any, team: Any, data_dir: Path, kind: str, preset: str, words: str
) -> None:
    """A team's format removed, or another chosen, between the upload and the worker: said, not a crash."""
    from pac.web.crm.jobs import run_import_job

    stored = data_dir / "upload.csv"
    stored.write_text("external_id,name\nA1,Acme\n", encoding="utf-8")
    job = ImportJob.objects.create(
        team=team, user=owner, kind=kind, preset=preset, file_name="export.csv", stored_path=str(stored), language="en"
    )
    run_import_job.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.REFUSED
    [problem] = job.problems
    assert problem["code"] == "preset" and words in problem["reason"]
