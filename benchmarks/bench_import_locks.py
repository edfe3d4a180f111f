"""Plan edits during a large CRM import: the import runs in a worker process (`pac worker`), a plan is
renamed again and again from another process through Django's test client (the driver of
tests/cli/import_faults.py), and each edit's answer and time are kept — the longest is what a user waits
at worst. SQLite (the embedded default: one writer at a time, the import holds the lock for its final
merge only) and, when a server answers, PostgreSQL (the import locks only the rows it writes).

``PAC_BENCH_LOCK_ROWS`` sets the size (default 500 000 rows)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_import import _postgres_up, generate

ROOT = Path(__file__).resolve().parent.parent
DRIVER = ROOT / "tests" / "cli" / "import_faults.py"
#: The longest a plan edit may wait during an import (seconds), per database.
TARGETS = {"SQLite (embedded file)": 2.0, "PostgreSQL": 1.0}
DATABASE = "pac_bench_import_locks"


def _drive(env: dict[str, str], *args: object) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(DRIVER), *map(str, args)], env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _measure(csv: Path, env: dict[str, str]) -> dict[str, Any]:
    ids = _drive(env, "setup")
    job = _drive(env, "queue", csv)["job"]
    load = os.getloadavg()[0]
    began = time.perf_counter()
    worker = subprocess.Popen([sys.executable, "-m", "pac.cli", "worker"], env=env)
    try:
        edited = _drive(env, "edit", ids["plan"], job, 600)
        while (state := _drive(env, "state", job))["status"] not in ("done", "failed", "refused"):
            time.sleep(0.2)
        took = time.perf_counter() - began
    finally:
        worker.terminate()
        worker.wait()
    during = [e for e in edited["edits"] if e["job"] in ("checking", "writing")]
    seconds = sorted(e["seconds"] for e in during) or [0.0]
    return {
        "status": state["status"],
        "took": took,
        "edits": len(during),
        "refused": sum(e["code"] != 302 for e in during),
        "max": seconds[-1],
        "p95": seconds[int(0.95 * (len(seconds) - 1))],
        "load": (load + os.getloadavg()[0]) / 2,
    }


def run() -> str:
    rows = int(os.environ.get("PAC_BENCH_LOCK_ROWS", "500000"))
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "opportunities.csv"
        generate(csv, rows)
        base = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "PYTHONPATH": str(ROOT / "src"),
            "DJANGO_SETTINGS_MODULE": "pac.web.settings",
            "PAC_TASKS": "database",
        }
        cases = [("SQLite (embedded file)", {**base, "PAC_DATA_DIR": str(Path(tmp) / "sqlite")})]
        if _postgres_up():
            import psycopg

            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as con:
                con.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
                con.execute(f"CREATE DATABASE {DATABASE}")
            url = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
            cases.append(("PostgreSQL", {**base, "PAC_DATA_DIR": str(Path(tmp) / "pg"), "DATABASE_URL": url}))
        for label, env in cases:
            result = _measure(csv, env)
            fits = result["status"] == "done" and not result["refused"] and result["max"] < TARGETS[label]
            lines.append(
                f"| {label} | {rows:,} | {result['took']:.1f} s | {result['edits']} | {result['refused']} | "
                f"{result['p95'] * 1000:.0f} ms | {result['max'] * 1000:.0f} ms | {result['load']:.1f} | "
                f"{'ok' if fits else 'OVER TARGET'} |"
            )
            print(lines[-1])
        if len(cases) > 1:
            import psycopg

            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as con:
                con.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    return (
        "## Plan edits during a CRM import (`pac worker` importing, a plan renamed meanwhile)\n\n"
        "Target: no edit refused (no 500, no « database is locked »), the longest edit under 2 s on SQLite and "
        "under 1 s on PostgreSQL. A synthetic French-Excel opportunities export into an empty table (every deal "
        "new: three changes recorded per deal), imported by a worker process; another process renames the plan "
        "through Django's test client every 0.1 s (a form post, compare-and-set on the plan's version) for as "
        "long as the import runs; edits counted while the job was checking or writing. On SQLite the import "
        "checks and stages without the write lock and holds it for its final merge only (one transaction, "
        "all or nothing); the worker logs how long it held the lock. Load: the machine's load average (1 min) "
        "during the run — the machine is shared, and every time here grows with it.\n\n"
        "| database | rows | import (queued → done) | edits during it | refused | p95 | longest | load | target |\n"
        "|---|---|---|---|---|---|---|---|---|\n" + "\n".join(lines) + "\n"
    )


if __name__ == "__main__":
    print(run())
