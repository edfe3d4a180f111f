"""Stage-to-stage conversion and days in stage from the stage history (``opportunity_stages``), and the
basis each ratio or median rests on: computed on DuckDB and SQLite, checked against counts made here."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from typing import Any

import ibis
import pytest

from pac.engine.kpis import TableSource, compute_kpis, tables_from_backend, tables_from_directory
from tests.engine.kpi_data import AS_OF, DATA, rows

# a: sql → demo → proposal → won · b: sql → demo, lost · c: sql → demo, still open · d: sql → proposal → won
# e: sql → demo → sql (back) → demo again → « Closed Lost » stage: demo counts once, dropped.
OPPORTUNITIES = [
    ("a", "won", "2024-03-01", "x"),
    ("b", "lost", "2024-02-01", "x"),
    ("c", "open", "", "y"),
    ("d", "won", "2024-04-01", "y"),
    ("e", "lost", "2024-05-01", "y"),
]
STAGES = [
    ("a", "SQL", "2024-01-01"),
    ("a", "demo", "2024-01-11"),
    ("a", "proposal", "2024-02-01"),
    ("b", "sql", "2024-01-01"),
    ("b", "demo", "2024-01-05"),
    ("c", "sql", "2024-01-01"),
    ("c", "demo", "2024-01-20"),
    ("d", "sql", "2024-01-01"),
    ("d", "proposal", "2024-03-01"),
    ("e", "sql", "2024-02-01"),
    ("e", "demo", "2024-02-03"),
    ("e", "sql", "2024-02-10"),
    ("e", "demo", "2024-02-20"),
    ("e", "Closed Lost", "2024-05-01"),
]


def _fill(path: Any) -> None:
    (path / "opportunities.csv").write_text(
        "external_id,outcome,closed,created,segment\n"
        + "".join(f"{i},{o},{c},2024-01-01,{s}\n" for i, o, c, s in OPPORTUNITIES),
        encoding="utf-8",
    )
    (path / "opportunity_stages.csv").write_text(
        "external_id,opportunity,stage,entered\n"
        + "".join(f"h{n},{o},{s},{d}\n" for n, (o, s, d) in enumerate(STAGES)),
        encoding="utf-8",
    )


def _sqlite(path: Any) -> dict[str, Any]:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE opps (external_id TEXT, outcome TEXT, closed TEXT, created TEXT, segment TEXT)")
    connection.executemany("INSERT INTO opps VALUES (?, ?, ?, '2024-01-01', ?)", OPPORTUNITIES)
    connection.execute("CREATE TABLE hist (external_id TEXT, opportunity TEXT, stage TEXT, entered TEXT)")
    connection.executemany("INSERT INTO hist VALUES (?, ?, ?, ?)", [(f"h{n}", *row) for n, row in enumerate(STAGES)])
    backend = ibis.sqlite.from_connection(connection)
    return tables_from_backend(
        backend, {"opportunities": TableSource("opps"), "opportunity_stages": TableSource("hist")}
    )


def _postgres() -> Iterator[dict[str, Any]]:
    """The same rows in a schema of their own on the PostgreSQL of the dev and CI machines."""
    import psycopg

    connection = psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True)
    schema = f"pac_kpi_stages_{os.getpid()}"
    try:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(f"SET search_path TO {schema}")
        connection.execute(
            "CREATE TABLE opps (external_id TEXT, outcome TEXT, closed TEXT, created TEXT, segment TEXT)"
        )
        connection.execute("CREATE TABLE hist (external_id TEXT, opportunity TEXT, stage TEXT, entered TEXT)")
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO opps VALUES (%s, %s, NULLIF(%s, ''), '2024-01-01', %s)", OPPORTUNITIES)
            cursor.executemany(
                "INSERT INTO hist VALUES (%s, %s, %s, %s)", [(f"h{n}", *r) for n, r in enumerate(STAGES)]
            )
        backend = ibis.postgres.from_connection(connection)
        yield tables_from_backend(
            backend, {"opportunities": TableSource("opps"), "opportunity_stages": TableSource("hist")}
        )
    finally:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        connection.close()


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def tables(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[dict[str, Any]]:
    if request.param == "postgres":  # running on the dev and CI machines (DESIGN.md)
        yield from _postgres()
    elif request.param == "sqlite":
        yield _sqlite(tmp_path)
    else:
        _fill(tmp_path)
        yield tables_from_directory(tmp_path)


def _by_stage(tables: dict[str, Any], **options: Any) -> dict[tuple[Any, ...], dict[str, Any]]:
    result = compute_kpis(
        tables, as_of=options.pop("as_of", dt.date(2024, 12, 31)), kpis=["stage_conversion", "stage_days"], **options
    )
    return {(r["kpi"], *r["by"].values()): dict(r) for r in result}


def test_it_counts_who_went_on_from_each_stage_and_how_long_they_stayed(tables: dict[str, Any]) -> None:
    found = _by_stage(tables, by=["stage"])
    # sql: a, b, c, d went on (e went back and forth, then went on to demo): 5 of 5
    assert (found["stage_conversion", "sql"]["value"], found["stage_conversion", "sql"]["basis"]) == (1.0, 5)
    # demo: a went on, b and e dropped (e through a « Closed Lost » stage), c is still there
    assert found["stage_conversion", "demo"]["value"] == pytest.approx(1 / 3)
    assert found["stage_conversion", "demo"]["basis"] == 3
    assert (found["stage_conversion", "proposal"]["value"], found["stage_conversion", "proposal"]["basis"]) == (1.0, 2)
    # days in sql before the next stage: a 10, b 4, c 19, d 60, e 2 → median 10
    assert (found["stage_days", "sql"]["value"], found["stage_days", "sql"]["basis"]) == (10.0, 5)
    assert (found["stage_days", "proposal"]["value"], found["stage_days", "proposal"]["basis"]) == (30.0, 2)
    assert not any(key[1] in ("closed lost", "won") for key in found)


def test_it_dates_an_exit_by_the_day_it_happened(tables: dict[str, Any]) -> None:
    found = _by_stage(tables, by=["stage"], start=dt.date(2024, 2, 15), as_of=dt.date(2024, 3, 31))
    # nobody left demo in the range: a and b before it, e (lost in May) is still in demo on 31 March
    assert ("stage_conversion", "demo") not in found
    # left proposal: a (won on 1 March); d is still in proposal on 31 March
    assert (found["stage_conversion", "proposal"]["value"], found["stage_conversion", "proposal"]["basis"]) == (1.0, 1)
    assert found["stage_conversion", "sql"]["basis"] == 1  # d entered proposal on 1 March


def test_it_breaks_the_stages_down_by_the_deals_segment(tables: dict[str, Any]) -> None:
    found = _by_stage(tables, by=["segment", "stage"])
    assert found["stage_conversion", "x", "demo"]["value"] == 0.5
    assert found["stage_conversion", "y", "demo"]["value"] == 0.0
    assert found["stage_conversion", "y", "sql"]["basis"] == 3


def test_without_a_stage_history_it_says_so() -> None:
    tables = tables_from_directory(DATA / "maven")
    (row,) = compute_kpis(tables, as_of=AS_OF["maven"], kpis=["stage_conversion"])
    assert row["status"] == "not_computable" and (row["reason_code"], row["reason_params"]) == (
        "no_table",
        {"table": "opportunity_stages"},
    )


def test_a_ratio_and_a_median_carry_the_count_they_rest_on() -> None:
    closed = [r for r in rows("maven", "opportunities") if r["outcome"] in ("won", "lost") and r["closed"]]
    won = [r for r in closed if r["outcome"] == "won"]
    tables = tables_from_directory(DATA / "maven")
    kpis = ["win_rate", "average_deal_median", "sales_cycle_median", "revenue"]
    found = {r["kpi"]: r for r in compute_kpis(tables, as_of=AS_OF["maven"], start=dt.date(2016, 1, 1), kpis=kpis)}
    assert found["win_rate"]["basis"] == len(closed)
    assert found["average_deal_median"]["basis"] == len([r for r in won if r["amount"]])
    assert found["sales_cycle_median"]["basis"] == len([r for r in won if r["created"]])
    assert found["revenue"]["basis"] is None  # a sum rests on no count
