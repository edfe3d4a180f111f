"""The canonical KPI fixtures of tests/data/kpis and ways to load them into each Ibis backend."""

from __future__ import annotations

import csv
import datetime as dt
import math
import sqlite3
from pathlib import Path
from typing import Any

from pac.engine.canonical import TABLES as CANONICAL_COLUMNS
from pac.engine.kpis import KpiRow, TableSource

DATA = Path(__file__).parents[1] / "data" / "kpis"
AS_OF = {"maven": dt.date(2018, 1, 1), "olist": dt.date(2018, 12, 31), "ravenstack": dt.date(2024, 12, 31)}


def rows(data_set: str, table: str) -> list[dict[str, str]]:
    with (DATA / data_set / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def files(data_set: str) -> dict[str, Path]:
    return {p.stem: p for p in sorted((DATA / data_set).glob("*.csv")) if p.stem in CANONICAL_COLUMNS}


def fill_sqlite(connection: sqlite3.Connection, data_set: str, prefix: str = "") -> dict[str, TableSource]:
    """Text columns named ``c_<column>`` in tables ``<prefix>crm_<table>`` plus a ``team_id``: the
    renames and filter the app database will need too."""
    sources = {}
    for table in files(data_set):
        data = rows(data_set, table)
        columns = list(data[0]) if data else []
        name = f"{prefix}crm_{table}"
        connection.execute(f"CREATE TABLE {name} (team_id INTEGER, {', '.join(f'c_{c} TEXT' for c in columns)})")
        for team, part in ((1, data), (2, data[:50])):  # team 2 is noise the filter must drop
            connection.executemany(
                f"INSERT INTO {name} VALUES (?, {', '.join('?' for _ in columns)})",
                [(team, *(r[c] for c in columns)) for r in part],
            )
        sources[table] = TableSource(name, {c: f"c_{c}" for c in columns}, {"team_id": 1})
    return sources


def comparable(result: list[KpiRow]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {
        (r["kpi"], r["period"], tuple(sorted(r["by"].items(), key=str))): (
            r["status"],
            None if r["value"] is None else round(r["value"], 6),
            r["reason"],
        )
        for r in result
    }


def assert_same(left: list[KpiRow], right: list[KpiRow]) -> None:
    a, b = comparable(left), comparable(right)
    assert a.keys() == b.keys(), (sorted(a.keys() - b.keys(), key=str)[:5], sorted(b.keys() - a.keys(), key=str)[:5])
    for key in a:
        (sa, va, ra), (sb, vb, rb) = a[key], b[key]
        assert (sa, ra) == (sb, rb), key
        assert (va is None) == (vb is None), key
        if va is not None and vb is not None:
            assert math.isclose(va, vb, rel_tol=1e-9, abs_tol=1e-6), (key, va, vb)
