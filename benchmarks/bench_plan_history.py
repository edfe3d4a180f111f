"""What the audit trail costs a plan file import: the example plan (``saas-midmarket.yaml``) imported with
the plan's history recorded, and with it switched off (``SIMPLE_HISTORY_ENABLED``), side by side, on SQLite
in a fresh data folder (and on PostgreSQL when ``PAC_BENCH_HISTORY_DATABASE_URL`` names an empty database).

Runs in a fresh process so that its database and settings are its own."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_RATIO = 2.0  # the history may at most double the import's time
REPEAT = 15

WORKER = r"""
import os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "pac.web.settings"
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import override_settings
sys.path.insert(0, sys.argv[2])
from measure import measure_side_by_side
from pac.engine.planfile import parse_plan_file, to_plan
from pac.web.accounts.services import user_create
from pac.web.plans import services
from pac.web.plans.history import KINDS, history_model
import pac.engine
from pathlib import Path

plan = to_plan(parse_plan_file((Path(pac.engine.__file__).parent / "examples" / "saas-midmarket.yaml").read_text()))
user = user_create(username="bench", password="a-long-bench-password", role="manager", team_name="Bench")
team = user.teams.get()

def recorded():
    services.plan_create_from_file(user=user, team=team, plan=plan)

def unrecorded():
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        services.plan_create_from_file(user=user, team=team, plan=plan)

before = sum(history_model(k).objects.count() for k in KINDS.values())
recorded()
rows = sum(history_model(k).objects.count() for k in KINDS.values()) - before
results = measure_side_by_side({"with history": recorded, "without history": unrecorded}, int(sys.argv[1]))
for label, (seconds, peak) in results.items():
    print(f"{label}\t{seconds * 1000:.1f}\t{peak:.1f}\t{rows}")
"""


def _run(database_url: str | None) -> list[tuple[str, float, float, int]]:
    env = {**os.environ, "PAC_DATA_DIR": tempfile.mkdtemp(prefix="pac-bench-history-")}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    here = Path(__file__).resolve().parent
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(REPEAT), str(here)], env=env, capture_output=True, text=True, check=True
    )
    rows = []
    for line in done.stdout.strip().splitlines():
        label, ms, peak, count = line.split("\t")
        rows.append((label, float(ms), float(peak), int(count)))
    return rows


def run() -> str:
    lines = [
        "## Plan history: the cost of recording a plan file import",
        "",
        f"Target: at most {TARGET_RATIO:g}× the import without history. The example plan, median of {REPEAT} "
        "imports (each a new plan), both ways taking turns: the ratio is what counts, the times follow the machine's "
        "load.",
        "",
        "| database | way | median (ms) | peak memory (MiB) | history rows per import |",
        "|---|---|---|---|---|",
    ]
    databases = [("SQLite", None)]
    if os.environ.get("PAC_BENCH_HISTORY_DATABASE_URL"):
        databases.append(("PostgreSQL", os.environ["PAC_BENCH_HISTORY_DATABASE_URL"]))
    for name, url in databases:
        for label, ms, peak, count in _run(url):
            print(f"{name}\t{label}\t{ms:.1f} ms\t{peak:.1f} MiB\t{count} rows")
            lines.append(f"| {name} | {label} | {ms:.1f} | {peak:.1f} | {count} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
