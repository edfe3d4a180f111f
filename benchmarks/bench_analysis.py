"""The plan check (`analyse`: reverse funnel, weekly schedule, capacity, diagnostics)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from measure import funnel_steps, measure

from pac.engine.analysis import analyse
from pac.engine.model import Effort, Metric, Objective, Plan, Role, Stage, TeamRole

TARGET_SECONDS = 0.5  # the plan page recomputes on every view: it must stay well under a second


def plan_for(days: int, revenue: int) -> Plan:
    start = dt.date(2027, 1, 1)
    end = start + dt.timedelta(days=days - 1)
    return Plan(
        name="bench",
        start=start,
        end=end,
        objectives=(Objective("nb", Metric.REVENUE, Decimal(revenue), end),),
        average_deal=Decimal(83334),
        steps=funnel_steps(with_meeting=True),
        team=(TeamRole(Role.SDR, 3, Decimal(35)), TeamRole(Role.AE, 4, Decimal(35))),
        effort=(
            Effort(Stage.LEAD, Role.SDR, Decimal("0.25")),
            Effort(Stage.DEMO, Role.AE, Decimal("1.5")),
            Effort(Stage.PROPOSAL, Role.AE, Decimal(4)),
        ),
    )


CASES = [
    ("quarter, 1 M€ (the demo)", plan_for(90, 1_000_000), 20),
    ("year, 12 M€", plan_for(365, 12_000_000), 5),
    ("year, 120 M€ (16 000 leads)", plan_for(365, 120_000_000), 3),
]


def run() -> str:
    rows = []
    for label, plan, repeat in CASES:
        seconds, peak = measure(lambda plan=plan: analyse(plan), repeat)
        verdict = "ok" if seconds <= TARGET_SECONDS else "OVER TARGET"
        rows.append(f"| {label} | {seconds * 1000:.1f} ms | {peak:.1f} MiB | {verdict} |")
        print(rows[-1])
    return (
        "## Plan check (`analyse`: reverse funnel, weekly schedule, capacity, diagnostics)\n\n"
        f"Target: ≤ {TARGET_SECONDS * 1000:.0f} ms per plan (the plan page recomputes on every view).\n\n"
        "| case | median time | peak memory | target |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )
