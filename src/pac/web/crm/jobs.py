"""Imports as background tasks (django-tasks): the web page queues a job and follows its progress;
``pac worker`` (or the worker thread of ``pac serve``) runs it."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone, translation
from django_tasks import task

from pac.io.crm import write_report_csv
from pac.io.crm.problems import Reason
from pac.web.accounts.models import Team, User
from pac.web.crm.freshness import data_imported
from pac.web.crm.importing import import_file
from pac.web.crm.models import ImportJob
from pac.web.language import language

SHOWN_PROBLEMS = 200
#: Finished imports kept per team (their page and report); older ones are removed with their files.
KEPT_JOBS = 20


def imports_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def progress_path(job: ImportJob) -> Path:
    return Path(job.stored_path).with_suffix(".progress")


def report_path(job: ImportJob) -> Path:
    return Path(job.stored_path).with_suffix(".report.csv")


def read_progress(job: ImportJob) -> dict[str, Any]:
    """Rows read so far, and how far into the file (bytes, size, percent) — empty before the worker starts."""
    try:
        progress = dict(json.loads(progress_path(job).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {"phase": job.status, "rows": 0}
    if progress.get("size"):
        progress["percent"] = min(100, int(100 * progress["bytes"] / progress["size"]))
    return progress


def _reason_parts(reason: str) -> dict[str, Any]:
    """A reason's template and values, so that its page words it in each reader's language."""
    if not isinstance(reason, Reason):
        return {}
    plain = (str, int, float, bool, type(None))
    values = {k: v if isinstance(v, plain) else str(v) for k, v in reason.values.items()}
    return {"template": reason.template, "values": values}


def job_queue(
    *,
    user: User,
    team: Team,
    kind: str,
    upload: UploadedFile,
    preset: str,
    mapping: dict[str, str],
    values: dict[str, dict[str, str]],
    on_duplicate: str,
    dry_run: bool,
) -> ImportJob:
    """Store the upload in the data folder and queue its import."""
    suffix = Path(upload.name or "export.csv").suffix.lower() or ".csv"
    stored = imports_dir() / f"{uuid.uuid4().hex}{suffix}"
    with stored.open("wb") as target:
        for piece in upload.chunks():
            target.write(piece)
    job = ImportJob.objects.create(
        team=team,
        user=user,
        kind=kind,
        preset=preset,
        mapping=mapping,
        values=values,
        on_duplicate=on_duplicate,
        dry_run=dry_run,
        file_name=upload.name or stored.name,
        stored_path=str(stored),
        language=language(),
    )
    run_import_job.enqueue(job.pk)
    jobs_prune(team)
    return job


def jobs_prune(team: Team, keep: int = KEPT_JOBS) -> int:
    """Remove the team's finished imports beyond the ``keep`` most recent, with their files (report,
    progress, an upload left by a failure), so the data folder does not grow with every import."""
    finished = ImportJob.objects.filter(team=team, status__in=[ImportJob.DONE, ImportJob.REFUSED, ImportJob.FAILED])
    old = list(finished.order_by("-created_at", "-pk")[keep:])
    for job in old:
        for path in (Path(job.stored_path), report_path(job), progress_path(job)):
            path.unlink(missing_ok=True)
    ImportJob.objects.filter(pk__in=[job.pk for job in old]).delete()
    return len(old)


@task()
def run_import_job(job_id: int) -> str:
    job = ImportJob.objects.select_related("team", "user").get(pk=job_id)
    progress = progress_path(job)
    upload = Path(job.stored_path)
    size = upload.stat().st_size

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.CHECKING)
    try:
        with upload.open("rb") as stream:

            def report(phase: str) -> Any:
                def write(rows: int) -> None:  # how far into the file the reader is: a true percentage
                    done = size if phase == ImportJob.WRITING else min(stream.tell(), size)
                    progress.write_text(
                        json.dumps({"phase": phase, "rows": rows, "bytes": done, "size": size}), encoding="utf-8"
                    )

                return write

            outcome = import_file(
                user=job.user,
                team=job.team,
                kind=job.kind,
                source=stream,
                preset=job.preset or None,
                mapping=job.mapping,
                values=job.values,
                on_duplicate=job.on_duplicate,
                dry_run=job.dry_run,
                name=job.file_name,
                checked=report(ImportJob.CHECKING),
                written=report(ImportJob.WRITING),
                job_id=job.pk,
            )
    except Exception as error:  # a failed job must say so on its page, not stay "checking" forever
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    text = io.StringIO()
    with translation.override(job.language or settings.LANGUAGE_CODE):  # the uploader's language
        write_report_csv(outcome.report, text, gettext=translation.gettext)
        problems = [
            {
                "line": p.line,
                "column": p.column,
                "value": p.value,
                "reason": p.reason_in(translation.gettext),
                "severity": p.severity,
                **_reason_parts(p.reason),
            }
            for p in list(outcome.report.problems)[:SHOWN_PROBLEMS]
        ]
    report_path(job).write_text(text.getvalue(), encoding="utf-8-sig")
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.DONE if outcome.counts is not None else ImportJob.REFUSED,
        rows_read=outcome.report.rows_read,
        counts=outcome.counts.as_dict() if outcome.counts else None,
        problems=problems,
        problem_total=len(list(outcome.report.problems)),
        finished_at=timezone.now(),
    )
    Path(job.stored_path).unlink(missing_ok=True)
    progress.unlink(missing_ok=True)
    if outcome.counts is not None and not job.dry_run:
        data_imported.send(sender=ImportJob, team_id=job.team_id, language=job.language or settings.LANGUAGE_CODE)
    return ImportJob.DONE
