"""The background worker (``pac worker``, and the child process of ``pac serve``): django-tasks'
database worker, made to outlive a busy database and to end the jobs a dead worker left behind.

Why: the library's loop exits on a database error it does not expect — SQLite's « database is locked »
met while claiming or closing a task when another process writes (``pac import`` next to it) — and a worker
killed mid-import leaves its job « running » forever. Here a busy database is waited out and the loop
resumes; at start, the jobs whose worker stopped beating are marked interrupted (``jobs``)."""

from __future__ import annotations

import logging
import time

from django.db import OperationalError, close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from pac.web.crm.jobs import jobs_interrupt_stale

logger = logging.getLogger(__name__)
#: Seconds to wait before looking for tasks again after the database was busy.
BUSY_PAUSE = 1.0


def _busy(error: OperationalError) -> bool:
    return "is locked" in str(error).lower()


def run_worker(*, interval: float = 1.0, batch: bool = False) -> None:
    """Run queued tasks until stopped (SIGTERM, SIGINT: the task under way ends first); ``batch``: until
    none is left. A busy database never stops it."""
    interrupted = _with_patience(jobs_interrupt_stale)
    if interrupted:
        logger.warning("%s import job(s) left running by a stopped worker marked interrupted", interrupted)
    worker = Worker(
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )
    worker.configure_signals()
    while True:
        try:
            worker.run()
            return
        except OperationalError as error:
            if not _busy(error):
                raise
            logger.warning("database busy, the worker waits: %s", error)
            close_old_connections()
            time.sleep(BUSY_PAUSE)


def _with_patience(step: object) -> int:
    """``step()`` tried until the database is free (a worker starting next to a long write waits)."""
    while True:
        try:
            return int(step())  # type: ignore[operator]
        except OperationalError as error:
            if not _busy(error):
                raise
            time.sleep(BUSY_PAUSE)
