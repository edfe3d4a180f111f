"""The KPI engine on the shared data sets: expected values are counted here in plain Python (csv module),
and the same KPIs must give the same numbers on DuckDB (files), SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
import socket
import sqlite3
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pac.engine.kpis import KPIS, KpiRow, TableSource, compute_kpis, tables_from_backend, tables_from_directory
from tests.engine.kpi_data import AS_OF, DATA, assert_same, fill_sqlite, rows

DOCS = Path(__file__).parents[2] / "docs" / "kpis.md"


def kpi(data_set: str, name: str, **options: object) -> list[dict[str, object]]:
    tables = tables_from_directory(DATA / data_set)
    return [dict(r) for r in compute_kpis(tables, as_of=AS_OF[data_set], kpis=[name], **options)]  # type: ignore[arg-type]


def one(result: list[dict[str, object]]) -> dict[str, object]:
    assert len(result) == 1, result
    return result[0]


def by_key(result: list[dict[str, object]], *dims: str) -> dict[object, dict[str, object]]:
    return {(r["period"], *(r["by"][d] for d in dims)): r for r in result}  # type: ignore[index]


# ---------------------------------------------------------------- Maven (pipeline)


def test_it_computes_maven_win_rate_from_closed_deals_only() -> None:
    outcomes = Counter(r["outcome"] for r in rows("maven", "opportunities"))
    assert (outcomes["won"], outcomes["lost"], outcomes["open"]) == (4238, 2473, 2089)
    row = one(kpi("maven", "win_rate"))
    assert row["status"] == "ok"
    assert row["value"] == pytest.approx(4238 / (4238 + 2473))
    assert row["unit"] == "ratio" and row["period"] is None and row["by"] == {} and row["reason"] is None


def test_it_refuses_a_win_rate_by_value_when_lost_amounts_are_zero() -> None:
    assert {r["amount"] for r in rows("maven", "opportunities") if r["outcome"] == "lost"} == {"0"}
    row = one(kpi("maven", "win_rate_value"))
    assert row["status"] == "not_computable" and row["value"] is None
    assert "lost amounts are all 0 or blank" in str(row["reason"])


def test_it_breaks_win_rate_down_by_owner_and_quarter() -> None:
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for r in rows("maven", "opportunities"):
        if r["outcome"] in ("won", "lost"):
            day = dt.date.fromisoformat(r["closed"])
            counts[(f"{day.year}-Q{(day.month - 1) // 3 + 1}", r["owner"])][r["outcome"]] += 1
    result = by_key(kpi("maven", "win_rate", by=["owner"], period="quarter"), "owner")
    assert result.keys() == counts.keys()
    for key, c in counts.items():
        assert result[key]["value"] == pytest.approx(c["won"] / (c["won"] + c["lost"]))


def test_it_gives_average_deal_and_sales_cycle_as_mean_and_median() -> None:
    won = [r for r in rows("maven", "opportunities") if r["outcome"] == "won"]
    amounts = [float(r["amount"]) for r in won]
    days = [(dt.date.fromisoformat(r["closed"]) - dt.date.fromisoformat(r["created"])).days for r in won]
    assert one(kpi("maven", "average_deal"))["value"] == pytest.approx(statistics.mean(amounts))
    assert one(kpi("maven", "average_deal_median"))["value"] == pytest.approx(statistics.median(amounts))
    assert one(kpi("maven", "sales_cycle"))["value"] == pytest.approx(statistics.mean(days))
    assert one(kpi("maven", "sales_cycle_median"))["value"] == pytest.approx(statistics.median(days))


def test_it_takes_medians_by_month_the_same_way_on_sqlite() -> None:
    won = [r for r in rows("maven", "opportunities") if r["outcome"] == "won"]
    per_month: dict[str, list[float]] = defaultdict(list)
    for r in won:
        per_month[r["closed"][:7]].append(float(r["amount"]))
    result = by_key(kpi("maven", "average_deal_median", period="month"))
    assert {k[0]: v["value"] for k, v in result.items()} == pytest.approx(
        {m: statistics.median(v) for m, v in per_month.items()}
    )


def test_it_says_the_maven_weighted_pipeline_cannot_be_computed() -> None:
    # Maven's open deals (Engaging, Prospecting) have no close_value: a weighted pipeline of 0 € would be a lie.
    opportunities = rows("maven", "opportunities")
    assert not any(r["amount"] for r in opportunities if r["outcome"] == "open")
    row = one(kpi("maven", "weighted_pipeline"))
    assert row["status"] == "not_computable" and row["value"] is None and "amount" in (row["reason"] or "")


# ---------------------------------------------------------------- Olist (marketing funnel)


def test_it_computes_olist_lead_to_won_by_channel() -> None:
    leads = rows("olist", "leads")
    won = {r["external_id"] for r in rows("olist", "opportunities") if r["outcome"] == "won"}
    assert (len(leads), len(won)) == (8000, 842)
    assert one(kpi("olist", "mql_to_won"))["value"] == pytest.approx(842 / 8000)
    mqls = Counter(r["channel"] or None for r in leads)
    wins = Counter(r["channel"] or None for r in leads if r["opportunity"] in won)
    result = by_key(kpi("olist", "mql_to_won", by=["channel"]), "channel")
    assert {k[1]: v["value"] for k, v in result.items()} == pytest.approx(
        {channel: wins[channel] / n for channel, n in mqls.items()}
    )


def test_it_counts_mqls_by_month_of_their_mql_date() -> None:
    months = Counter(r["mql_at"][:7] for r in rows("olist", "leads"))
    result = by_key(kpi("olist", "mql", period="month"))
    assert {k[0]: v["value"] for k, v in result.items()} == {m: float(n) for m, n in months.items()}


def test_it_leaves_recent_mqls_out_of_the_conversion_cohort() -> None:
    cutoff = dt.date(2018, 5, 31) - dt.timedelta(days=45)
    leads = [r for r in rows("olist", "leads") if dt.date.fromisoformat(r["mql_at"]) <= cutoff]
    won = sum(1 for r in leads if r["opportunity"])
    row = one(compute_kpis(tables_from_directory(DATA / "olist"), as_of=dt.date(2018, 5, 31), kpis=["mql_to_won"]))
    assert row["value"] == pytest.approx(won / len(leads))


@pytest.mark.parametrize("name", ["mql_to_sql", "sql"])
def test_it_says_sql_figures_cannot_be_computed_without_an_sql_stage(name: str) -> None:
    """Olist's leads carry no SQL date: the SQL count is « not computable », not 0."""
    row = one(kpi("olist", name))
    assert row["status"] == "not_computable" and row["value"] is None
    assert (row["reason_code"], row["reason_params"]) == ("no_dates", {"table": "leads", "column": "sql_at"})
    assert row["reason"] == "no row of leads has a SQL date: the data does not record this step"


