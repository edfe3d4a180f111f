"""Alerts on a large open pipeline (`alerts.evaluate`) and the corrective levers (`corrections.levers`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bench_analysis import plan_for
from measure import measure

from pac.engine.alerts import AlertInputs, OpenDeal, StageConversion, evaluate
from pac.engine.analysis import analyse
from pac.engine.corrections import Gap, levers
from pac.engine.model import Stage

TARGET_SECONDS = 0.5  # the cockpit recomputes both on every view

TODAY = dt.date(2027, 2, 15)
STAGES = [Stage.SQL, Stage.MEETING, Stage.DEMO, Stage.PROPOSAL]


def alert_inputs(deals: int) -> AlertInputs:
    analysis = analyse(plan_for(90, 1_000_000))
    return AlertInputs(
        open_deals=tuple(
            OpenDeal(
                f"d{i}",
                STAGES[i % 4],
                TODAY - dt.timedelta(days=i % 120),
                Decimal(50_000 + i % 70_000),
                TODAY - dt.timedelta(days=i % 40),
                TODAY + dt.timedelta(days=i % 50 - 10),
                TODAY + dt.timedelta(days=i % 50 - 20),
            )
            for i in range(deals)
        ),
        remaining_target=Decimal(700_000),
        conversions=tuple(StageConversion(s, Decimal("0.2"), 50, Decimal("0.35")) for s in STAGES),
        capacity=analysis.capacity,
        diagnostics=analysis.diagnostics,
        probability_of_target=0.3,
    )


def run() -> str:
    quarter, year = plan_for(90, 1_000_000), plan_for(365, 12_000_000)
    gap = Gap(Decimal(300_000), 0, {Stage.PROPOSAL: 4, Stage.DEMO: 10}, {Stage.LEAD: Decimal(20)})
    assert levers(quarter, gap, TODAY) and levers(year, gap, TODAY), "the gap must stay open to measure the levers"
    cases = [
        ("alerts, 1 000 open deals", lambda: evaluate(quarter, small, TODAY), 10),
        ("alerts, 20 000 open deals (the bound)", lambda: evaluate(quarter, large, TODAY), 3),
        ("levers, quarter", lambda: levers(quarter, gap, TODAY), 5),
        ("levers, year", lambda: levers(year, gap, TODAY), 3),
    ]
    small, large = alert_inputs(1_000), alert_inputs(20_000)
    rows = []
    for label, work, repeat in cases:
        seconds, peak = measure(work, repeat)
        verdict = "ok" if seconds <= TARGET_SECONDS else "OVER TARGET"
        rows.append(f"| {label} | {seconds * 1000:.1f} ms | {peak:.1f} MiB | {verdict} |")
        print(rows[-1])
    return (
        "## Alerts and corrective levers (`alerts.evaluate`, `corrections.levers`)\n\n"
        f"Target: ≤ {TARGET_SECONDS * 1000:.0f} ms each (the cockpit recomputes them on every view).\n\n"
        "| case | median time | peak memory | target |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )


if __name__ == "__main__":
    run()
