"""Imports that never block the team, and jobs that always end — with real processes: the worker in
its own process (killed with SIGKILL mid-import), plan edits from another one through Django's test
client, `pac import --dry-run` next to a running worker, and `pac serve` stopped by a signal.

Each test has its own data folder: its own SQLite file, or a fresh database on the PostgreSQL server
of ``DATABASE_URL`` when the suite runs on PostgreSQL (both then)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("import_faults.py")
#: Rows of the large import here: ≈ 3 s of checking on the test machine, enough to edit and to kill during
#: it. The same edits during a 500 000-row import: benchmarks/bench_import_locks.py (docs/benchmarks.md).
ROWS = 100_000
#: Seconds without a heartbeat after which the processes here deem a running job's worker gone.
STALE_SECONDS = 3
POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]


@dataclass
class Folder:
    """A PAC data folder and the environment its processes run in; the processes started, ended at the end."""

    path: Path
    env: dict[str, str]
    backend: str
    ids: dict[str, int] = field(default_factory=dict)
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def drive(self, *args: object) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, str(DRIVER), *map(str, args)], env=self.env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    def start(self, *args: str, name: str) -> subprocess.Popen[bytes]:
        log = (self.path / f"{name}.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "pac.cli", *args], env=self.env, stdout=log, stderr=log)
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.path / f"{name}.log").read_text(encoding="utf-8", errors="replace")[-3000:]

    def wait_for(self, job: int, *statuses: str, bound: float = 120) -> dict[str, Any]:
        began = time.monotonic()
        while time.monotonic() - began < bound:
            state = self.drive("state", job)
            if state["status"] in statuses:
                return state
            time.sleep(0.3)
        raise AssertionError(f"job {job} never reached {statuses}: {state}")


@pytest.fixture(params=BACKENDS)
def folder(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Folder]:
    env = {
        **os.environ,
        "PAC_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "pac.web.settings",
        "PAC_TASKS": "database",
        "PAC_IMPORT_JOB_STALE_SECONDS": str(STALE_SECONDS),
    }
    env.pop("DATABASE_URL", None)
    database = ""
    if request.param == "postgresql":
        import psycopg

        server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        database = f"pac_faults_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {database}")
        env["DATABASE_URL"] = f"{server}/{database}"
    made = Folder(tmp_path, env, request.param)
    made.ids = made.drive("setup")
    yield made
    for process in made.started:
        if process.poll() is None:
            process.kill()
            process.wait()
    if database:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def export(path: Path, rows: int, amount: int) -> Path:
    """An opportunities export: OPP-0 … OPP-(rows-1), each worth ``amount``."""
    with path.open("w", encoding="utf-8") as out:
        out.write("external_id,name,owner,stage,outcome,amount,created\n")
        for i in range(rows):
            outcome = ("won", "lost", "open")[i % 3]
            out.write(f"OPP-{i},Affaire {i},rep{i % 40},{outcome},{outcome},{amount},2026-{1 + i % 12:02d}-01\n")
    return path


def test_a_worker_killed_mid_import_leaves_the_data_as_before_and_retry_imports_every_row(folder: Folder) -> None:
    first = folder.drive("queue", export(folder.path / "small.csv", 3, amount=10))["job"]
    worker = folder.start("worker", name="worker")
    assert folder.wait_for(first, "done")["rows"] == 3

    job = folder.drive("queue", export(folder.path / "large.csv", ROWS, amount=999))["job"]
    began = time.monotonic()
    # the worker is reading the file once its progress file is there: looked for here, every 10 ms, rather than
    # through the driver (a process of its own, a second to start), so that the kill lands before the merge
    while not any(folder.path.rglob("*.progress")):
        assert time.monotonic() - began < 60, folder.log("worker")
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    worker.wait()

    state = folder.drive("state", job)
    assert state["status"] in ("checking", "writing"), state  # nobody told it yet
    assert state["rows"] == 3 and state["amounts"] == {"OPP-1": "10.00", "OPP-2": "10.00"}  # as before
    time.sleep(STALE_SECONDS + 1)
    folder.start("worker", name="worker2")  # a new worker marks it interrupted as it starts
    state = folder.wait_for(job, "interrupted", bound=30)
    assert state["upload_kept"] and not state["progress_kept"] and state["rows"] == 3

    shown = folder.drive("page", job)
    assert shown["code"] == 200 and 'data-testid="interrupted"' in shown["html"] and "hx-trigger" not in shown["html"]
    assert 'data-testid="retry"' in shown["html"]
    assert folder.drive("retry", job)["code"] == 302
    done = folder.wait_for(job, "done", "failed")
    assert done["status"] == "done", folder.log("worker2")
    assert done["rows"] == ROWS and done["counts"]["created"] == ROWS - 3 and done["counts"]["updated"] == 3
    assert done["amounts"] == {"OPP-1": "999.00", "OPP-2": "999.00"}
    assert not done["upload_kept"] and not done["progress_kept"]  # its files went with it


def test_a_plan_edit_during_a_large_import_is_never_refused_nor_long(folder: Folder) -> None:
    job = folder.drive("queue", export(folder.path / "large.csv", ROWS, amount=999))["job"]
    folder.start("worker", name="worker")
    edited = folder.drive("edit", folder.ids["plan"], job, 120)
    assert folder.wait_for(job, "done", "failed")["status"] == "done", folder.log("worker")
    edits = edited["edits"]
    during = [e for e in edits if e["job"] in ("checking", "writing")]
    assert len(during) >= 5, edits  # the edits did run while the import did
    assert {e["code"] for e in edits} == {302}, edits  # each one saved (a redirect to the plan), none a 500
    bound = 2.0 if folder.backend == "sqlite" else 1.0
    assert max(e["seconds"] for e in edits) < bound, [(e["job"], round(e["seconds"], 2)) for e in edits]
    assert edited["name"] == f"Plan {len(edits) - 1}"  # the last edit is the one kept


def test_a_dry_run_next_to_a_running_worker_does_not_stop_it(folder: Folder) -> None:
    worker = folder.start("worker", name="worker")
    large = export(folder.path / "large.csv", ROWS, amount=999)
    dry = subprocess.run(
        [sys.executable, "-m", "pac.cli", "import", "opportunities", str(large), "--team", "Ventes", "--dry-run"],
        env=folder.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert dry.returncode == 0, dry.stderr[-2000:]
    assert worker.poll() is None, folder.log("worker")  # still there…
    job = folder.drive("queue", export(folder.path / "small.csv", 3, amount=10))["job"]
    assert folder.wait_for(job, "done", bound=60)["rows"] == 3  # …and still working; the dry run wrote nothing


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc: psutil is not a dependency)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["SIGTERM", "SIGINT", "SIGKILL"])
def test_stopping_pac_serve_leaves_no_process_behind(tmp_path: Path, how: signal.Signals) -> None:
    env = {
        **os.environ,
        "PAC_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "pac.web.settings",
        "PAC_TASKS": "database",
    }
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "pac.cli", "migrate"], env=env, check=True, capture_output=True)
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [sys.executable, "-m", "pac.cli", "serve", "--address", f"127.0.0.1:{port}"], env=env, stdout=log, stderr=log
    )
    try:
        began = time.monotonic()
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert serve.poll() is None and time.monotonic() - began < 60, (tmp_path / "serve.log").read_text()
                time.sleep(0.2)
        workers = _children(serve.pid)
        while len(workers) < 1 and time.monotonic() - began < 60:  # started beside the server: not always first
            time.sleep(0.2)
            workers = _children(serve.pid)
        assert len(workers) == 1  # the worker, a child of the server
        serve.send_signal(how)
        serve.wait(timeout=30)
        began = time.monotonic()
        while any(_alive(pid) for pid in workers) and time.monotonic() - began < 15:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in workers), (tmp_path / "serve.log").read_text()
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