# ---------------------------------------------------------------- RavenStack (subscriptions)


def mrr_at(subscriptions: list[dict[str, str]], day: dt.date) -> dict[str, float]:
    mrr: dict[str, float] = defaultdict(float)
    for s in subscriptions:
        if dt.date.fromisoformat(s["start"]) <= day and (not s["end"] or dt.date.fromisoformat(s["end"]) > day):
            mrr[s["account"]] += float(s["mrr"])
    return mrr


def test_it_computes_ravenstack_nrr_grr_and_churn_by_month() -> None:
    subs = rows("ravenstack", "subscriptions")
    as_of = AS_OF["ravenstack"]
    expected: dict[str, tuple[float, float, float]] = {}
    month = dt.date(2023, 1, 1)
    while month <= as_of:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        start, end = mrr_at(subs, month), mrr_at(subs, min(following, as_of))
        cohort = [a for a, m in start.items() if m > 0]
        if cohort:
            base = sum(start[a] for a in cohort)
            expected[f"{month:%Y-%m}"] = (
                sum(end.get(a, 0) for a in cohort) / base,
                sum(min(end.get(a, 0), start[a]) for a in cohort) / base,
                sum(1 for a in cohort if end.get(a, 0) <= 0) / len(cohort),
            )
        month = following
    tables = tables_from_directory(DATA / "ravenstack")
    result = compute_kpis(tables, as_of=as_of, period="month", kpis=["nrr", "grr", "customer_churn"])
    got = {(r["kpi"], r["period"]): r["value"] for r in result if r["status"] == "ok"}
    assert len(expected) == 23
    for label, (nrr, grr, churn) in expected.items():
        assert got[("nrr", label)] == pytest.approx(nrr)
        assert got[("grr", label)] == pytest.approx(grr)
        if label != "2024-12":  # the last window is 30 days long: its churn is made monthly
            assert got[("customer_churn", label)] == pytest.approx(churn)
    assert next(r for r in result if r["period"] == "2023-01")["status"] == "not_computable"


