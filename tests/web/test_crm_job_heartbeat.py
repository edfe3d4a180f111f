"""Jobs that always end, in one process: a running job whose worker stopped beating is marked interrupted
by its page, which then offers « Retry » (the kept file, no new upload) to those who may; a busy database
answers 503 « PAC est occupé », never 500; and an import does not lock what others write while it checks
its file. The same with real processes (a worker killed, edits during a large import): tests/cli/
test_import_faults.py."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from pac.web.crm.models import ImportJob, Opportunity

from .conftest import _user, login


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def _running_job(owner: Any, team: Any, *, beat_seconds_ago: float) -> ImportJob:
    """A job its worker was running, last heard of ``beat_seconds_ago``, with its upload kept."""
    from pac.web.crm.jobs import imports_dir, progress_path

    stored = imports_dir() / "kept.csv"
    stored.write_bytes(b"external_id,outcome,amount\nA,won,10\nB,lost,0\n")
    job = ImportJob.objects.create(
        team=team,
        user=owner,
        kind="opportunities",
        file_name="export.csv",
        stored_path=str(stored),
        status=ImportJob.CHECKING,
        heartbeat_at=timezone.now() - dt.timedelta(seconds=beat_seconds_ago),
        language="fr",
    )
    progress_path(job).write_text('{"phase": "checking", "rows": 1, "bytes": 10, "size": 40}', encoding="utf-8")
    return job


@pytest.mark.django_db
def test_a_job_whose_worker_stopped_is_marked_interrupted_by_its_page_and_retried(
    owner: Any, team: Any, settings: Any
) -> None:
    from pac.web.crm.jobs import progress_path

    job = _running_job(owner, team, beat_seconds_ago=settings.IMPORT_JOB_STALE_SECONDS + 5)
    client = login(owner)
    page = client.get(reverse("crm:job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.INTERRUPTED and job.finished_at is not None
    assert 'data-testid="interrupted"' in page and 'data-testid="retry"' in page
    assert "hx-trigger" not in page  # the page stops polling « 49 % »
    assert not progress_path(job).exists() and Path(job.stored_path).exists()  # the upload waits for « Retry »

    response = client.post(reverse("crm:job_retry", args=[job.pk]))
    assert response.status_code == 302 and response.url == reverse("crm:job", args=[job.pk])  # the same page
    job.refresh_from_db()  # the test settings' worker runs it at once
    assert job.status == ImportJob.DONE and job.counts["created"] == 2
    assert Opportunity.objects.filter(team=team).count() == 2
    assert not Path(job.stored_path).exists()  # its files went with it
    # a second click (another tab) queues nothing: the job is done
    assert client.post(reverse("crm:job_retry", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.DONE and Opportunity.objects.filter(team=team).count() == 2


@pytest.mark.django_db
def test_a_job_that_beats_is_left_running(owner: Any, team: Any) -> None:
    job = _running_job(owner, team, beat_seconds_ago=2)
    page = login(owner).get(reverse("crm:job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.CHECKING and "hx-trigger" in page and 'data-testid="retry"' not in page
    assert login(owner).post(reverse("crm:job_retry", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.CHECKING  # a running job is not run twice


@pytest.mark.django_db
def test_an_interrupted_job_whose_file_is_gone_offers_no_retry(owner: Any, team: Any, settings: Any) -> None:
    job = _running_job(owner, team, beat_seconds_ago=settings.IMPORT_JOB_STALE_SECONDS + 5)
    Path(job.stored_path).unlink()
    client = login(owner)
    page = client.get(reverse("crm:job", args=[job.pk])).content.decode()
    assert 'data-testid="interrupted"' in page and 'data-testid="retry"' not in page
    client.post(reverse("crm:job_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.INTERRUPTED


@pytest.mark.django_db
def test_only_the_uploader_or_a_manager_may_retry(owner: Any, team: Any, outsider: Any, settings: Any) -> None:
    job = _running_job(owner, team, beat_seconds_ago=settings.IMPORT_JOB_STALE_SECONDS + 5)
    marketer = _user("marketer", "marketing", team)  # may import, did not upload this one, manages nothing
    page = login(marketer).get(reverse("crm:job", args=[job.pk])).content.decode()
    assert 'data-testid="interrupted"' in page and 'data-testid="retry"' not in page
    assert login(outsider).get(reverse("crm:job", args=[job.pk])).status_code == 404
    assert login(outsider).post(reverse("crm:job_retry", args=[job.pk])).status_code == 404
    assert login(marketer).post(reverse("crm:job_retry", args=[job.pk])).status_code == 403
    assert login(owner).get(reverse("crm:job_retry", args=[job.pk])).status_code == 405  # POST only
    job.refresh_from_db()
    assert job.status == ImportJob.INTERRUPTED  # nobody retried it


@pytest.mark.django_db
def test_a_busy_database_answers_503_with_retry_after_not_500(
    owner: Any, plan: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pac.web.plans import views

    def busy(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("database is locked")

    monkeypatch.setattr(views.services, "plan_update", busy)
    client = login(owner)
    data = {"version": plan.version, "name": "Renamed", "start": plan.start, "end": plan.end, "currency": "EUR"}
    response = client.post(reverse("plans:edit", args=[plan.pk]), {**data, "country": "FR"})
    assert response.status_code == 503 and response["Retry-After"] == "5"
    body = response.content.decode()
    assert 'data-testid="busy"' in body and 'data-testid="error-home"' in body  # the app's page, a way back
    assert 'lang="fr"' in body


@pytest.mark.django_db
def test_an_error_that_is_no_busy_database_stays_a_500(owner: Any, plan: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.test import Client

    from pac.web.plans import views

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("no such column: plans_plan.nothing")

    monkeypatch.setattr(views.services, "plan_update", broken)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    data = {"version": plan.version, "name": "Renamed", "start": plan.start, "end": plan.end, "currency": "EUR"}
    assert client.post(reverse("plans:edit", args=[plan.pk]), {**data, "country": "FR"}).status_code == 500


@pytest.mark.django_db(transaction=True)
def test_others_write_the_team_and_its_plans_while_an_import_checks_its_file(owner: Any, plan: Any) -> None:
    """The import is checked and staged without SQLite's write lock, and without locking the team's row on
    PostgreSQL: a write from another connection during the check goes through at once."""
    from pac.web.crm.freshness import data_changed
    from pac.web.crm.jobs import job_queue
    from pac.web.plans.models import Plan

    outcomes: list[str] = []

    def write_elsewhere() -> None:  # another request: its own connection
        try:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET lock_timeout = '1s'")
                else:
                    cursor.execute("PRAGMA busy_timeout = 1000")
            Plan.objects.filter(pk=plan.pk).update(name="Edited during the import")
            data_changed(plan.team_id)
            outcomes.append("written")
        except OperationalError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    from pac.web.crm import importing

    original = importing.read_import

    def reading(*args: Any, **kwargs: Any) -> Any:
        checked = kwargs["progress"]

        def progress(rows: int) -> None:
            if not outcomes:
                other = threading.Thread(target=write_elsewhere)
                other.start()
                other.join()
            if checked is not None:
                checked(rows)

        return original(*args, **{**kwargs, "progress": progress})

    importing.read_import = reading  # type: ignore[assignment]
    try:
        rows = "".join(f"D{i},won,{i}\n" for i in range(30_000))
        job = job_queue(
            user=owner,
            team=plan.team,
            kind="opportunities",
            upload=SimpleUploadedFile("e.csv", f"external_id,outcome,amount\n{rows}".encode()),
            preset="",
            mapping={},
            values={},
            on_duplicate="error",
            dry_run=False,
        )
    finally:
        importing.read_import = original  # type: ignore[assignment]
    job.refresh_from_db()
    assert outcomes == ["written"]
    assert job.status == ImportJob.DONE and Opportunity.objects.count() == 30_000
    assert Plan.objects.get(pk=plan.pk).name == "Edited during the import"
