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
from django.db.models import Q
from django.utils import timezone, translation
from django_tasks import task

from pac.io.crm import Problem, write_report_csv
from pac.io.crm.problems import Reason
from pac.web.accounts.models import Team, User
from pac.web.crm.freshness import data_imported
from pac.web.crm.importing import import_file
from pac.web.crm.models import ImportJob
from pac.web.crm.services import require_importer
from pac.web.language import language

SHOWN_PROBLEMS = 200
#: Problems of one kind (code) kept for the page: the first lines of each, the rest counted.
SHOWN_PER_CODE = 5
#: Finished imports kept per team (their page and report); older ones are removed with their files —
#: the upload a dry run or a held import keeps for « Import for real » too (each under the upload limit).
KEPT_JOBS = 20
#: Uploads kept for « Import for real » per team (the latest dry runs and held imports); older ones are
#: removed, so that the files kept stay a few uploads (each under ``CRM_UPLOAD_MAX_BYTES``).
KEPT_UPLOADS = 3
#: An import that would update this many rows already stored waits for a confirmation (``ImportJob.HELD``).
CONFIRM_UPDATES = 100


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
    """Store the upload in the data folder and queue its import (refused here, not in the worker, when
    the user may not import this kind into the team)."""
    require_importer(user, team, kind)
    stored = _new_path(upload.name or "export.csv")
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


def _new_path(name: str) -> Path:
    suffix = Path(name).suffix.lower() or ".csv"
    return imports_dir() / f"{uuid.uuid4().hex}{suffix}"


def reusable(job: ImportJob) -> bool:
    """A dry run or a held import whose upload is still kept: it can be imported for real as it is."""
    reuse = job.status == ImportJob.HELD or (job.status == ImportJob.DONE and job.dry_run)
    return reuse and bool(job.stored_path) and Path(job.stored_path).exists()


def job_confirm(job: ImportJob, *, user: User) -> ImportJob | None:
    """Import for real the file of a dry run or of a held import, with the same format and options,
    without a new upload: a new job (the simulation stays in the list as it was) that takes the kept
    file over and is not held again — its changes were shown. None when the file is gone (pruned, or
    already taken by a confirmation made meanwhile)."""
    if not reusable(job):
        return None
    stored = _new_path(job.file_name)
    try:
        Path(job.stored_path).replace(stored)  # atomic: two confirmations cannot both take it
    except FileNotFoundError:
        return None
    again = ImportJob.objects.create(
        team=job.team,
        user=user,
        kind=job.kind,
        preset=job.preset,
        mapping=job.mapping,
        values=job.values,
        on_duplicate=job.on_duplicate,
        dry_run=False,
        confirmed=True,
        file_name=job.file_name,
        stored_path=str(stored),
        language=language(),
    )
    run_import_job.enqueue(again.pk)
    jobs_prune(job.team)
    return again


def _reason_parts(reason: str) -> dict[str, Any]:
    """A reason's template, values and vocabulary words, so that its page words it in each reader's
    language (the text stored beside them is the uploader's)."""
    if not isinstance(reason, Reason):
        return {}
    plain = (str, int, float, bool, type(None))
    values = {k: v if isinstance(v, plain) else str(v) for k, v in reason.values.items()}
    return {"template": reason.template, "values": values, "words": list(reason.words)}


def shown_problems(problems: list[Problem], gettext: Any) -> list[dict[str, Any]]:
    """The problems the page lists: the first lines of each kind, in file order (``SHOWN_PER_CODE``
    each, ``SHOWN_PROBLEMS`` at most) — 842 rows with the same warning show as one kind and its count."""
    shown: list[dict[str, Any]] = []
    per_code: dict[tuple[str, str], int] = {}
    for p in problems:
        key = (p.severity, p.code)
        per_code[key] = per_code.get(key, 0) + 1
        if per_code[key] > SHOWN_PER_CODE:
            continue
        shown.append(
            {
                "line": p.line,
                "column": p.column,
                "value": p.value,  # an excerpt of a long one (``Report.add``), its length beside it
                "length": p.length,
                "reason": p.reason_in(gettext),
                "kind": p.kind_in(gettext),
                "severity": p.severity,
                "code": p.code,
                **_reason_parts(p.reason),
            }
        )
        if len(shown) >= SHOWN_PROBLEMS:
            break
    return shown


def jobs_prune(team: Team, keep: int = KEPT_JOBS) -> int:
    """Remove the team's finished imports beyond the ``keep`` most recent, with their files (report,
    progress, an upload left by a failure), so the data folder does not grow with every import; of the
    uploads kept for « Import for real », only the ``KEPT_UPLOADS`` latest stay."""
    finished = ImportJob.objects.filter(team=team, status__in=ImportJob.FINISHED)
    old = list(finished.order_by("-created_at", "-pk")[keep:])
    for job in old:
        for path in (Path(job.stored_path), report_path(job), progress_path(job)):
            path.unlink(missing_ok=True)
    ImportJob.objects.filter(pk__in=[job.pk for job in old]).delete()
    kept = finished.filter(Q(dry_run=True) | Q(status=ImportJob.HELD)).exclude(status=ImportJob.REFUSED)
    for job in kept.order_by("-created_at", "-pk")[KEPT_UPLOADS:keep]:
        Path(job.stored_path).unlink(missing_ok=True)  # its page no longer offers to import it for real
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
                hold_above=None if job.confirmed or job.dry_run else CONFIRM_UPDATES,
            )
    except Exception as error:  # a failed job must say so on its page, not stay "checking" forever
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    text = io.StringIO()
    with translation.override(job.language or settings.LANGUAGE_CODE):  # the uploader's language
        write_report_csv(outcome.report, text, gettext=translation.gettext)
        problems = shown_problems(outcome.report.problems, translation.gettext)
    report_path(job).write_text(text.getvalue(), encoding="utf-8-sig")
    counts = outcome.counts
    held = counts is not None and counts.held
    status = ImportJob.REFUSED if counts is None else ImportJob.HELD if held else ImportJob.DONE
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        rows_read=outcome.report.rows_read,
        counts=counts.as_dict() if counts else None,
        changes=counts.changes if counts else {},
        problems=problems,
        problem_total=sum(outcome.report.counts.values()),
        problem_codes={f"{sev}:{code}": n for (sev, code), n in outcome.report.counts.items()},
        finished_at=timezone.now(),
    )
    if counts is None or not (job.dry_run or held):  # a simulation keeps its file for the real run
        Path(job.stored_path).unlink(missing_ok=True)
    progress.unlink(missing_ok=True)
    if counts is not None and not job.dry_run and not held:
        data_imported.send(sender=ImportJob, team_id=job.team_id, language=job.language or settings.LANGUAGE_CODE)
    return status