def test_it_needs_a_gross_margin_for_ltv() -> None:
    row = one(kpi("ravenstack", "ltv"))
    assert row["status"] == "not_computable" and "gross margin" in str(row["reason"])


# ---------------------------------------------------------------- hand-made CRM (activities, costs)

CRM = {
    "opportunities": """external_id,account,owner,channel,stage,outcome,amount,created,closed
o1,a1,ann,email,won,won,1000,2027-01-02,2027-01-20
o2,a2,ann,email,lost,lost,500,2027-01-03,2027-01-25
o3,a3,bob,event,proposal,lost,800,2027-01-05,2027-02-10
o4,a1,bob,event,won,won,3000,2027-01-06,2027-02-15
o5,,bob,event,won,won,2000,2027-02-01,2027-02-21
o6,a6,ann,email,proposal,open,4000,2027-02-01,2027-03-15
o7,a7,bob,event,demo,open,1000,2027-02-10,2027-03-20
""",
    "activities": """external_id,kind,owner,opportunity,scheduled,held,outcome
m1,meeting,ann,o1,2027-01-05,true,
m2,meeting,ann,o2,2027-01-06,false,
m3,demo,bob,o3,2027-01-07,FALSE,
m4,meeting,bob,o3,2027-01-08,,cancelled
m5,meeting,bob,o4,2027-01-09,true,
m6,meeting,bob,o4,2027-01-10,false,rescheduled
m7,call,bob,o4,2027-01-10,,
m8,meeting,ann,o6,2027-04-01,,
""",
    "costs": """period_start,period_end,channel,category,amount
2027-01-01,2027-01-31,email,marketing,3000
2027-01-01,2027-01-31,event,sales,1000
2027-02-01,2027-02-28,event,marketing,6000
""",
    "subscriptions": """external_id,account,start,end,mrr
s1,a1,2026-06-01,,100
s2,a2,2026-06-01,2027-01-15,50
s3,a3,2026-06-01,,150
""",
}


@pytest.fixture
def crm(tmp_path: Path) -> dict[str, ibis.Table]:
    for name, text in CRM.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    return tables_from_directory(tmp_path)


def values(result: list[object]) -> dict[tuple[str, object], object]:
    return {(r["kpi"], r["period"]): r["value"] for r in result}  # type: ignore[index]


def test_it_counts_no_shows_among_past_meetings_once(crm: dict[str, ibis.Table]) -> None:
    # m1 held, m2 and m3 not held; m4 cancelled and m6 rescheduled count nowhere; m8 is in the future.
    row = one(compute_kpis(crm, as_of=dt.date(2027, 3, 1), kpis=["no_show_rate"]))  # type: ignore[arg-type]
    assert row["value"] == pytest.approx(2 / 4)


