"""One import's records through temporary tables, merged into their canonical table in set-based SQL.

Why: the ORM's per-chunk upsert (select the chunk's ids, compare in Python, ``bulk_create`` and
``bulk_update``) ran at ≈ 5 000 rows/s. Here records are buffered while the file is checked and sent
by batches of ``BATCH`` into a temporary table (``COPY`` on PostgreSQL, ``executemany`` on SQLite);
set-based statements merge a batch — fed fields of existing rows updated where they differ, new ids
inserted — and their row counts are the created/updated figures.

With ``incremental`` merging (an id cannot come twice: duplicates are identical or refused), each batch
is merged by a worker thread while the importing thread checks the next rows: SQLite works without
Python's lock, the PostgreSQL server in its own process. Two staging tables take turns, so a batch is
staged while the previous one is merged. Otherwise (``on_duplicate="last"``) everything is staged in
one table, one row kept per id, and merged once at the end.

An opportunities import also records what it changes (``changes``), batch by batch before each merge.

Everything happens inside the caller's transaction (``services`` is atomic): the imported rows vanish
when it rolls back — an error in the report, a dry run, a failure. On PostgreSQL that transaction locks
only the rows it writes, and imports of one kind into one team take turns on an advisory lock
(``import_lock``): plan edits, and the team's row, are never waited on.

``deferred`` (SQLite outside a transaction, the background job and ``pac import``): SQLite has one
writer at a time, so the file is checked and staged in temporary tables — the connection's own temporary
database, which takes no lock on the main one — and everything is merged at the end in one short
transaction the caller opens (``merge``): other writers wait for that merge only, not for the whole run.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Collection, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from operator import attrgetter
from types import TracebackType
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from pac.web.accounts.models import Team
from pac.web.crm.changes import ChangeLog
from pac.web.crm.freshness import data_stamp

#: Rows sent to the database at once: large enough to amortise a statement, small enough to overlap.
BATCH = 10_000
_SKIPPED = ("id", "team", "external_id", "imported_at")


class Staging:
    """The staging of one import into ``model`` for ``team``: ``add`` records, then ``merge``."""

    def __init__(
        self,
        model: type[models.Model],
        team: Team,
        *,
        incremental: bool,
        changes: ChangeLog | None = None,
        deferred: bool = False,
    ) -> None:
        self.model, self.team, self.changes = model, team, changes
        self.deferred = deferred  # staged outside any transaction, merged at the end (SQLite's short write)
        self.unique_ids = incremental  # an id comes once: a team without rows gets plain inserts
        self.incremental = incremental and not deferred
        self.target = model._meta.db_table
        self.tables = [f"pac_stage_{self.target}_{n}" for n in range(2 if self.incremental else 1)]
        self.model_fields = [f for f in model._meta.concrete_fields if f.name not in _SKIPPED]
        self.names = ["external_id"] + [f.name for f in self.model_fields]
        self.staged_names = self.names
        self.fed: frozenset[str] = frozenset(self.names)
        self._get = attrgetter(*self.names)
        self._dates = self._date_positions()
        self._rows: list[tuple[Any, ...]] = []
        self.staged = self.created = self.updated = 0
        self._batches = 0
        self._merges: list[Future[tuple[int, int]]] = []
        self._cursor = connection.cursor()  # the importing thread's
        self._merge_cursor = connection.cursor()  # the merging thread's (same connection, same transaction)
        self._merger: ThreadPoolExecutor | None = None
        self._sql: _Statements | None = None
        self._savepoint: str | None = None
        self.fresh = False  # the team has none of these records yet: plain inserts, nothing to compare
        self._open = ExitStack()  # the COPY straight into the canonical table, while it is open
        self._copy: Any = None
        self._texts: list[int] = []
        self._head: tuple[Any, ...] = ()
        self._tail: tuple[Any, ...] = ()
        # deferred: the changes worked out before the lock, and the team's data stamp they were read at
        self._prepared = f"pac_stage_{self.target}_changes"
        self._prepared_at: str | None = None
        self._ordered = False  # the staged rows are in external_id order already

    def __enter__(self) -> Staging:
        q = connection.ops.quote_name
        columns = ", ".join(q(name) for name in self.names)
        for table in self.tables:
            self._cursor.execute(f"DROP TABLE IF EXISTS {q(table)}")
            self._cursor.execute(
                f"CREATE TEMPORARY TABLE {q(table)} AS SELECT 0 AS line, {columns} FROM {q(self.target)} WHERE 1 = 0"
            )
        if self.deferred:  # nothing is locked yet: « fresh » is decided in the merge's transaction
            return self
        import_lock(self.team, self.model)  # one import of a kind per team at a time: « fresh » stays true
        self.fresh = self.incremental and not self.model._default_manager.filter(team=self.team).exists()
        self._savepoint = transaction.savepoint()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if kind is not None:
                self._open.__exit__(kind, error, trace)  # abandon the COPY, if one is open
            self._settle(raise_error=kind is None)
            # a rollback takes the tables away anyway; a deferred staging's are outside any transaction
            if (kind is None or self.deferred) and not connection.needs_rollback:
                for table in [*self.tables, self._prepared]:
                    self._cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}")
        finally:
            if self._merger is not None:
                self._merger.shutdown()
            self._cursor.close()
            self._merge_cursor.close()

    def fields(self, names: Collection[str]) -> None:
        """The fields the file sets: only they are staged, and merged (the others keep their value)."""
        self.fed = frozenset(names) | {"external_id"}
        self.staged_names = [name for name in self.names if name in self.fed]
        self._get = attrgetter(*self.staged_names)
        self._dates = self._date_positions()
        self._sql = None

    def add(self, line: int, record: object) -> None:
        """A record of ``pac.io.crm`` (its attributes are the canonical fields)."""
        values = self._get(record)
        for i in self._dates:
            if type(values[i]) is dt.datetime:
                values = _as_dates(values, self._dates)
                break
        self._rows.append((line, *values))
        if len(self._rows) >= BATCH:
            self.flush()

    def add_mapping(self, line: int, values: Mapping[str, Any]) -> None:
        self.add(line, _Attributes(values))

    def flush(self) -> None:
        """Stage the buffered rows; when incremental, have them merged in the background."""
        if not self._rows:
            return
        if self.fresh and connection.vendor == "postgresql":
            self._copy_into_target()
            return
        sql = self._statements()
        table = self._batches % len(self.tables)
        if len(self._merges) >= 2:  # the table's previous batch must be merged and gone
            self._add_counts(self._merges.pop(0).result())
        sql.stage(self._cursor.cursor, table, self._rows)
        self.staged += len(self._rows)
        self._batches += 1
        self._rows = []
        if self.incremental:
            if self._merger is None:
                self._merger = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pac-merge")
            self._merges.append(self._merger.submit(sql.merge, self._merge_cursor.cursor, table, True))

    def _copy_into_target(self) -> None:
        """PostgreSQL, a team without these records yet: every row is new, so rows are copied straight
        into the canonical table, in one COPY that stays open for the whole file — no staging table, no
        merge, and psycopg's queued writer sends the data from its own thread while the server stores
        it, so that the importing thread only checks and formats rows. Text columns get '' for an empty
        value, as the merge would give."""
        if self._copy is None:
            from psycopg.copy import QueuedLibpqWriter

            q = connection.ops.quote_name
            unfed = [f for f in self.model_fields if f.name not in self.fed]
            columns = [
                "team_id",
                "imported_at",
                *(q(name) for name in self.staged_names),
                *(q(f.column) for f in unfed),
            ]
            self._texts = [
                i
                for i, name in enumerate(self.staged_names)
                if isinstance(self.model._meta.get_field(name), models.CharField)
            ]
            self._head = (self.team.pk, timezone.now())
            self._tail = tuple(_empty_value(f) for f in unfed)
            raw = self._cursor.cursor
            self._copy = self._open.enter_context(
                raw.copy(f"COPY {q(self.target)} ({', '.join(columns)}) FROM STDIN", writer=QueuedLibpqWriter(raw))
            )
        head, tail, texts, copy = self._head, self._tail, self._texts, self._copy
        for row in self._rows:
            values = list(row[1:])
            for i in texts:
                if values[i] is None:
                    values[i] = ""
            copy.write_row((*head, *values, *tail))
        self.staged += len(self._rows)
        self.created += len(self._rows)
        self._rows = []

    def restart(self) -> None:
        """Undo all that was staged and merged (the file is about to be read again)."""
        self._rows = []
        self._settle(raise_error=True)
        if self.deferred:  # only staged, nothing merged: the staging tables are emptied
            for table in self.tables:
                self._cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        else:
            transaction.savepoint_rollback(self._savepoint)
        self.staged = self.created = self.updated = self._batches = 0

    def keep_last(self) -> None:
        """One staged row per id, the one from the greatest line (``on_duplicate="last"``)."""
        self.flush()
        table = connection.ops.quote_name(self.tables[0])
        self._cursor.execute(
            f"DELETE FROM {table} WHERE line NOT IN (SELECT MAX(line) FROM {table} GROUP BY external_id)"
        )
        self.staged -= max(self._cursor.rowcount, 0)

    def prepare(self) -> None:
        """Deferred: before the caller takes the write lock, work out what the merge will change in the
        history (``changes``) — reading the stored rows as they stand now, which readers may do at any
        time — so that the merge only copies it. Kept if nothing changed the team's data meanwhile (its
        stamp), worked out again in the merge otherwise."""
        if not self.deferred:
            return
        self.flush()
        q = connection.ops.quote_name
        # the staged rows in the unique index's order: the merge writes its pages one after the other,
        # without sorting in the lock
        staged, ordered = q(self.tables[0]), q(f"{self.tables[0]}_ordered")
        self._cursor.execute(f"DROP TABLE IF EXISTS {ordered}")
        self._cursor.execute(f"CREATE TEMPORARY TABLE {ordered} AS SELECT * FROM {staged} ORDER BY external_id")
        self._cursor.execute(f"DROP TABLE {staged}")
        self._cursor.execute(f"ALTER TABLE {ordered} RENAME TO {staged}")
        self._sql = None
        self._ordered = True
        if self.changes is None:
            return
        self._cursor.execute(f"DROP TABLE IF EXISTS {q(self._prepared)}")
        self._cursor.execute(self.changes.prepared_table_sql(q(self._prepared)))
        stamp = data_stamp(self.team.pk)
        for sql, params, _ in self.changes.batch_steps(
            q(self.tables[0]), q(self.target), self.model_fields, self.fed, self.team.pk, into=q(self._prepared)
        ):
            self._cursor.execute(sql, params)
        self._prepared_at = stamp

    def merge(self) -> tuple[int, int]:
        """Every row added is merged; returns (created, updated) for the whole import."""
        self.flush()
        self._settle(raise_error=True)
        if self.deferred:  # in the caller's short transaction, which holds the write lock: decided now
            if not connection.in_atomic_block:
                raise RuntimeError("a deferred staging merges inside a transaction")
            self.fresh = self.unique_ids and not self.model._default_manager.filter(team=self.team).exists()
            self._sql = None  # the statements depend on « fresh », and on the changes worked out already
            if self._prepared_at is not None and self._prepared_at != data_stamp(self.team.pk):
                self._prepared_at = None  # another write came in between: worked out again, in the lock
        if self.changes is not None and self._prepared_at is not None:
            self._cursor.execute(self.changes.record_prepared_sql(connection.ops.quote_name(self._prepared)))
        if not self.incremental:
            self._add_counts(self._statements().merge(self._cursor.cursor, 0, False))
        if self.changes is not None and self.fresh and self._prepared_at is None:  # from the table itself
            sql, params, _ = self.changes.fresh_step(
                connection.ops.quote_name(self.target), self.model_fields, self.fed, self.team.pk
            )
            self._cursor.execute(sql, params)
        return self.created, self.updated

    def _settle(self, *, raise_error: bool) -> None:
        """Wait for every background merge and for the COPY to end; the first error is raised (when asked)."""
        self._copy = None
        self._open.close()  # the server has stored every copied row (or raised why not)
        merges, self._merges = self._merges, []
        failure: BaseException | None = None
        for merge in merges:
            try:
                self._add_counts(merge.result())
            except BaseException as error:
                failure = failure or error
        if failure is not None and raise_error:
            raise failure

    def _add_counts(self, counts: tuple[int, int]) -> None:
        self.created += counts[0]
        self.updated += counts[1]

    def _statements(self) -> _Statements:
        """The SQL of this import, written in the importing thread (the merging one has no connection
        of its own: Django's connections are per thread)."""
        if self._sql is None:
            postgres = connection.vendor == "postgresql"
            q = connection.ops.quote_name
            columns = ", ".join(q(name) for name in ["line", *self.staged_names])
            marks = ", ".join(["%s"] * (len(self.staged_names) + 1))
            stage = [
                f"COPY {q(table)} ({columns}) FROM STDIN"
                if postgres
                else f"INSERT INTO {q(table)} ({columns}) VALUES ({marks})"
                for table in self.tables
            ]
            self._sql = _Statements(
                postgres,
                stage,
                [self._merge_steps(q(table), postgres) for table in self.tables],
                [f"DELETE FROM {q(table)}" for table in self.tables],
            )
        return self._sql

    def _merge_steps(self, table: str, postgres: bool) -> list[_Step]:
        """How one staging table is merged: the statements and what each one's result counts."""
        q = connection.ops.quote_name
        target, team = q(self.target), self.team.pk
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        changed = [f for f in self.model_fields if f.name in self.fed]
        # what this batch changes, recorded before it is merged (``changes``; a fresh team's after the import)
        recorded: list[_Step] = []
        if self.changes is not None and not self.fresh and self._prepared_at is None:
            recorded = self.changes.batch_steps(table, target, self.model_fields, self.fed, team)
        values = ", ".join(_value(table, f) if f.name in self.fed else _empty(f) for f in self.model_fields)
        insert = (
            f"INSERT INTO {target} (team_id, external_id, imported_at, "
            f"{', '.join(q(f.column) for f in self.model_fields)}) SELECT %s, {table}.external_id, %s, {values} "
            f"FROM {table}"
        )
        if self.fresh:  # the team had none of these records: every staged one is new
            if postgres:
                return [(insert, (team, now), "created_rows")]
            # SQLite: in the unique index's order, its pages are filled one after the other
            ordered = insert if self._ordered else f"{insert} ORDER BY {table}.external_id"
            return [(f"SELECT COUNT(*) FROM {table}", (), "count_created"), (ordered, (team, now), "run")]
        if postgres:
            # one statement probing the unique index row by row (an anti-join would hash the whole team's
            # table for every batch); (xmax = 0) tells a row inserted from one updated
            action = "DO NOTHING"
            if changed:
                assignments = ", ".join(f"{q(f.column)} = EXCLUDED.{q(f.column)}" for f in changed)
                differs = " OR ".join(
                    f"{target}.{q(f.column)} IS DISTINCT FROM EXCLUDED.{q(f.column)}" for f in changed
                )
                action = f"DO UPDATE SET {assignments}, imported_at = EXCLUDED.imported_at WHERE {differs}"
            return [
                *recorded,
                (
                    f"WITH merged AS ({insert} ON CONFLICT (team_id, external_id) {action} "
                    "RETURNING (xmax = 0) AS created) SELECT COUNT(*) FILTER (WHERE created), "
                    "COUNT(*) FILTER (WHERE NOT created) FROM merged",
                    (team, now),
                    "created_and_updated",
                ),
            ]
        # SQLite: counted by a SELECT first — the row count it reports is the connection's, which the
        # importing thread's own inserts change meanwhile
        same_row = f"{target}.team_id = %s AND {target}.external_id = {table}.external_id"
        steps: list[_Step] = [*recorded]
        if changed:
            assignments = ", ".join(f"{q(f.column)} = {_value(table, f)}" for f in changed)
            differs = " OR ".join(f"{target}.{q(f.column)} IS DISTINCT FROM {_value(table, f)}" for f in changed)
            steps += [
                (f"SELECT COUNT(*) FROM {table} JOIN {target} ON {same_row} WHERE {differs}", (team,), "count_updated"),
                (
                    f"UPDATE {target} SET {assignments}, imported_at = %s FROM {table} "
                    f"WHERE {same_row} AND ({differs})",
                    (now, team),
                    "run_if_updated",
                ),
            ]
        new = f"WHERE NOT EXISTS (SELECT 1 FROM {target} WHERE {same_row})"
        return [
            *steps,
            (f"SELECT COUNT(*) FROM {table} {new}", (team,), "count_created"),
            (f"{insert} {new}", (team, now, team), "run_if_created"),
        ]

    def _date_positions(self) -> list[int]:
        return [
            i
            for i, name in enumerate(self.staged_names)
            if isinstance(self.model._meta.get_field(name), models.DateField)
        ]


#: SQLite's page cache while a deferred staging merges (KiB): the merge holds the one write lock, and a
#: cache that keeps the table's and its index's pages cut a 500 000-row merge by a third. Only while it runs.
MERGE_CACHE_KIB = 256 * 1024


@contextmanager
def merge_settings() -> Iterator[None]:
    """The SQLite connection while it merges: a large page cache; no checkpoint at its commit — the
    write-ahead log the merge filled is copied into the database file right after, by this connection
    (a passive checkpoint: nobody waits for it), rather than at the commit of whoever writes next (a
    plan edit would pay for the import's hundreds of megabytes)."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA main.cache_size")
        usual = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA main.wal_autocheckpoint")
        pages = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA main.cache_size = -{MERGE_CACHE_KIB}")
        cursor.execute("PRAGMA main.wal_autocheckpoint = 0")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA main.cache_size = {usual}")
            if not connection.in_atomic_block:
                cursor.execute("PRAGMA main.wal_checkpoint(PASSIVE)")
            cursor.execute(f"PRAGMA main.wal_autocheckpoint = {pages}")


def import_lock(team: Team, model: type[models.Model]) -> None:
    """Imports of ``model`` into ``team`` take turns, until the caller's transaction ends. PostgreSQL: a
    transaction-level advisory lock on (team, table), so that neither the team's row nor any plan is
    locked — only the rows the import writes are. SQLite: the transaction already holds the one write
    lock (``transaction_mode`` IMMEDIATE)."""
    if connection.vendor != "postgresql":
        return
    kind = zlib.crc32(model._meta.db_table.encode()) & 0x7FFFFFFF
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", (int(team.pk) % 2**31, kind))


_Step = tuple[str, tuple[Any, ...], str]  # SQL, parameters, what its result says (see ``_Statements.merge``)


@dataclass(frozen=True)
class _Statements:
    """How a batch is staged into staging table n, and how that table is merged (then emptied)."""

    postgres: bool
    stage_sql: list[str]
    merge_steps: list[list[_Step]]
    empty_sql: list[str]

    def stage(self, cursor: Any, table: int, rows: list[tuple[Any, ...]]) -> None:
        if self.postgres:
            with cursor.copy(self.stage_sql[table]) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(self.stage_sql[table], rows)

    def merge(self, cursor: Any, table: int, empty: bool) -> tuple[int, int]:
        """(created, updated) by merging staging table n, emptied afterwards when ``empty``."""
        created = updated = 0
        for sql, params, result in self.merge_steps[table]:
            if (result == "run_if_updated" and not updated) or (result == "run_if_created" and not created):
                continue
            cursor.execute(sql, params)
            if result == "count_updated":
                updated = int(cursor.fetchone()[0])
            elif result == "count_created":
                created = int(cursor.fetchone()[0])
            elif result == "created_rows":
                created = cursor.rowcount
            elif result == "created_and_updated":
                created, updated = (int(n) for n in cursor.fetchone())
        if empty:
            cursor.execute(self.empty_sql[table])
        return created, updated


class _Attributes:
    """A mapping read as attributes (missing keys are None), so that mappings stage like records."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        return self._values.get(name)


def _value(table: str, field: models.Field[Any, Any]) -> str:
    """A staged value as the column keeps it: text columns hold '' rather than NULL."""
    column = f"{table}.{connection.ops.quote_name(field.column)}"
    return f"COALESCE({column}, '')" if isinstance(field, models.CharField) else column


def _as_dates(values: tuple[Any, ...], positions: list[int]) -> tuple[Any, ...]:
    """Date columns keep the day of a date-time, as written (its own offset, not converted)."""
    listed = list(values)
    for i in positions:
        if isinstance(listed[i], dt.datetime):
            listed[i] = listed[i].date()
    return tuple(listed)


def _empty_value(field: models.Field[Any, Any]) -> str | None:
    """What a new row holds in a column the file did not feed: NULL, or '' for text."""
    if field.null:
        return None
    if isinstance(field, models.CharField):
        return ""
    raise ValueError(f"{field.model.__name__}.{field.name} needs a value: the import must feed it")


def _empty(field: models.Field[Any, Any]) -> str:
    """``_empty_value`` as SQL."""
    return "NULL" if _empty_value(field) is None else "''"
