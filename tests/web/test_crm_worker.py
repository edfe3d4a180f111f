"""The background path for real: a queued import waits for the worker, which runs it (database
backend of django-tasks, the same `db_worker` that `pac worker` runs)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from pac.web.crm.models import ImportJob, Opportunity

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_queues_an_import_that_the_worker_then_runs(owner: Any, team: Any, settings: Any, tmp_path: Any) -> None:
    from pac.web.crm.jobs import job_queue

    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = job_queue(
        user=owner,
        team=team,
        kind="opportunities",
        preset="",
        mapping={},
        values={},
        on_duplicate="error",
        dry_run=False,
        upload=SimpleUploadedFile("e.csv", b"external_id,outcome,amount\nA,won,10\nB,lost,0\n"),
    )
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.QUEUED and not Opportunity.objects.exists()
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay")
    job.refresh_from_db()
    assert job.status == ImportJob.DONE and job.counts["created"] == 2
    assert Opportunity.objects.filter(team=team).count() == 2