def test_it_computes_cac_from_costs_and_new_customers(crm: dict[str, ibis.Table]) -> None:
    result = compute_kpis(crm, as_of=dt.date(2027, 3, 1), kpis=["cac"], period="month")
    # January: a1 is new (o1); February: a1 again is not new, o5 (no account) is: 6000 / 1.
    assert values(result) == {("cac", "2027-01"): 4000.0, ("cac", "2027-02"): 6000.0}
    by_channel = compute_kpis(crm, as_of=dt.date(2027, 3, 1), kpis=["cac"], by=["channel"])
    assert {r["by"]["channel"]: r["value"] for r in by_channel} == {"email": 3000.0, "event": 7000.0}
    owner = one(compute_kpis(crm, as_of=dt.date(2027, 3, 1), kpis=["cac"], by=["owner"]))  # type: ignore[arg-type]
    assert owner["status"] == "not_computable" and "costs has no column owner" in str(owner["reason"])


def test_it_combines_ltv_cac_and_payback(crm: dict[str, ibis.Table]) -> None:
    as_of = dt.date(2027, 3, 1)
    result = values(
        compute_kpis(
            crm, as_of=as_of, gross_margin=0.5, kpis=["cac", "arpa", "customer_churn", "ltv", "ltv_cac", "cac_payback"]
        )
    )
    # trailing 12 months: 3 customers at 2026-03-01? none (they start 2026-06) → churn not computable
    assert result[("ltv", None)] is None and result[("ltv_cac", None)] is None
    cac = 10000 / 2
    arpa = (100 + 150) / 2
    assert result[("cac", None)] == pytest.approx(cac)
    assert result[("arpa", None)] == pytest.approx(arpa)
    assert result[("cac_payback", None)] == pytest.approx(cac / (arpa * 0.5))
    monthly = compute_kpis(crm, as_of=as_of, gross_margin=0.5, kpis=["ltv", "ltv_cac"], period="month")
    ltv = values(monthly)
    assert ltv[("ltv", "2027-01")] == pytest.approx(arpa * 0.5 / (1 / 3))
    assert ltv[("ltv_cac", "2027-01")] == pytest.approx(arpa * 0.5 / (1 / 3) / 4000)


def test_it_computes_coverage_velocity_and_weighted_pipeline(crm: dict[str, ibis.Table]) -> None:
    as_of = dt.date(2027, 3, 1)
    result = compute_kpis(
        crm,
        as_of=as_of,
        kpis=["pipeline_coverage", "weighted_pipeline", "sales_velocity"],
        period="month",
        remaining_target={"2027-03": 10000},
    )
    got = values(result)
    assert got[("pipeline_coverage", "2027-03")] == pytest.approx(5000 / 10000)
    # learnt: 3 won; lost o2 at stage "lost" (unknown → every stage), o3 at proposal.
    # P(proposal) = 3 / (3 + 2) ; P(demo) = 3 / (3 + 2) as well (both lost are at or past demo).
    assert got[("weighted_pipeline", "2027-03")] == pytest.approx(4000 * 3 / 5 + 1000 * 3 / 5)
    # January: win rate 1/2, average deal 1000, cycle 18 days; open at 2027-01-31: o3, o4 → 2 × 0.5 × 1000 / 18
    assert got[("sales_velocity", "2027-01")] == pytest.approx(2 * 0.5 * 1000 / 18)
    no_target = one(compute_kpis(crm, as_of=as_of, kpis=["pipeline_coverage"]))  # type: ignore[arg-type]
    assert no_target["status"] == "not_computable" and "remaining target" in str(no_target["reason"])


def test_it_says_why_instead_of_returning_zero(crm: dict[str, ibis.Table]) -> None:
    result = compute_kpis({}, as_of=dt.date(2027, 3, 1))
    assert {r["kpi"] for r in result} == set(KPIS)
    assert all(r["status"] == "not_computable" and r["value"] is None and r["reason"] for r in result)
    without_amount = {"opportunities": crm["opportunities"].drop("amount")}
    row = one(compute_kpis(without_amount, as_of=dt.date(2027, 3, 1), kpis=["average_deal"]))  # type: ignore[arg-type]
    assert row["reason"] == "opportunities has no column amount"
    empty = one(compute_kpis(crm, as_of=dt.date(2026, 1, 1), kpis=["win_rate"]))  # type: ignore[arg-type]
    assert empty["status"] == "not_computable" and empty["value"] is None


