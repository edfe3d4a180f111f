"""The KPI page broken down by owner and month: the pivot of the chosen KPI (the four compute_kpis calls the
page makes — by owner and for the team, by month and over the range — and the layout) against what the page
computed before, every KPI by owner and month (thousands of rows).

Synthetic opportunities and activities from :mod:`bench_kpis` (200 owners, three years), ``PAC_BENCH_PIVOT_
OPPORTUNITIES`` of them (default 200 000).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from bench_kpis import AS_OF, generate
from measure import measure_side_by_side

from pac.engine.kpis import KpiRow, Period, compute_kpis, tables_from_directory
from pac.engine.kpis.pivot import pivot, span

KPI = "win_rate"
#: Target: the pivot at least this many times faster than every KPI broken down.
SPEEDUP = 3.0


def the_pivot(folder: Path) -> int:
    tables = tables_from_directory(folder)
    shown = span(None, AS_OF, "month")

    def computed(by: tuple[str, ...], period: Period | None) -> list[KpiRow]:
        return compute_kpis(tables, as_of=AS_OF, by=by, period=period, kpis=[KPI], start=shown.start)

    owner, team = ("owner",), ()
    found = pivot(
        KPI,
        "owner",
        shown.labels,
        computed(owner, "month"),
        computed(owner, None),
        computed(team, "month"),
        computed(team, None),
    )
    return len(found.lines)


def every_kpi(folder: Path) -> int:
    since = dt.date(AS_OF.year - 1, AS_OF.month, 1)
    return len(compute_kpis(tables_from_directory(folder), as_of=AS_OF, by=("owner",), period="month", start=since))


def run(opportunities: int | None = None, repeat: int = 3) -> str:
    size = opportunities or int(os.environ.get("PAC_BENCH_PIVOT_OPPORTUNITIES", "200000"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, size)
        lines, rows = the_pivot(folder), every_kpi(folder)
        results = measure_side_by_side(
            {
                f"pivot of {KPI} (owner × 12 months, {lines} lines shown)": lambda: the_pivot(folder),
                f"every KPI by owner and month ({rows:,} rows)": lambda: every_kpi(folder),
            },
            repeat,
        )
    (pivot_s, _), (every_s, _) = results.values()
    rows_md = [f"| {label} | {seconds:.2f} s | {peak:.1f} MiB |" for label, (seconds, peak) in results.items()]
    print(*rows_md, sep="\n")
    speedup = every_s / pivot_s
    verdict = f"every KPI ÷ pivot = {speedup:.1f} ({'ok' if speedup >= SPEEDUP else 'UNDER TARGET'})."
    print(verdict)
    return (
        "## KPI page broken down (pivot of one KPI vs every KPI)\n\n"
        f"{size:,} opportunities and {size * 10:,} activities (synthetic Parquet, 200 owners). Target: the "
        f"page's pivot at least {SPEEDUP:.0f}× faster than computing every KPI by owner and month. "
        f"Each runs once untimed, then {repeat} timed runs each, taking turns; the median is shown.\n\n"
        "| computed | median time | peak Python memory |\n|---|---|---|\n" + "\n".join(rows_md) + f"\n\n{verdict}\n"
    )


if __name__ == "__main__":
    import sys

    run(int(sys.argv[1]) if len(sys.argv) > 1 else None)
