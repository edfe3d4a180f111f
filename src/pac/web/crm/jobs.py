"""Imports as background tasks (django-tasks): the web page queues a job and follows its progress;
``pac worker`` (or the worker process of ``pac serve``) runs it.

Jobs always end: the worker running one beats its ``heartbeat_at`` every few seconds (``beat_every``); a
running job whose heartbeat is older than ``IMPORT_JOB_STALE_SECONDS`` lost its worker (killed, the machine
restarted) and is marked interrupted — by the next worker to start and by its page as it polls. Nothing
of it was written (an import is one transaction); its file stays for « Retry » (``job_retry``), which
queues the same file again, until the job is retried or pruned."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, connection
from django.db.models import Q
from django.utils import timezone, translation
from django_tasks import task

from pac.io.crm import Problem, write_report_csv
from pac.io.crm.problems import Reason
from pac.web.accounts.models import Team, User
from pac.web.crm.freshness import data_imported
from pac.web.crm.importing import ImportOutcome, import_file
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
#: How often a running job's worker says it is alive at most (seconds); after how long without a word it is
#: deemed gone: ``settings.IMPORT_JOB_STALE_SECONDS`` (a beat delayed by a busy database waits the busy
#: timeout at most, well under it).
BEAT_EVERY = 5.0
#: A status write that meets a busy database is tried again, this many times (each waits the busy timeout).
WRITE_TRIES = 5

logger = logging.getLogger(__name__)
T = TypeVar("T")


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
    kept = finished.filter(Q(dry_run=True) | Q(status=ImportJob.HELD)).exclude(
        status__in=(ImportJob.REFUSED, ImportJob.INTERRUPTED)  # an interrupted one's upload waits for « Retry »
    )
    for job in kept.order_by("-created_at", "-pk")[KEPT_UPLOADS:keep]:
        Path(job.stored_path).unlink(missing_ok=True)  # its page no longer offers to import it for real
    return len(old)


def _retried(write: Callable[[], T]) -> T:
    """A write the worker must not lose (a job's status): a busy database is waited for again rather than
    failing the job or the worker — SQLite answers « database is locked » after its busy timeout."""
    for attempt in range(1, WRITE_TRIES + 1):
        try:
            return write()
        except OperationalError as error:
            if "locked" not in str(error).lower() or attempt == WRITE_TRIES:
                raise
            logger.warning("database busy, writing again (%s/%s)", attempt, WRITE_TRIES)
            time.sleep(0.5 * attempt)
    raise AssertionError("unreachable")


def beat_every() -> float:
    """Seconds between two beats: four beats fit in the time after which a job is deemed gone."""
    return min(BEAT_EVERY, settings.IMPORT_JOB_STALE_SECONDS / 4)


class Heartbeat:
    """While a job runs, a thread of the worker writes ``heartbeat_at`` every ``every`` seconds, on its own
    database connection (the import's is busy with the import) — so that a job whose worker died is told
    from one that is merely long. A beat that meets a busy database is skipped: the next one comes."""

    def __init__(self, job_id: int, every: float | None = None) -> None:
        self.job_id, self.every = job_id, every or beat_every()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"pac-heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    ImportJob.objects.filter(pk=self.job_id).update(heartbeat_at=timezone.now())
                except OperationalError as error:  # busy: the next beat will do
                    logger.warning("heartbeat of import job %s skipped: %s", self.job_id, error)
        finally:
            connection.close()  # this thread's own connection


def jobs_interrupt_stale(*, team: Team | None = None, job: ImportJob | None = None) -> int:
    """Mark interrupted the running jobs (of a team, or one job) whose worker stopped beating: their page
    stops polling and offers « Retry »; their progress file goes. Returns how many were marked."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.IMPORT_JOB_STALE_SECONDS)
    stale = ImportJob.objects.filter(status__in=ImportJob.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    if team is not None:
        stale = stale.filter(team=team)
    if job is not None:
        stale = stale.filter(pk=job.pk)
    marked = 0
    for found in stale:
        # conditional: a job that beat meanwhile is left running
        marked += ImportJob.objects.filter(pk=found.pk, status=found.status, heartbeat_at=found.heartbeat_at).update(
            status=ImportJob.INTERRUPTED, finished_at=timezone.now()
        )
        progress_path(found).unlink(missing_ok=True)
    return marked


def can_retry(job: ImportJob) -> bool:
    """An interrupted job whose upload is still kept: it can run again as it is."""
    return job.status == ImportJob.INTERRUPTED and bool(job.stored_path) and Path(job.stored_path).exists()


def job_retry(job: ImportJob) -> bool:
    """« Retry »: the interrupted job queued again with its kept file — no new upload, the same page.
    False when it cannot (not interrupted any more, or its file is gone); two clicks queue it once."""
    if not can_retry(job):
        return False
    again = ImportJob.objects.filter(pk=job.pk, status=ImportJob.INTERRUPTED).update(
        status=ImportJob.QUEUED, heartbeat_at=None, finished_at=None, error=""
    )
    if again:
        run_import_job.enqueue(job.pk)
    return bool(again)


@task()
def run_import_job(job_id: int) -> str:
    job = ImportJob.objects.select_related("team", "user").get(pk=job_id)
    if job.status != ImportJob.QUEUED:  # interrupted meanwhile and not retried, or already run
        return job.status
    upload = Path(job.stored_path)
    if not upload.exists():
        _retried(
            lambda: ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.FAILED, error="the uploaded file is gone", finished_at=timezone.now()
            )
        )
        return ImportJob.FAILED
    _retried(lambda: ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.CHECKING, heartbeat_at=timezone.now()))
    with Heartbeat(job.pk):
        return _run(job, upload)


def _run(job: ImportJob, upload: Path) -> str:
    progress = progress_path(job)
    size = upload.stat().st_size
    try:
        with upload.open("rb") as stream:

            def report(phase: str) -> Any:
                def write(rows: int) -> None:  # how far into the file the reader is: a true percentage
                    done = size if phase == ImportJob.WRITING else min(stream.tell(), size)
                    progress.write_text(
                        json.dumps({"phase": phase, "rows": rows, "bytes": done, "size": size}), encoding="utf-8"
                    )

                return write

            def run() -> ImportOutcome:
                stream.seek(0)  # a second try reads the file again
                return import_file(
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

            outcome = _retried(run)  # all or nothing: a merge that met a busy database is run again
    except Exception as error:  # a failed job must say so on its page, not stay "checking" forever
        said = str(error)[:2000]
        _retried(
            lambda: ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.FAILED, error=said, finished_at=timezone.now()
            )
        )
        Path(job.stored_path).unlink(missing_ok=True)
        progress.unlink(missing_ok=True)
        raise
    text = io.StringIO()
    with translation.override(job.language or settings.LANGUAGE_CODE):  # the uploader's language
        write_report_csv(outcome.report, text, gettext=translation.gettext)
        problems = shown_problems(outcome.report.problems, translation.gettext)
    report_path(job).write_text(text.getvalue(), encoding="utf-8-sig")
    counts = outcome.counts
    held = counts is not None and counts.held
    status = ImportJob.REFUSED if counts is None else ImportJob.HELD if held else ImportJob.DONE
    _retried(
        lambda: ImportJob.objects.filter(pk=job.pk).update(
            status=status,
            rows_read=outcome.report.rows_read,
            counts=counts.as_dict() if counts else None,
            changes=counts.changes if counts else {},
            problems=problems,
            problem_total=sum(outcome.report.counts.values()),
            problem_codes={f"{sev}:{code}": n for (sev, code), n in outcome.report.counts.items()},
            finished_at=timezone.now(),
        )
    )
    if counts is None or not (job.dry_run or held):  # a simulation keeps its file for the real run
        Path(job.stored_path).unlink(missing_ok=True)
    progress.unlink(missing_ok=True)
    if counts is not None and not job.dry_run and not held:
        data_imported.send(sender=ImportJob, team_id=job.team_id, language=job.language or settings.LANGUAGE_CODE)
    return status