def test_it_rejects_an_unknown_period_or_kpi(crm: dict[str, ibis.Table]) -> None:
    with pytest.raises(ValueError, match="period"):
        compute_kpis(crm, as_of=dt.date(2027, 3, 1), period="year")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown KPI"):
        compute_kpis(crm, as_of=dt.date(2027, 3, 1), kpis=["nps"])


def test_it_trims_text_read_from_parquet_exactly(tmp_path: Path) -> None:
    # DuckDB skips the trims for values that start and end with a printable ASCII character: same result.
    texts = [
        "won",
        " Won",
        "won\t",
        "\r\nLOST\r\n",
        "\x0bopen\x0c",
        "",
        " \t",
        None,
        "café ",
        "a\u0600 ",
        "x\u0301 ",
        "a\u00a0",
        "\u3000a",
        "Closed  Won ",
        "👍 ",
    ]
    pq.write_table(
        pa.table({"external_id": [f"o{i}" for i in range(len(texts))], "owner": texts, "outcome": texts}),
        tmp_path / "opportunities.parquet",
    )
    got = tables_from_directory(tmp_path)["opportunities"].to_pyarrow().to_pylist()
    trimmed = [None if t is None else t.strip(" \t\n\r\x0b\x0c") or None for t in texts]
    assert [r["owner"] for r in got] == trimmed
    assert [r["outcome"] for r in got] == [t.lower() if t else t for t in trimmed]


DEAL_KPIS = ["win_rate", "win_rate_value", "average_deal", "average_deal_median", "sales_cycle", "sales_cycle_median"]


@pytest.fixture
def queries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, ibis.Table], list[str]]:
    """The CRM tables on a DuckDB connection that records the SQL of every query the engine sends."""
    for name, text in CRM.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    backend = ibis.duckdb.connect()
    sent: list[str] = []
    for method in ("to_pyarrow", "execute"):
        run = getattr(backend, method)

        def recorded(expr: ibis.Expr, *args: object, run: object = run, **kwargs: object) -> object:
            sent.append(str(backend.compile(expr)))
            return run(expr, *args, **kwargs)  # type: ignore[operator]

        monkeypatch.setattr(backend, method, recorded)
    return tables_from_directory(tmp_path, backend=backend), sent


def test_it_computes_the_deal_kpis_and_the_no_show_rate_in_one_query(
    queries: tuple[dict[str, ibis.Table], list[str]],
) -> None:
    tables, sent = queries
    together = compute_kpis(tables, as_of=dt.date(2027, 3, 1), period="month", kpis=[*DEAL_KPIS, "no_show_rate"])
    assert len(sent) == 1
    one_by_one = [
        row
        for name in [*DEAL_KPIS, "no_show_rate"]
        for row in compute_kpis(tables, as_of=dt.date(2027, 3, 1), period="month", kpis=[name])
    ]
    assert together == one_by_one
    assert values(together)[("sales_cycle_median", "2027-02")] == pytest.approx(30)  # o4: 40 days, o5: 20


def test_it_only_queries_what_the_asked_kpis_need(queries: tuple[dict[str, ibis.Table], list[str]]) -> None:
    tables, sent = queries
    compute_kpis(tables, as_of=dt.date(2027, 3, 1), kpis=["win_rate"])
    assert len(sent) == 1
    assert "activities" not in sent[0] and "QUANTILE" not in sent[0].upper()


# ---------------------------------------------------------------- same numbers on every backend

CASES = [
    ("maven", {"by": ["segment"], "period": "quarter"}),
    ("maven", {}),
    ("olist", {"by": ["channel"], "period": "month"}),
    ("olist", {}),
    ("ravenstack", {"period": "month", "gross_margin": 0.8}),
    ("ravenstack", {"gross_margin": 0.8}),
]


