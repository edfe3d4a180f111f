"""The forecast call page on the demo (Maven's 8 800 deals shared among three reps): a rep's form, and the
manager's table (each rep's PAC forecast, the roll-up, the audit) first with an empty cache (one forecast
per rep and one for the team) then from the cache, before and after 5 000 submissions and adjustments of
history. Run in a fresh process on a fresh SQLite database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_COLD_SECONDS = 6.0  # the first manager page of the day: four forecasts
TARGET_WARM_SECONDS = 1.0

WORKER = r"""
import json, os, statistics, sys, time
from decimal import Decimal
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "pac.web.settings"
django.setup()
from django.core.cache import cache
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.cache import SessionStore
from django.test import RequestFactory
from pac.web.cockpit.forecast_views import forecast_page
from pac.web.cockpit.services import forecast_adjust, forecast_submit
from pac.web.demo import load_demo

demo = load_demo()
plan, manager = demo.current, demo.manager
reps = [r for r in demo.reps if r.username in ("alex", "lea", "hugo")]


def page(user):
    request = RequestFactory().get("/cockpit/forecast/", {"plan": plan.pk})
    request.user, request.session = user, SessionStore()
    began = time.perf_counter()
    response = forecast_page(request)
    assert response.status_code == 200, response.status_code
    return time.perf_counter() - began


def timed(user, cold, repeat=3):
    times = []
    for _ in range(repeat):
        if cold:
            cache.clear()
        times.append(page(user))
    return statistics.median(times)


result = {}
for rep in reps:
    forecast_submit(user=rep, plan=plan, period="", commit=Decimal(40000), best_case=Decimal(60000),
                    pipeline=Decimal(90000))
result["rep_cold"] = timed(reps[0], True)
result["manager_cold"] = timed(manager, True)
result["manager_warm"] = timed(manager, False)
for i in range(2500):
    rep = reps[i % 3]
    forecast_submit(user=rep, plan=plan, period="", commit=Decimal(i), best_case=Decimal(i + 1), pipeline=Decimal(i))
    forecast_adjust(manager=manager, plan=plan, period="", rep=rep, category="commit", amount=Decimal(i), reason="r")
result["manager_warm_history"] = timed(manager, False)
print(json.dumps(result))
"""


def run() -> str:
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["PAC_DATA_DIR"] = str(Path(folder) / "data")
        out = subprocess.run([sys.executable, "-c", WORKER], env=env, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    rows = [
        ("a rep's form, empty cache", result["rep_cold"], TARGET_COLD_SECONDS),
        ("the manager's table, empty cache", result["manager_cold"], TARGET_COLD_SECONDS),
        ("the manager's table, cached forecasts", result["manager_warm"], TARGET_WARM_SECONDS),
        ("the same after 5 000 rows of history", result["manager_warm_history"], TARGET_WARM_SECONDS),
    ]
    lines = [
        f"| {label} | {seconds * 1000:.0f} ms | {'ok' if seconds <= target else 'OVER TARGET'} |"
        for label, seconds, target in rows
    ]
    for line in lines:
        print(line)
    return (
        "## Forecast call page (`cockpit:forecast` on the demo, SQLite)\n\n"
        f"Target: ≤ {TARGET_COLD_SECONDS:.0f} s for the first page of the day (PAC's forecast of each rep and of "
        f"the team), ≤ {TARGET_WARM_SECONDS:.0f} s once they are cached, however long the history (the roll-up "
        "reads each rep's latest rows, the audit its latest 200).\n\n"
        "| page | median time | target |\n|---|---|---|\n" + "\n".join(lines) + "\n"
    )


if __name__ == "__main__":
    print(run())
