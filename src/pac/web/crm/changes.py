"""What each opportunities import changes, recorded field by field (``OpportunityChange``): stage, amount,
expected close and outcome, old and new, so that the pipeline can be read back as it stood on a past day
(an import replaces the canonical row; only this history remembers what it held).

Why SQL run by the staging's merge, before each batch is merged: the comparison is the merge's own (the
same staged values against the same stored row), it costs one set-based statement per batch, and it runs
in the import's transaction — a refused import, a dry run or a failure leaves no change behind. Bounded:
an import adds one row per tracked field it actually changes (or sets, for a new deal), none for a deal
left as it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.utils import timezone

from pac.engine.canonical import TRACKED_FIELDS
from pac.web.crm.models import OpportunityChange

CHANGE_COLUMNS = ", ".join(f'"{c}"' for c in ("team_id", "opportunity", "field", "old", "new", "recorded", "job"))
#: The job's id, typed: PostgreSQL types a NULL met in every branch of a UNION as text, not as the job's column.
_JOB = "CAST(%s AS BIGINT)"
Step = tuple[str, tuple[Any, ...], str]  # as ``staging._Step``: SQL, parameters, what its result says


@dataclass(frozen=True)
class ChangeLog:
    """One import's record of changes: its moment (shared by all its rows) and its job, if any."""

    job_id: int | None = None
    recorded: dt.datetime = field(default_factory=lambda: _to_the_millisecond(timezone.now()))

    def batch_steps(
        self,
        staged: str,
        target: str,
        fields: list[models.Field[Any, Any]],
        fed: frozenset[str],
        team: int,
        into: str | None = None,
    ) -> list[Step]:
        """The statement recording what merging the staging table ``staged`` (quoted) will change: a
        field whose staged value differs from the stored one, or any set field of a deal not stored yet.
        The staged rows are joined to the stored ones once (a materialised CTE, kept to the rows that
        differ), then read once per field: a join per field cost as much as the merge itself. On PostgreSQL
        each staged row probes the unique index (a LATERAL lookup, LIMIT 1 keeping the planner from making it
        a hash join, which would read the team's whole table for every batch), as the merge's upsert does."""
        tracked = [f for f in fields if f.name in TRACKED_FIELDS and f.name in fed]
        if not tracked:
            return []
        q = connection.ops.quote_name
        pairs = [(f"stored.{q(item.column)}", _staged(staged, item)) for item in tracked]
        shown = ", ".join(
            f"{_text(stored, item)} AS old_{i}, {_text(new, item)} AS new_{i}"
            for i, ((stored, new), item) in enumerate(zip(pairs, tracked, strict=True))
        )
        differs = " OR ".join(f"{stored} IS DISTINCT FROM {new}" for stored, new in pairs)
        if connection.vendor == "postgresql":
            lookup = (
                f"LEFT JOIN LATERAL (SELECT * FROM {target} WHERE team_id = %s AND external_id = "
                f"{staged}.external_id LIMIT 1) AS stored ON TRUE"
            )
        else:
            lookup = (
                f"LEFT JOIN {target} AS stored ON stored.team_id = %s AND stored.external_id = {staged}.external_id"
            )
        joined = (
            f"WITH joined AS MATERIALIZED (SELECT {staged}.external_id AS opportunity, stored.id AS known, {shown} "
            f"FROM {staged} {lookup} WHERE stored.id IS NULL OR {differs})"
        )
        selects = [
            f"SELECT %s, opportunity, '{item.name}', old_{i}, new_{i}, %s, {_JOB} FROM joined "
            f"WHERE CASE WHEN known IS NULL THEN new_{i} <> '' ELSE old_{i} <> new_{i} END"
            for i, item in enumerate(tracked)
        ]
        params = (team, *((team, self._recorded(), self.job_id) * len(tracked)))
        return [(f"{joined} {self._insert(into)} {' UNION ALL '.join(selects)}", params, "run")]

    def fresh_step(self, target: str, fields: list[models.Field[Any, Any]], fed: frozenset[str], team: int) -> Step:
        """After an import into a team that had no opportunity: every stored deal is new, each set field
        recorded from the table itself (the rows were copied there without a staging table)."""
        q = connection.ops.quote_name
        tracked = [f for f in fields if f.name in TRACKED_FIELDS and f.name in fed]
        selects = [
            f"SELECT team_id, external_id, '{item.name}', '', {_text(q(item.column), item)}, %s, {_JOB} FROM {target} "
            f"WHERE team_id = %s AND {_set(q(item.column), item)}"
            for item in tracked
        ]
        if not selects:
            return ("SELECT 1", (), "run")
        params = (self._recorded(), self.job_id, team) * len(tracked)
        return (f"{self._insert()} {' UNION ALL '.join(selects)}", params, "run")

    def _insert(self, into: str | None = None) -> str:
        """``into``: another table of the same columns (quoted), where the changes are worked out before
        they are recorded (SQLite's deferred staging, outside the write lock)."""
        q = connection.ops.quote_name
        return f"INSERT INTO {into or q(OpportunityChange._meta.db_table)} ({CHANGE_COLUMNS})"

    def prepared_table_sql(self, table: str) -> str:
        """An empty temporary table (``table``, quoted) shaped like the history, to work changes out in."""
        source = connection.ops.quote_name(OpportunityChange._meta.db_table)
        return f"CREATE TEMPORARY TABLE {table} AS SELECT {CHANGE_COLUMNS} FROM {source} WHERE 1 = 0"

    def record_prepared_sql(self, table: str) -> str:
        """Record the changes worked out in ``table`` (quoted): one plain copy."""
        return f"{self._insert()} SELECT {CHANGE_COLUMNS} FROM {table}"

    def _recorded(self) -> Any:
        return connection.ops.adapt_datetimefield_value(self.recorded)


def _to_the_millisecond(moment: dt.datetime) -> dt.datetime:
    """Ibis reads SQLite's timestamps to the millisecond, rounded: a moment kept finer would read later
    than itself, and an as-of view at the moment of an import would miss that import."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _staged(table: str, item: models.Field[Any, Any]) -> str:
    """A staged value as the column keeps it (text: '' for none), as the merge compares it."""
    column = f"{table}.{connection.ops.quote_name(item.column)}"
    return f"COALESCE({column}, '')" if isinstance(item, models.CharField) else column


def _set(value: str, item: models.Field[Any, Any]) -> str:
    return f"{value} <> ''" if isinstance(item, models.CharField) else f"{value} IS NOT NULL"


def _text(value: str, item: models.Field[Any, Any]) -> str:
    """A value as the history keeps it, the same on SQLite and PostgreSQL whatever their settings: text as
    written, a day as 2026-03-31, an amount with two decimals (SQLite keeps 14500.00 as the integer 14500);
    '' for none."""
    if isinstance(item, models.CharField):
        shown = value
    elif connection.vendor == "sqlite":
        shown = f"CASE WHEN typeof({value}) IN ('integer', 'real') THEN printf('%.2f', {value}) ELSE {value} END"
    elif isinstance(item, models.DateField):
        shown = f"to_char({value}, 'YYYY-MM-DD')"  # not CAST: its form follows the server's DateStyle
    else:
        shown = f"CAST({value} AS TEXT)"
    return f"COALESCE({shown}, '')"