@functools.cache
def on_duckdb(case: int) -> list[KpiRow]:
    data_set, options = CASES[case]
    return compute_kpis(tables_from_directory(DATA / data_set), as_of=AS_OF[data_set], **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_it_gives_the_same_numbers_on_sqlite_as_on_duckdb(case: int) -> None:
    data_set, options = CASES[case]
    duck = on_duckdb(case)
    connection = sqlite3.connect(":memory:")
    sources = fill_sqlite(connection, data_set)
    tables = tables_from_backend(ibis.sqlite.from_connection(connection), sources)
    assert_same(duck, compute_kpis(tables, as_of=AS_OF[data_set], **options))  # type: ignore[arg-type]
    assert any(r["status"] == "ok" for r in duck)


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not postgres_answers(), reason="no PostgreSQL on 127.0.0.1:5432")
def test_it_gives_the_same_numbers_on_postgresql() -> None:
    psycopg = pytest.importorskip("psycopg")
    connection = psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True)
    schema = f"pac_kpis_{abs(hash(DATA)) % 10**8}"
    try:
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(f"SET search_path TO {schema}")
        backend = ibis.postgres.from_connection(connection)
        loaded: dict[str, dict[str, TableSource]] = {}
        for case, (data_set, options) in enumerate(CASES):
            if data_set in loaded:
                pg = compute_kpis(tables_from_backend(backend, loaded[data_set]), as_of=AS_OF[data_set], **options)  # type: ignore[arg-type]
                assert_same(on_duckdb(case), pg)
                continue
            lite = sqlite3.connect(":memory:")
            sources = loaded[data_set] = fill_sqlite(lite, data_set)
            for source in sources.values():
                columns = [d[0] for d in lite.execute(f"SELECT * FROM {source.table} LIMIT 0").description]
                connection.execute(f"DROP TABLE IF EXISTS {source.table}")
                connection.execute(
                    f"CREATE TABLE {source.table} (team_id INTEGER, "
                    + ", ".join(f"{c} TEXT" for c in columns[1:])
                    + ")"
                )
                with connection.cursor() as cursor, cursor.copy(f"COPY {source.table} FROM STDIN") as copy:
                    for row in lite.execute(f"SELECT * FROM {source.table}"):
                        copy.write_row(row)
            pg = compute_kpis(tables_from_backend(backend, sources), as_of=AS_OF[data_set], **options)  # type: ignore[arg-type]
            assert_same(on_duckdb(case), pg)
    finally:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        connection.close()


# ---------------------------------------------------------------- documentation


def test_it_documents_every_registered_kpi() -> None:
    text = DOCS.read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## `([a-z_0-9]+)`\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S))
    missing = [name for name in KPIS if name not in sections]
    assert not missing, f"docs/kpis.md has no section for: {', '.join(missing)}"
    for name in KPIS:
        for part in ("Formula", "Denominator", "Period", "Empty denominator"):
            assert f"**{part}**" in sections[name], f"docs/kpis.md: {name} has no **{part}**"


# ---------------------------------------------------------------- revenue, wins and other counts


def test_it_sums_the_revenue_and_counts_the_wins_of_maven() -> None:
    won = [r for r in rows("maven", "opportunities") if r["outcome"] == "won"]
    revenue, wins = kpi("maven", "revenue"), kpi("maven", "wins")
    assert one(revenue)["value"] == pytest.approx(sum(float(r["amount"]) for r in won))
    assert one(revenue)["unit"] == "currency"
    assert one(wins)["value"] == len(won) == 4238


def test_it_counts_revenue_by_quarter_of_close_date() -> None:
    expected: Counter[str] = Counter()
    for r in rows("maven", "opportunities"):
        if r["outcome"] == "won":
            day = dt.date.fromisoformat(r["closed"])
            expected[f"{day.year}-Q{(day.month - 1) // 3 + 1}"] += float(r["amount"])
    found = {r["period"]: r["value"] for r in kpi("maven", "revenue", period="quarter")}
    assert found == pytest.approx(dict(expected))


