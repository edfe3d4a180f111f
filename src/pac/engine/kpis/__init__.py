"""KPI engine: every KPI of KPI.md as Ibis expressions over the canonical tables.

The same code runs wherever Ibis does: DuckDB over a directory of Parquet/CSV files
(:func:`tables_from_directory`), the app database through its own DB-API connection
(:func:`tables_from_backend` with ``ibis.sqlite.from_connection`` / ``ibis.postgres.from_connection``)
and PySpark. The engine never reads the clock: ``as_of`` is always a parameter.

:func:`compute_kpis` returns tidy rows, the ``pac kpis --json`` contract of DESIGN.md::

    {"kpi", "value", "unit", "period", "by": {dim: value}, "status": "ok" | "not_computable", "reason", …}

A KPI that cannot be computed (missing table or column, empty denominator, data that cannot support
it) gets a ``not_computable`` row saying why (a code and its parameters, see :mod:`.reasons`); its
value is ``None``, never 0. Only the KPIs asked for are computed.

Where things live: :mod:`.definitions` (what each KPI is), :mod:`.tables` (loading and typing),
:mod:`.runner` (the registry and the query runner), :mod:`.periods`, :mod:`.reasons`, and one module
per family: :mod:`.leads`, :mod:`.activities`, :mod:`.deals`, :mod:`.pipeline`, :mod:`.customers`, :mod:`.stages`.
"""

from pac.engine.kpis import activities, customers, deals, leads, pipeline, stages  # noqa: F401  (they register their KPIs)
from pac.engine.kpis.definitions import (
    CANCELLED_OUTCOMES,
    KPIS,
    LABELS,
    STAGE_ORDER,
    KpiDefinition,
    KpiRow,
    KpiSettings,
)
from pac.engine.kpis.periods import PERIODS, Period
from pac.engine.kpis.reasons import Reason, explain
from pac.engine.kpis.runner import COMPUTE, compute_kpis
from pac.engine.kpis.tables import TableSource, canonical_tables, tables_from_backend, tables_from_directory

__all__ = [
    "CANCELLED_OUTCOMES",
    "COMPUTE",
    "KPIS",
    "LABELS",
    "PERIODS",
    "STAGE_ORDER",
    "KpiDefinition",
    "KpiRow",
    "KpiSettings",
    "Period",
    "Reason",
    "TableSource",
    "canonical_tables",
    "compute_kpis",
    "explain",
    "tables_from_backend",
    "tables_from_directory",
]
