"""The canonical tables as the KPI engine reads them: from a folder of files (DuckDB), from a database
connection (SQLite, PostgreSQL, Spark), typed per ``pac.engine.canonical`` whatever the source gave."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import ibis  # type: ignore[import-untyped]  # ibis 12 ships no py.typed
import ibis.expr.types as ir  # type: ignore[import-untyped]  # ibis 12 ships no py.typed
from ibis.backends import BaseBackend  # type: ignore[import-untyped]  # ibis 12 ships no py.typed
from ibis.common.exceptions import IbisError  # type: ignore[import-untyped]  # ibis 12 ships no py.typed

from pac.engine import canonical
from pac.engine.labels import Message, gettext_noop

_TRUE = ("true", "t", "1", "yes", "y", "oui", "vrai")
_FALSE = ("false", "f", "0", "no", "n", "non", "faux")


class SourceFileError(ValueError):
    """A file of a source folder is no table DuckDB can read (binary garbage, an empty file): its name
    and the reader's words, as a ``Message``, instead of the reader's own exception."""


@dataclass(frozen=True)
class TableSource:
    """Where a canonical table lives in a SQL database: its table name, the SQL column of each canonical
    column whose name differs, and equality filters (e.g. ``{"team_id": 3}``)."""

    table: str
    columns: Mapping[str, str] = field(default_factory=dict)
    where: Mapping[str, object] = field(default_factory=dict)
    database: str | None = None


def tables_from_directory(path: str | Path, backend: BaseBackend | None = None) -> dict[str, ir.Table]:
    """One file per canonical table (``opportunities.parquet`` or ``opportunities.csv``, and the recorded
    ``opportunity_changes``) read with DuckDB
    (or the given backend). CSV columns are read as text and typed by :func:`canonical_tables`."""
    con: Any = backend if backend is not None else ibis.duckdb.connect()
    folder = Path(path)
    tables: dict[str, ir.Table] = {}
    for name in canonical.SCHEMAS:
        parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
        try:
            if parquet.exists():
                tables[name] = _typed(name, con.read_parquet(str(parquet), table_name=name))
            elif csv.exists():
                tables[name] = _typed(name, con.read_csv(str(csv), table_name=name, all_varchar=True, header=True))
        except (duckdb.Error, IbisError, OSError, ValueError) as error:  # a file that is no table
            raise _unreadable(parquet if parquet.exists() else csv, error) from None
    return tables


def _unreadable(path: Path, error: Exception) -> SourceFileError:
    words = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
    message = gettext_noop("{file}: not a table PAC can read ({error})")
    return SourceFileError(Message(message, file=path.name, error=words))


def tables_from_backend(backend: BaseBackend, sources: Mapping[str, TableSource]) -> dict[str, ir.Table]:
    """Canonical tables from a database backend, e.g. ``ibis.postgres.from_connection(connection)``."""
    tables: dict[str, ir.Table] = {}
    for name, source in sources.items():
        table = backend.table(source.table, database=source.database)
        for column, value in source.where.items():
            table = table.filter(table[column] == value)
        renames = {canonical: sql for canonical, sql in source.columns.items() if sql in table.columns}
        known = canonical.names(name) if name in canonical.SCHEMAS else ()
        wanted = [c for c in known if renames.get(c, c) in table.columns]
        tables[name] = table.select(**{c: table[renames.get(c, c)] for c in wanted})
    return canonical_tables(tables)


def canonical_tables(tables: Mapping[str, ir.Table]) -> dict[str, ir.Table]:
    """Type the canonical columns whatever the source gave (text from CSV or SQLite, timestamps…):
    dates become dates, amounts float64, flags booleans, everything else text; '' becomes NULL."""
    return {name: _typed(name, table) for name, table in tables.items() if name in canonical.SCHEMAS}


def _typed(name: str, table: ir.Table) -> ir.Table:
    quick = table._find_backend(use_default=True).name == "duckdb"
    schema = canonical.columns(name)
    typed: dict[str, ir.Value] = {}
    for column in table.columns:
        if column not in schema:
            continue
        kind = schema[column].type
        value = table[column]
        dtype = value.type()
        if kind in ("moment", "date"):
            if dtype.is_string():
                typed[column] = _text(value, quick=quick).substr(0, 10).cast("date")
            elif dtype.is_timestamp():
                typed[column] = value.cast("timestamp").date()
            else:
                typed[column] = value.cast("date")
        elif kind == "instant":
            typed[column] = (
                _text(value, quick=quick).cast("timestamp") if dtype.is_string() else value.cast("timestamp")
            )
        elif kind == "decimal":
            typed[column] = _text(value, quick=quick).cast("float64") if dtype.is_string() else value.cast("float64")
        elif kind == "bool":
            if dtype.is_string():
                text = value.lstrip().rstrip().lower()
                typed[column] = ibis.cases(
                    (text.isin(_TRUE), True), (text.isin(_FALSE), False), else_=ibis.null("boolean")
                )
            else:
                typed[column] = value.cast("boolean")
        elif dtype.is_string():
            typed[column] = _text(value, quick=quick)
        else:
            typed[column] = value.cast("string")
    for column in canonical.of_type(name, "choice") & typed.keys():  # codes compared with lower-case values
        typed[column] = typed[column].lower()
    return table.select(**typed)


def _text(value: ir.StringValue, *, quick: bool) -> ir.StringValue:
    """``value`` without surrounding whitespace, '' as NULL.

    ``quick`` (DuckDB) takes a value that starts and ends with a printable ASCII character as it is, without
    the trims: DuckDB runs a trim with a character list row by row, but functions of one column such as ascii
    and reverse once per distinct value of a Parquet dictionary, so on millions of rows the trims cost more
    than the scan itself. Same result either way: such a value has nothing to trim (and '' has no printable
    first character). The last character must be printable ASCII, not just above the space, because DuckDB's
    reverse() keeps grapheme clusters whole. Elsewhere the trims are cheap, and SQLite's ascii() and reverse()
    are Python functions: there the value is always trimmed.
    """
    # lstrip().rstrip(), not strip(): ibis 12 compiles strip() for Spark as TRIM(' \t\n\r\v\f' FROM …), and
    # Spark reads that literal's backslashes as letters, cutting the f of "finance".
    trimmed = value.lstrip().rstrip().nullif("")
    if not quick:
        return trimmed
    neat = (value.ascii_str() > 32) & value.reverse().ascii_str().between(33, 126)
    return ibis.ifelse(neat, value, trimmed)