def test_it_gives_zero_revenue_when_nothing_is_won_yet() -> None:
    """A plan that has just started: the deals exist, none is won in its window → 0, not « not computable »."""
    found = {r["kpi"]: r for r in kpi("maven", "revenue") + kpi("maven", "wins")}
    early = compute_kpis(
        tables_from_directory(DATA / "maven"), as_of=dt.date(2016, 10, 21), start=dt.date(2016, 10, 20)
    )
    assert found["revenue"]["value"] > 0
    assert {r["kpi"]: r["value"] for r in early if r["kpi"] in ("revenue", "wins")} == {"revenue": 0, "wins": 0}


def test_it_counts_new_opportunities_by_their_created_date() -> None:
    opportunities = rows("maven", "opportunities")
    expected = sum(1 for r in opportunities if r["created"] and r["created"] <= "2017-06-30")
    found = compute_kpis(tables_from_directory(DATA / "maven"), as_of=dt.date(2017, 6, 30), kpis=["opportunities"])
    assert one(found)["value"] == expected > 0


def test_it_counts_new_leads_by_their_created_date() -> None:
    leads = rows("olist", "leads")
    assert one(kpi("olist", "leads"))["value"] == sum(1 for r in leads if r["created"] and r["created"] <= "2018-12-31")


def write_csv(path: Path, records: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)


def test_it_counts_meetings_and_demos_held_or_unknown_but_not_cancelled_or_missed(tmp_path: Path) -> None:
    base = {"external_id": "", "kind": "meeting", "scheduled": "2027-01-05", "held": "", "outcome": ""}
    write_csv(
        tmp_path / "activities.csv",
        [
            {**base, "external_id": "1", "held": "true"},
            {**base, "external_id": "2"},  # outcome not known yet: it stands
            {**base, "external_id": "3", "held": "false"},  # missed
            {**base, "external_id": "4", "outcome": "cancelled"},
            {**base, "external_id": "5", "scheduled": "2027-03-01"},  # after as_of
            {**base, "external_id": "6", "kind": "demo", "held": "oui"},
            {**base, "external_id": "7", "kind": "call"},
        ],
    )
    found = compute_kpis(tables_from_directory(tmp_path), as_of=dt.date(2027, 1, 31), kpis=["meetings", "demos"])
    assert {r["kpi"]: r["value"] for r in found} == {"meetings": 2, "demos": 1}


def test_it_says_why_meetings_cannot_be_counted_without_any(tmp_path: Path) -> None:
    write_csv(tmp_path / "activities.csv", [{"external_id": "1", "kind": "call", "scheduled": "2027-01-05"}])
    row = one(
        [dict(r) for r in compute_kpis(tables_from_directory(tmp_path), as_of=dt.date(2027, 2, 1), kpis=["demos"])]
    )
    assert row["status"] == "not_computable" and (row["reason_code"], row["reason_params"]) == (
        "no_kind",
        {"kind": "demo"},
    )


# ---------------------------------------------------------------- undated closed deals


@pytest.fixture
def undated_maven(tmp_path: Path) -> Path:
    """Maven's deals with outcomes and amounts but no dates at all, as some CRM exports come."""
    write_csv(
        tmp_path / "opportunities.csv", [{**r, "created": "", "closed": ""} for r in rows("maven", "opportunities")]
    )
    return tmp_path


def test_it_counts_undated_closed_deals_over_the_whole_range_and_says_so(undated_maven: Path) -> None:
    found = {
        r["kpi"]: r
        for r in compute_kpis(
            tables_from_directory(undated_maven), as_of=dt.date(2018, 1, 1), kpis=["win_rate", "average_deal", "wins"]
        )
    }
    won = [float(r["amount"]) for r in rows("maven", "opportunities") if r["outcome"] == "won"]
    assert found["win_rate"]["value"] == pytest.approx(4238 / (4238 + 2473))
    assert found["average_deal"]["value"] == pytest.approx(sum(won) / len(won))
    assert found["wins"]["value"] == 4238
    for row in found.values():
        assert (row["note_code"], row["note_params"]) == ("undated_counted", {"count": 6711, "column": "closed"})
        assert row["note"] == "includes 6711 closed opportunities without a close date"


