"""Benchmarks: time and peak memory of the plan check (`pac.engine.analysis.analyse`).

Run with `make bench`; results are written to docs/benchmarks.md with the machine and the command.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from pac.engine.analysis import analyse
from pac.engine.model import Effort, FunnelStep, Metric, Objective, Plan, Role, Stage, TeamRole

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def plan_for(days: int, revenue: int) -> Plan:
    start = dt.date(2027, 1, 1)
    return Plan(
        name="bench", start=start, end=start + dt.timedelta(days=days - 1),
        objectives=(Objective("nb", Metric.REVENUE, Decimal(revenue), start + dt.timedelta(days=days - 1)),
                    Objective("demos", Metric.DEMOS, Decimal(30), per=None)),
        average_deal=Decimal(83334),
        steps=(FunnelStep(Stage.LEAD, Decimal("0.25"), 7), FunnelStep(Stage.MQL, Decimal("0.4"), 7),
               FunnelStep(Stage.SQL, Decimal("0.5"), 10), FunnelStep(Stage.MEETING, Decimal("0.8"), 5),
               FunnelStep(Stage.DEMO, Decimal("0.3"), 14), FunnelStep(Stage.PROPOSAL, Decimal("0.6"), 21),
               FunnelStep(Stage.WON)),
        team=(TeamRole(Role.SDR, 3, Decimal(35)), TeamRole(Role.AE, 4, Decimal(35))),
        effort=(Effort(Stage.LEAD, Role.SDR, Decimal("0.25")), Effort(Stage.DEMO, Role.AE, Decimal("1.5")),
                Effort(Stage.PROPOSAL, Role.AE, Decimal(4))),
    )


def measure(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median seconds over ``repeat`` runs, and peak traced memory (MiB) of one run."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), peak


CASES = [
    ("quarter, 1 M€ (the demo)", plan_for(90, 1_000_000), 20),
    ("year, 12 M€", plan_for(365, 12_000_000), 5),
    ("year, 120 M€ (16 000 leads)", plan_for(365, 120_000_000), 3),
]
TARGET_SECONDS = 0.5  # the plan page recomputes on every view: it must stay well under a second


def main() -> None:
    rows = []
    for label, plan, repeat in CASES:
        seconds, peak = measure(lambda plan=plan: analyse(plan), repeat)
        verdict = "ok" if seconds <= TARGET_SECONDS else "OVER TARGET"
        rows.append(f"| {label} | {seconds * 1000:.1f} ms | {peak:.1f} MiB | {verdict} |")
        print(rows[-1])
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    OUTPUT.write_text(
        "# Benchmarks\n\n"
        f"Machine: {machine}. Command: `make bench` (runs `benchmarks/run.py`). "
        f"Date: {dt.date.today().isoformat()}.\n\n"
        f"## Plan check (`analyse`: reverse funnel, weekly schedule, capacity, diagnostics)\n\n"
        f"Target: ≤ {TARGET_SECONDS * 1000:.0f} ms per plan (the plan page recomputes on every view).\n\n"
        "| case | median time | peak memory | target |\n|---|---|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8")


if __name__ == "__main__":
    main()
