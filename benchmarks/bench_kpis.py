"""The KPI engine on DuckDB over Parquet vs the same KPIs written by hand in DuckDB SQL vs plain pandas.

A synthetic generator writes ``PAC_BENCH_OPPORTUNITIES`` opportunities (default 1 000 000) and ten activities
per opportunity as Parquet; the KPI set (win rate, win rate by value, average deal and its median, sales
cycle and its median, no-show rate — by month) is computed three ways on the same files, measured side by side.
pandas is a dev-only dependency of this benchmark.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from measure import measure_side_by_side

from pac.engine.kpis import KPIS as ALL_KPIS
from pac.engine.kpis import compute_kpis, tables_from_directory

KPIS = [
    "win_rate",
    "win_rate_value",
    "average_deal",
    "average_deal_median",
    "sales_cycle",
    "sales_cycle_median",
    "no_show_rate",
]
AS_OF = dt.date(2027, 1, 1)
RATIO_TO_SQL, SPEEDUP_OVER_PANDAS = 1.5, 5.0


def generate(folder: Path, opportunities: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    epoch = np.datetime64("2023-01-01")
    created = epoch + rng.integers(0, 3 * 365, opportunities).astype("timedelta64[D]")
    closed = created + rng.integers(5, 200, opportunities).astype("timedelta64[D]")
    outcome = rng.choice(np.array(["won", "lost", "open"]), opportunities, p=[0.3, 0.5, 0.2])
    closed_or_null = pa.array(closed, mask=outcome == "open")
    pq.write_table(
        pa.table(
            {
                "external_id": pa.array(np.char.add("o", np.arange(opportunities).astype(str))),
                "owner": pa.array(np.char.add("rep", rng.integers(0, 200, opportunities).astype(str))),
                "segment": rng.choice(np.array(["smb", "midmarket", "enterprise"]), opportunities),
                "stage": rng.choice(np.array(["sql", "demo", "proposal"]), opportunities),
                "outcome": outcome,
                "amount": rng.gamma(2.0, 5000.0, opportunities).round(2),
                "created": pa.array(created),
                "closed": closed_or_null,
            }
        ),
        folder / "opportunities.parquet",
    )
    activities = opportunities * 10
    scheduled = epoch + rng.integers(0, 4 * 365, activities).astype("timedelta64[D]")
    kind = rng.choice(np.array(["email", "call", "meeting", "demo", "task"]), activities)
    held = rng.random(activities) > 0.15
    pq.write_table(
        pa.table(
            {
                "external_id": pa.array(np.char.add("a", np.arange(activities).astype(str))),
                "kind": kind,
                "owner": pa.array(np.char.add("rep", rng.integers(0, 200, activities).astype(str))),
                "opportunity": pa.array(np.char.add("o", rng.integers(0, opportunities, activities).astype(str))),
                "scheduled": pa.array(scheduled),
                "held": pa.array(held, mask=~np.isin(kind, ["meeting", "demo"])),
            }
        ),
        folder / "activities.parquet",
    )


def with_ibis(folder: Path) -> object:
    return compute_kpis(tables_from_directory(folder), as_of=AS_OF, period="month", kpis=KPIS)


HAND_SQL = """
WITH o AS (SELECT * FROM read_parquet('{o}') WHERE outcome IN ('won', 'lost') AND closed <= DATE '{d}'),
a AS (SELECT * FROM read_parquet('{a}'))
SELECT * FROM (
  SELECT date_trunc('month', closed) AS m, count(*) FILTER (WHERE outcome = 'won') / count(*) AS win_rate,
    sum(amount) FILTER (WHERE outcome = 'won') / nullif(sum(amount), 0) AS win_rate_value,
    avg(amount) FILTER (WHERE outcome = 'won') AS average_deal,
    median(amount) FILTER (WHERE outcome = 'won') AS average_deal_median,
    avg(closed - created) FILTER (WHERE outcome = 'won') AS sales_cycle,
    median(closed - created) FILTER (WHERE outcome = 'won') AS sales_cycle_median
  FROM o GROUP BY 1) deals