def test_it_names_the_missing_date_column_when_a_period_needs_it(undated_maven: Path) -> None:
    found = compute_kpis(
        tables_from_directory(undated_maven), as_of=dt.date(2018, 1, 1), period="quarter", kpis=["win_rate", "revenue"]
    )
    assert len(found) == 2
    for row in found:
        assert row["status"] == "not_computable" and row["value"] is None
        assert row["reason_code"] == "undated"
        assert row["reason_params"] == {"table": "opportunities", "column": "closed", "count": 6711}
        assert row["reason"] == (
            "6711 rows of opportunities have no close date: they cannot be placed in a period or a date range"
        )


def test_it_names_the_missing_date_column_from_a_start_too(undated_maven: Path) -> None:
    """From a start on, the whole range is no longer counted: undated deals are the reason, not « none closed »."""
    found = compute_kpis(
        tables_from_directory(undated_maven),
        as_of=dt.date(2018, 1, 1),
        start=dt.date(2017, 1, 1),
        kpis=["win_rate", "average_deal", "wins"],
    )
    by_kpi = {r["kpi"]: r for r in found}
    for name in ("win_rate", "average_deal"):
        assert by_kpi[name]["status"] == "not_computable"
        assert (by_kpi[name]["reason_code"], by_kpi[name]["reason_params"]) == (
            "undated",
            {"table": "opportunities", "column": "closed", "count": 6711},
        )
    assert by_kpi["wins"]["value"] == 0  # a count: none placed in the range


def test_it_still_says_no_deal_closed_from_a_start_when_every_deal_is_dated() -> None:
    found = compute_kpis(
        tables_from_directory(DATA / "maven"),
        as_of=dt.date(2016, 10, 21),
        start=dt.date(2016, 10, 20),
        kpis=["win_rate"],
    )
    assert one(found)["reason_code"] in ("no_closed_deal", "no_data_in_range")


def test_it_notes_nothing_when_every_closed_deal_is_dated() -> None:
    row = one(kpi("maven", "win_rate"))
    assert row["note"] is None and row["note_code"] is None


# ---------------------------------------------------------------- the registry: only what is asked


def test_it_computes_only_the_kpis_asked_for_and_their_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    from pac.engine.kpis import runner

    called: list[str] = []
    for name, function in list(runner.COMPUTE.items()):

        def spy(run: runner.Run, name: str = name, function: object = function) -> runner.Values:
            called.append(name)
            return function(run)  # type: ignore[operator]

        monkeypatch.setitem(runner.COMPUTE, name, spy)
    tables = tables_from_directory(DATA / "maven")
    assert [r["kpi"] for r in compute_kpis(tables, as_of=AS_OF["maven"], kpis=["win_rate"])] == ["win_rate"]
    assert called == ["win_rate"]
    called.clear()
    compute_kpis(tables, as_of=AS_OF["maven"], kpis=["sales_velocity"])
    assert sorted(called) == ["average_deal", "sales_cycle", "sales_velocity", "win_rate"]


def test_it_registers_a_function_and_a_label_for_every_kpi() -> None:
    from pac.engine.kpis import COMPUTE, LABELS

    assert set(COMPUTE) == set(KPIS) == set(LABELS)


def test_it_words_a_reason_in_french() -> None:
    from pac.engine.kpis import explain
    from pac.io.messages import catalogue

    french = explain(
        "undated", {"table": "opportunities", "column": "closed", "count": 1200}, catalogue("fr"), "{:,}".format
    )
    assert french == (
        "1,200 lignes (opportunités) n’ont pas de date de clôture : "
        "elles ne peuvent être placées ni dans une période ni dans un intervalle de dates"
    )
