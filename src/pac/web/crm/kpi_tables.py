"""The team's canonical tables as Ibis tables on Django's own database connection, so that the KPI
engine reads the same data, in the same transaction, as the ORM (SQLite or PostgreSQL)."""

from __future__ import annotations

from typing import Any

from django.db import connection

from pac.web.accounts.models import Team
from pac.web.crm.models import KINDS, RECORDED


class _InsideDjangosTransaction:
    """Django's SQLite connection as Ibis may use it: everything passes through except commit and
    rollback, which belong to Django's transaction (Ibis's SQLite backend commits after each query,
    which would end the request's — or a test's — transaction under the ORM's feet)."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def commit(self) -> None:
        """The surrounding Django transaction decides."""

    def rollback(self) -> None:
        """The surrounding Django transaction decides."""

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        """Everything but the pragma Ibis sets on connecting, ``case_sensitive_like = ON``: it would stay on
        Django's connection and make every later ``iexact``/``icontains`` of the ORM case-sensitive (an
        erasure then missed « ALEX@VENTES.FR »)."""
        if " ".join(sql.split()).lower() == "pragma case_sensitive_like = on":
            return None
        return self._connection.execute(sql, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def team_tables(team: Team) -> dict[str, Any]:
    """Ibis tables of the team's canonical rows (columns already named as the canonical fields), and of
    what its imports recorded (``opportunity_changes``)."""
    import ibis

    from pac.engine.kpis import TableSource, tables_from_backend

    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":  # psycopg's transaction() nests as a savepoint: safe as it is
        backend = ibis.postgres.from_connection(raw)
    elif connection.vendor == "sqlite":
        backend = ibis.sqlite.from_connection(_InsideDjangosTransaction(raw))
    else:  # pragma: no cover - the settings only allow these two
        raise RuntimeError(f"no KPI engine for the {connection.vendor} database")
    sources = {
        kind: TableSource(table=model._meta.db_table, where={"team_id": team.pk})
        for kind, model in KINDS.items()
        if model.objects.filter(team=team).exists()
    }
    sources.update(
        {
            name: TableSource(table=model._meta.db_table, where={"team_id": team.pk})
            for name, model in RECORDED.items()
            if model._default_manager.filter(team=team).exists()
        }
    )
    return tables_from_backend(backend, sources)
