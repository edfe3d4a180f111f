"""CRM import throughput: a synthetic opportunities export imported end to end (check, then upsert in
one transaction) into SQLite and, when a server answers, PostgreSQL — rows per second and the peak
memory of the importing process. Each run is a fresh process on a fresh database.

``PAC_BENCH_IMPORT_ROWS`` sets the sizes, comma-separated (default 200 000 and 1 000 000 rows)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

TARGET_ROWS_PER_SECOND = 50_000
TARGET_PEAK_MIB = 500

WORKER = r"""
import json, os, resource, sys, time
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "pac.web.settings"
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from pac.web.accounts.services import user_create
from pac.web.crm.importing import import_file
user = user_create(username="bench", password="a-long-bench-password", role="manager", team_name="Bench")
team = user.teams.get()
source = __import__("pathlib").Path(sys.argv[1])
moved = __import__("pathlib").Path(sys.argv[2])
from pac.web.crm.models import OpportunityChange
timings, recorded = {}, {}
for run, path, expected in (("first", source, "created"), ("again", source, "unchanged"), ("moved", moved, "updated")):
    before = OpportunityChange.objects.count()
    began = time.perf_counter()
    outcome = import_file(user=user, team=team, kind="opportunities", source=path)
    timings[run] = time.perf_counter() - began
    recorded[run] = OpportunityChange.objects.count() - before
    wanted = outcome.report.rows_read if run != "moved" else int(sys.argv[3])
    assert getattr(outcome.counts, expected) == wanted, outcome.counts
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({**timings, "peak_mib": peak, "changes": recorded}))
"""


def generate(path: Path, rows: int, *, moved: bool = False) -> int:
    """The export; ``moved``: a later one where one open deal in ten moved on (stage and amount changed).
    Returns the number of deals that moved."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("external_id;name;account;owner;stage;outcome;amount;created;closed\n")
        for i in range(rows):
            outcome = ("won", "lost", "open")[i % 3]
            closed = f"{1 + i % 28:02d}/{1 + i % 12:02d}/2026" if outcome != "open" else ""
            moves = moved and outcome == "open" and i % 10 == 2
            count += moves
            stage = "negotiation" if moves else outcome
            amount = f"{(1000 + i % 90000) * 1000 + i % 1000 + 1000 * moves:,}".replace(",", "\u202f")  # 1 234 567
            out.write(
                f"OPP-{i};Affaire {i};ACC-{i % 5000};rep{i % 40};{stage};{outcome};"
                f"{amount},50;{1 + i % 28:02d}/{1 + i % 12:02d}/2025;{closed}\n"
            )
    return count


def _postgres_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), 2).close()
        return True
    except OSError:
        return False


def _run(csv: Path, later: Path, moved: int, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, "-c", WORKER, str(csv), str(later), str(moved)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run() -> str:
    sizes = [int(n) for n in os.environ.get("PAC_BENCH_IMPORT_ROWS", "200000,1000000").split(",")]
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sizes:
            csv, later = Path(tmp) / f"opportunities-{rows}.csv", Path(tmp) / f"opportunities-{rows}-moved.csv"
            generate(csv, rows)
            moved = generate(later, rows, moved=True)
            for label, env in _cases(Path(tmp) / str(rows)):
                try:
                    result = _run(csv, later, moved, env)
                finally:
                    _drop_database(env)
                for run, what in (
                    ("first", "new rows"),
                    ("again", "same file again: all unchanged"),
                    ("moved", f"{moved:,} deals moved"),
                ):
                    changes = result["changes"][run]
                    what += f"; {changes:,} changes recorded"
                    speed = rows / result[run]
                    fits = speed >= TARGET_ROWS_PER_SECOND and result["peak_mib"] <= TARGET_PEAK_MIB
                    verdict = "ok" if fits else "UNDER TARGET"
                    lines.append(
                        f"| {label} | {rows:,} ({what}) | {result[run]:.1f} s | {speed:,.0f} rows/s | "
                        f"{result['peak_mib']:.0f} MiB | {verdict} |"
                    )
                    print(lines[-1])
            csv.unlink()
            later.unlink()
    return (
        "## CRM import (`pac.web.crm.importing.import_file`: check the whole file, then upsert in one transaction)\n\n"
        f"Target: ≥ {TARGET_ROWS_PER_SECOND:,} rows/s with a peak under {TARGET_PEAK_MIB} MiB, whatever the size. "
        "A synthetic French-Excel opportunities export (`;`, `1 234 567,50`, `31/12/2026`, 9 columns) into an "
        "empty table, then the same file again (every row compared, none changed), then a later export where one "
        "open deal in ten moved on (stage and amount: each change recorded in `opportunity_changes`); end to end "
        "in a fresh process (check, stage, merge, commit); peak = the importing process's maximum resident memory "
        "over the three imports "
        "(Django and its libraries included).\n\n"
        "| database | rows | time | throughput | peak memory | target |\n|---|---|---|---|---|---|\n"
        + "\n".join(lines)
        + "\n"
    )


def _drop_database(env: dict[str, str]) -> None:
    """The benchmark's PostgreSQL database is dropped once measured (it held a million rows)."""
    if "DATABASE_URL" not in env:
        return
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as con:
        con.execute("DROP DATABASE IF EXISTS pac_bench_import")


def _cases(folder: Path) -> list[tuple[str, dict[str, str]]]:
    """SQLite in a fresh data folder, and PostgreSQL in a fresh database when a server answers."""
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    cases = [("SQLite (embedded file)", {**base, "PAC_DATA_DIR": str(folder / "sqlite")})]
    if _postgres_up():
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as con:
            con.execute("DROP DATABASE IF EXISTS pac_bench_import")
            con.execute("CREATE DATABASE pac_bench_import")
        cases.append(
            (
                "PostgreSQL",
                {
                    **base,
                    "PAC_DATA_DIR": str(folder / "pg"),
                    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/pac_bench_import",
                },
            )
        )
    return cases