FULL JOIN (
  SELECT date_trunc('month', scheduled) AS m, count(*) FILTER (WHERE NOT held) / count(*) AS no_show_rate
  FROM a WHERE kind IN ('meeting', 'demo') AND scheduled < DATE '{d}' AND held IS NOT NULL GROUP BY 1
) meetings USING (m)
"""


def with_sql(folder: Path) -> object:
    sql = HAND_SQL.format(o=folder / "opportunities.parquet", a=folder / "activities.parquet", d=AS_OF)
    return duckdb.connect().sql(sql).fetchall()


def with_pandas(folder: Path) -> object:
    import pandas as pd

    o = pd.read_parquet(folder / "opportunities.parquet")
    o["closed"], o["created"] = pd.to_datetime(o.closed), pd.to_datetime(o.created)
    o = o[o.outcome.isin(["won", "lost"]) & (o.closed <= pd.Timestamp(AS_OF))].copy()
    o["m"] = o.closed.dt.to_period("M")
    o["won"] = o.outcome == "won"
    o["won_amount"] = o.amount.where(o.won)
    o["days"] = (o.closed - o.created).dt.days.where(o.won)
    deals = o.groupby("m").agg(
        n=("won", "size"),
        won=("won", "sum"),
        amount=("amount", "sum"),
        won_amount=("won_amount", "sum"),
        average_deal=("won_amount", "mean"),
        average_deal_median=("won_amount", "median"),
        sales_cycle=("days", "mean"),
        sales_cycle_median=("days", "median"),
    )
    deals["win_rate"] = deals.won / deals.n
    deals["win_rate_value"] = deals.won_amount / deals.amount
    a = pd.read_parquet(folder / "activities.parquet")
    a["scheduled"] = pd.to_datetime(a.scheduled)
    a = a[a.kind.isin(["meeting", "demo"]) & (a.scheduled < pd.Timestamp(AS_OF)) & a.held.notna()].copy()
    a["m"] = a.scheduled.dt.to_period("M")
    meetings = a.groupby("m").held.agg(lambda held: 1 - held.astype(bool).mean()).rename("no_show_rate")
    return deals.join(meetings, how="outer")


def one_against_all(folder: Path, size: int, repeat: int) -> str:
    """What ``pac kpis --kpi win_rate`` saves: one KPI against the whole registry, on the same files."""
    results = measure_side_by_side(
        {
            "--kpi win_rate": lambda: compute_kpis(tables_from_directory(folder), as_of=AS_OF, kpis=["win_rate"]),
            f"all {len(ALL_KPIS)} KPIs": lambda: compute_kpis(tables_from_directory(folder), as_of=AS_OF),
        },
        repeat,
    )
    (one, _), (every, _) = results.values()
    rows = [f"| {label} | {seconds:.2f} s | {peak:.1f} MiB |" for label, (seconds, peak) in results.items()]
    print(*rows, sep="\n")
    return (
        "## One KPI against the whole set (`pac kpis --kpi`)\n\n"
        f"The same {size:,} opportunities and {size * 10:,} activities, whole range (no period): "
        "only the KPIs asked for, and those they are made of, are computed (the KPIs whose table is absent "
        f"answer « not computable » at once). One KPI takes {one / every:.0%} of the time of the whole set.\n\n"
        "| asked | median time | peak Python memory |\n|---|---|---|\n" + "\n".join(rows) + "\n"
    )


def run(opportunities: int | None = None, repeat: int = 5) -> str:
    size = opportunities or int(os.environ.get("PAC_BENCH_OPPORTUNITIES", "1000000"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, size)
        subset = one_against_all(folder, size, repeat)
        results = measure_side_by_side(
            {
                label: lambda work=work: work(folder)
                for label, work in (
                    ("Ibis (pac.engine.kpis) on DuckDB", with_ibis),
                    ("hand-written DuckDB SQL", with_sql),
                    ("plain pandas", with_pandas),
                )
            },
            repeat,
        )
    ibis_s, sql_s, pandas_s = (seconds for seconds, _ in results.values())
    rows = []
    for label, (seconds, peak) in results.items():
        rows.append(f"| {label} | {seconds:.2f} s | {peak:.1f} MiB |")
        print(rows[-1])
    ratio, speedup = ibis_s / sql_s, pandas_s / ibis_s
    verdict = (
        f"Ibis ÷ hand SQL = {ratio:.2f} ({'ok' if ratio <= RATIO_TO_SQL else 'OVER TARGET'}); "
        f"pandas ÷ Ibis = {speedup:.1f} ({'ok' if speedup >= SPEEDUP_OVER_PANDAS else 'UNDER TARGET'})."
    )
    print(verdict)
    return (
        "## KPI engine (Ibis on DuckDB vs hand-written SQL vs pandas)\n\n"
        f"{size:,} opportunities and {size * 10:,} activities (synthetic Parquet); KPIs {', '.join(KPIS)} by month. "
        f"Targets: Ibis within {RATIO_TO_SQL}× of hand SQL, at least {SPEEDUP_OVER_PANDAS:.0f}× faster than pandas. "
        f"Each runs once untimed, then {repeat} timed runs each, taking turns; the median is shown.\n\n"
        "| implementation | median time | peak Python memory |\n|---|---|---|\n"
        + "\n".join(rows)
        + f"\n\n{verdict}\n\n"
        + subset
    )


if __name__ == "__main__":
    import sys

    run(int(sys.argv[1]) if len(sys.argv) > 1 else None)
