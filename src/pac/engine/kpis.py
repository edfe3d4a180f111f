"""KPI engine: every KPI of KPI.md as Ibis expressions over the canonical tables.

The same code runs wherever Ibis does: DuckDB over a directory of Parquet/CSV files
(:func:`tables_from_directory`), the app database through its own DB-API connection
(:func:`tables_from_backend` with ``ibis.sqlite.from_connection`` / ``ibis.postgres.from_connection``)
and PySpark. The engine never reads the clock: ``as_of`` is always a parameter.

:func:`compute_kpis` returns tidy rows, exactly the ``pac kpis --json`` contract of DESIGN.md::

    {"kpi", "value", "unit", "period", "by": {dim: value}, "status": "ok" | "not_computable", "reason"}

A KPI that cannot be computed (missing table or column, empty denominator, data that cannot support
it) gets a ``not_computable`` row saying why; its value is ``None``, never 0. Every definition is in
:data:`KPIS` and documented in ``docs/kpis.md``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict

import ibis  # type: ignore[import-untyped]  # ibis 12 ships no py.typed
import ibis.expr.operations as ops  # type: ignore[import-untyped]  # ibis 12 ships no py.typed
import ibis.expr.types as ir  # type: ignore[import-untyped]  # ibis 12 ships no py.typed
from ibis.backends import BaseBackend  # type: ignore[import-untyped]  # ibis 12 ships no py.typed

Period = Literal["week", "month", "quarter"]
PERIODS: tuple[Period, ...] = ("week", "month", "quarter")
_TRUNCATE = {"week": "W", "month": "M", "quarter": "Q"}

CANONICAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "opportunities": (
        "external_id",
        "name",
        "account",
        "owner",
        "segment",
        "channel",
        "product",
        "stage",
        "outcome",
        "amount",
        "currency",
        "created",
        "closed",
        "forecast_category",
    ),
    "activities": ("external_id", "kind", "owner", "account", "opportunity", "scheduled", "held", "outcome"),
    "leads": ("external_id", "created", "mql_at", "sql_at", "channel", "campaign", "account", "owner", "opportunity"),
    "accounts": ("external_id", "name", "segment", "strategic", "potential", "owner"),
    "contacts": ("external_id", "account", "name", "email", "persona", "opted_out"),
    "subscriptions": ("external_id", "account", "start", "end", "mrr"),
    "costs": ("period_start", "period_end", "channel", "category", "amount"),
}
_DATES = {
    "opportunities": {"created", "closed"},
    "activities": {"scheduled"},
    "leads": {"created", "mql_at", "sql_at"},
    "subscriptions": {"start", "end"},
    "costs": {"period_start", "period_end"},
}
_NUMBERS = {"opportunities": {"amount"}, "subscriptions": {"mrr"}, "costs": {"amount"}, "accounts": {"potential"}}
_BOOLEANS = {"activities": {"held"}, "accounts": {"strategic"}, "contacts": {"opted_out"}}
#: Codes compared with fixed lower-case values: read case-insensitively.
_CODES = {"opportunities": {"outcome"}, "activities": {"kind"}}
_TRUE = ("true", "t", "1", "yes", "y", "oui", "vrai")
_FALSE = ("false", "f", "0", "no", "n", "non", "faux")

#: Stages of DESIGN.md, top to bottom: the order used to learn stage → won probabilities.
STAGE_ORDER: tuple[str, ...] = ("lead", "mql", "sql", "meeting", "demo", "proposal", "won")
#: Activity outcomes meaning the meeting did not stand as booked (a rebooked meeting counts once).
CANCELLED_OUTCOMES: tuple[str, ...] = ("cancelled", "canceled", "rescheduled", "rebooked")


class KpiRow(TypedDict):
    kpi: str
    value: float | None
    unit: str
    period: str | None
    by: dict[str, Any]
    status: Literal["ok", "not_computable"]
    reason: str | None


@dataclass(frozen=True)
class KpiDefinition:
    """What a KPI means: the text of docs/kpis.md in short, and the inputs it needs."""

    name: str
    unit: str
    formula: str
    denominator: str
    period: str
    empty: str
    needs: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class KpiSettings:
    """Parameters of one KPI run. ``remaining_target`` may be one figure or one per period label
    (``None`` key = the whole range); ``gross_margin`` is a fraction (0.8)."""

    as_of: dt.date
    by: tuple[str, ...] = ()
    period: Period | None = None
    start: dt.date | None = None
    mql_lag_days: int = 45
    remaining_target: float | Mapping[str | None, float] | None = None
    gross_margin: float | None = None
    adoption_days: int = 60
    trailing_months: int = 12
    stage_order: tuple[str, ...] = STAGE_ORDER


_O = "opportunities"
_CLOSED = ("outcome", "closed")
KPIS: dict[str, KpiDefinition] = {
    d.name: d
    for d in (
        KpiDefinition(
            "mql",
            "count",
            "leads whose mql_at falls in the period",
            "none (a count)",
            "mql_at",
            "no lead with an MQL date → not computable",
            {"leads": ("mql_at",)},
        ),
        KpiDefinition(
            "sql",
            "count",
            "leads whose sql_at falls in the period",
            "none (a count)",
            "sql_at",
            "no lead with an SQL date → not computable",
            {"leads": ("sql_at",)},
        ),
        KpiDefinition(
            "mql_to_sql",
            "ratio",
            "MQLs of the cohort with an sql_at ≤ as_of ÷ MQLs of the cohort",
            "leads with mql_at in the period and mql_at ≤ as_of − lag",
            "mql_at (cohort)",
            "no MQL old enough, or no SQL date anywhere in the data → not computable",
            {"leads": ("mql_at", "sql_at")},
        ),
        KpiDefinition(
            "mql_to_won",
            "ratio",
            "MQLs of the cohort whose opportunity is won ÷ MQLs of the cohort",
            "leads with mql_at in the period and mql_at ≤ as_of − lag",
            "mql_at (cohort)",
            "no MQL old enough → not computable",
            {"leads": ("mql_at", "opportunity"), _O: ("external_id", "outcome")},
        ),
        KpiDefinition(
            "no_show_rate",
            "ratio",
            "booked meetings/demos not held ÷ booked meetings/demos held or not",
            "meetings and demos scheduled before as_of with held known, cancelled/rescheduled excluded",
            "scheduled",
            "no past meeting with a known outcome → not computable",
            {"activities": ("kind", "scheduled", "held")},
        ),
        KpiDefinition(
            "win_rate",
            "ratio",
            "won ÷ (won + lost)",
            "opportunities closed in the period, outcome "
            "won or lost (lost = outcome lost, whatever the stage name); open ones never",
            "closed",
            "no opportunity closed → not computable",
            {_O: _CLOSED},
        ),
        KpiDefinition(
            "win_rate_value",
            "ratio",
            "won amount ÷ (won amount + lost amount)",
            "amounts of opportunities closed won or lost in the period",
            "closed",
            "lost amounts all 0/blank (e.g. Maven) or no amount → not computable",
            {_O: (*_CLOSED, "amount")},
        ),
        KpiDefinition(
            "average_deal",
            "currency",
            "mean amount of won opportunities",
            "won opportunities closed in the period with an amount",
            "closed",
            "no won opportunity with an amount → not computable",
            {_O: (*_CLOSED, "amount")},
        ),
        KpiDefinition(
            "average_deal_median",
            "currency",
            "median amount of won opportunities",
            "as average_deal",
            "closed",
            "as average_deal",
            {_O: (*_CLOSED, "amount")},
        ),
        KpiDefinition(
            "sales_cycle",
            "days",
            "mean of closed − created, in days, of won opportunities",
            "won opportunities closed in the period with both dates",
            "closed",
            "no won opportunity with both dates → not computable",
            {_O: (*_CLOSED, "created")},
        ),
        KpiDefinition(
            "sales_cycle_median",
            "days",
            "median of closed − created of won opportunities",
            "as sales_cycle",
            "closed",
            "as sales_cycle",
            {_O: (*_CLOSED, "created")},
        ),
        KpiDefinition(
            "pipeline_coverage",
            "ratio",
            "open amount expected to close in the period ÷ remaining target",
            "remaining_target (a parameter)",
            "closed (expected close date of open opportunities)",
            "no remaining target given, or target ≤ 0 → not computable",
            {_O: (*_CLOSED, "amount")},
        ),
        KpiDefinition(
            "sales_velocity",
            "currency/day",
            "open opportunities at period end × win_rate × average_deal ÷ sales_cycle",
            "sales_cycle of the period (days)",
            "closed (rates); open count at period end",
            "any factor not computable or a zero cycle → not computable",
            {_O: (*_CLOSED, "created", "amount")},
        ),
        KpiDefinition(
            "cac",
            "currency",
            "costs of the period ÷ new customers won in the period",
            "new customers: accounts whose first won opportunity closed in the period",
            "costs.period_start; first won close date",
            "no new customer → not computable",
            {"costs": ("period_start", "amount"), _O: (*_CLOSED, "account")},
        ),
        KpiDefinition(
            "customer_churn",
            "ratio",
            "monthly rate: 1 − (1 − churned ÷ customers at start)^(1/months)",
            "customers (accounts with MRR > 0) at the start of the window",
            "window start",
            "no customer at the start → not computable",
            {"subscriptions": ("account", "start", "mrr")},
        ),
        KpiDefinition(
            "arpa",
            "currency",
            "MRR at the window end ÷ accounts with MRR > 0 at the window end",
            "paying accounts at the window end",
            "window end",
            "no paying account → not computable",
            {"subscriptions": ("account", "start", "mrr")},
        ),
        KpiDefinition(
            "ltv",
            "currency",
            "arpa × gross_margin ÷ customer_churn (monthly)",
            "customer_churn",
            "window",
            "no gross margin given, or churn 0 or not computable → not computable",
            {"subscriptions": ("account", "start", "mrr")},
        ),
        KpiDefinition(
            "ltv_cac",
            "ratio",
            "ltv ÷ cac",
            "cac",
            "period of both",
            "either not computable → not computable",
            {
                "subscriptions": ("account", "start", "mrr"),
                "costs": ("period_start", "amount"),
                _O: (*_CLOSED, "account"),
            },
        ),
        KpiDefinition(
            "cac_payback",
            "months",
            "cac ÷ (arpa × gross_margin)",
            "arpa × gross_margin",
            "period of both",
            "either not computable or no gross margin → not computable",
            {
                "subscriptions": ("account", "start", "mrr"),
                "costs": ("period_start", "amount"),
                _O: (*_CLOSED, "account"),
            },
        ),
        KpiDefinition(
            "nrr",
            "ratio",
            "Σ MRR at window end of the starting customers ÷ Σ their MRR at window start",
            "MRR at the window start of accounts paying then (SaaS Capital cohort)",
            "window start",
            "no MRR at the start → not computable",
            {"subscriptions": ("account", "start", "mrr")},
        ),
        KpiDefinition(
            "grr",
            "ratio",
            "Σ min(MRR at end, MRR at start) of the starting customers ÷ Σ MRR at start",
            "as nrr",
            "window start",
            "as nrr",
            {"subscriptions": ("account", "start", "mrr")},
        ),
        KpiDefinition(
            "weighted_pipeline",
            "currency",
            "Σ amount × P(won | stage) over open opportunities",
            "none (a sum); P learnt from closed history",
            "closed (expected close date)",
            "no closed history to learn from → not computable",
            {_O: (*_CLOSED, "stage", "amount")},
        ),
        KpiDefinition(
            "adoption_60",
            "ratio",
            "new customers still subscribed adoption_days after their first start ÷ new customers",
            "accounts whose first subscription starts in the period, at least adoption_days before as_of",
            "first subscription start",
            "no such customer → not computable",
            {"subscriptions": ("account", "start", "mrr")},
        ),
    )
}


# --------------------------------------------------------------------------- loading tables


@dataclass(frozen=True)
class TableSource:
    """Where a canonical table lives in a SQL database: its table name, the SQL column of each canonical
    column whose name differs, and equality filters (e.g. ``{"team_id": 3}``)."""

    table: str
    columns: Mapping[str, str] = field(default_factory=dict)
    where: Mapping[str, object] = field(default_factory=dict)
    database: str | None = None


def tables_from_directory(path: str | Path, backend: BaseBackend | None = None) -> dict[str, ir.Table]:
    """One file per canonical table (``opportunities.parquet`` or ``opportunities.csv``) read with DuckDB
    (or the given backend). CSV columns are read as text and typed by :func:`canonical_tables`."""
    con: Any = backend if backend is not None else ibis.duckdb.connect()
    folder = Path(path)
    tables: dict[str, ir.Table] = {}
    for name in CANONICAL_COLUMNS:
        parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
        if parquet.exists():
            tables[name] = con.read_parquet(str(parquet), table_name=name)
        elif csv.exists():
            tables[name] = con.read_csv(str(csv), table_name=name, all_varchar=True, header=True)
    return canonical_tables(tables)


def tables_from_backend(backend: BaseBackend, sources: Mapping[str, TableSource]) -> dict[str, ir.Table]:
    """Canonical tables from a database backend, e.g. ``ibis.postgres.from_connection(connection)``."""
    tables: dict[str, ir.Table] = {}
    for name, source in sources.items():
        table = backend.table(source.table, database=source.database)
        for column, value in source.where.items():
            table = table.filter(table[column] == value)
        renames = {canonical: sql for canonical, sql in source.columns.items() if sql in table.columns}
        wanted = [c for c in CANONICAL_COLUMNS.get(name, ()) if renames.get(c, c) in table.columns]
        tables[name] = table.select(**{c: table[renames.get(c, c)] for c in wanted})
    return canonical_tables(tables)


def canonical_tables(tables: Mapping[str, ir.Table]) -> dict[str, ir.Table]:
    """Type the canonical columns whatever the source gave (text from CSV or SQLite, timestamps…):
    dates become dates, amounts float64, flags booleans, everything else text; '' becomes NULL."""
    return {name: _typed(name, table) for name, table in tables.items() if name in CANONICAL_COLUMNS}


def _typed(name: str, table: ir.Table) -> ir.Table:
    quick = table._find_backend(use_default=True).name == "duckdb"
    typed: dict[str, ir.Value] = {}
    for column in table.columns:
        if column not in CANONICAL_COLUMNS[name]:
            continue
        value = table[column]
        dtype = value.type()
        if column in _DATES.get(name, ()):
            if dtype.is_string():
                typed[column] = _text(value, quick=quick).substr(0, 10).cast("date")
            elif dtype.is_timestamp():
                typed[column] = value.cast("timestamp").date()
            else:
                typed[column] = value.cast("date")
        elif column in _NUMBERS.get(name, ()):
            typed[column] = _text(value, quick=quick).cast("float64") if dtype.is_string() else value.cast("float64")
        elif column in _BOOLEANS.get(name, ()):
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
    for column in _CODES.get(name, set()) & typed.keys():
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


# --------------------------------------------------------------------------- computing


def compute_kpis(
    tables: Mapping[str, ir.Table],
    *,
    as_of: dt.date,
    by: Sequence[str] = (),
    period: Period | None = None,
    kpis: Iterable[str] | None = None,
    start: dt.date | None = None,
    mql_lag_days: int = 45,
    remaining_target: float | Mapping[str | None, float] | None = None,
    gross_margin: float | None = None,
    adoption_days: int = 60,
    trailing_months: int = 12,
    stage_order: Sequence[str] = STAGE_ORDER,
) -> list[KpiRow]:
    """Tidy KPI rows for ``kpis`` (default: all of :data:`KPIS`), from canonical tables typed by
    :func:`canonical_tables`, counting only what happened on or before ``as_of`` (and from ``start``)."""
    if period is not None and period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    names = list(KPIS) if kpis is None else list(kpis)
    unknown = [n for n in names if n not in KPIS]
    if unknown:
        raise ValueError(f"unknown KPI: {', '.join(unknown)} (known: {', '.join(KPIS)})")
    settings = KpiSettings(
        as_of=as_of,
        by=tuple(by),
        period=period,
        start=start,
        mql_lag_days=mql_lag_days,
        remaining_target=remaining_target,
        gross_margin=gross_margin,
        adoption_days=adoption_days,
        trailing_months=trailing_months,
        stage_order=tuple(stage_order),
    )
    run = _Run(dict(tables), settings, _with_inputs(names))
    rows: list[KpiRow] = []
    for name in names:
        rows.extend(run.kpi(name))
    return rows


Record = dict[str, Any]
Key = tuple[str | None, tuple[Any, ...]]

#: KPIs made from other KPIs: asking for one brings those into the run.
_INPUTS: dict[str, tuple[str, ...]] = {
    "sales_velocity": ("win_rate", "average_deal", "sales_cycle"),
    "ltv": ("arpa", "customer_churn"),
    "ltv_cac": ("ltv", "cac"),
    "cac_payback": ("cac", "arpa"),
}


def _with_inputs(names: Iterable[str]) -> set[str]:
    """``names`` and, recursively, the KPIs they are made from."""
    wanted: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(_INPUTS.get(name, ()))
    return wanted


def _won_with(t: ir.Table, column: str) -> ir.BooleanValue:
    return (t.outcome == "won") & t[column].notnull()


def _cycle_days(t: ir.Table) -> ir.IntegerValue:
    return t.closed.delta(t.created, unit="day")


#: Figures of one group of opportunities (by close date), from their flags ``_won`` and ``_lost`` (see
#: _Run.closed_deals_query): each keeps to the closed deals, won or lost. Medians are quantile(0.5), the same
#: exact, interpolated function as median() on DuckDB, PostgreSQL and Spark, because ibis 12 compiles
#: median(where=…) on Spark as a percentile whose fraction is filtered too, which Spark rejects.
_DEAL_FIGURES: dict[str, Callable[[ir.Table], ir.Scalar]] = {
    "closed_n": lambda t: t.count(where=t._won | t._lost),
    "won_n": lambda t: t.count(where=t._won),
    "deal_total": lambda t: t.amount.sum(where=t._won),
    "lost_total": lambda t: t.amount.sum(where=t._lost),
    "deal_n": lambda t: t.count(where=t._won & t.amount.notnull()),
    "deal_median": lambda t: t.amount.quantile(0.5, where=t._won & t.amount.notnull()),
    "cycle_total": lambda t: _cycle_days(t).sum(where=t._won),
    "cycle_n": lambda t: t.count(where=t._won & t.created.notnull()),
    "cycle_median": lambda t: _cycle_days(t).quantile(0.5, where=t._won & t.created.notnull()),
}
#: The figures each closed-deal KPI is computed from.
_DEAL_KPIS: dict[str, tuple[str, ...]] = {
    "win_rate": ("closed_n", "won_n"),
    "win_rate_value": ("deal_total", "lost_total", "closed_n", "won_n"),
    "average_deal": ("deal_total", "deal_n"),
    "average_deal_median": ("deal_n", "deal_median"),
    "sales_cycle": ("cycle_total", "cycle_n"),
    "sales_cycle_median": ("cycle_n", "cycle_median"),
}
_MEDIANS = ("deal_median", "cycle_median")
#: Families: KPIs computed from the rows of one aggregate query (see _Run.family).
_FAMILIES: dict[str, frozenset[str]] = {
    "closed_deals": frozenset(_DEAL_KPIS),
    "meetings": frozenset({"no_show_rate"}),
    "mql_cohort": frozenset({"mql_to_sql", "mql_to_won"}),
}


def _stacked(queries: Mapping[str, ir.Table]) -> ir.Table:
    """Several aggregates as one table (UNION ALL), each row tagged with its query's name in ``_family``;
    a column a query lacks is NULL in its rows."""
    schema: dict[str, Any] = {}
    for query in queries.values():
        for column, dtype in query.schema().items():
            schema.setdefault(column, dtype)
    return ibis.union(
        *(
            query.select(
                _family=ibis.literal(name),
                **{
                    column: query[column].cast(dtype) if column in query.columns else ibis.null(dtype)
                    for column, dtype in schema.items()
                },
            )
            for name, query in queries.items()
        )
    )


class _Missing(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Run:
    """One compute_kpis call. Queries shared by several KPIs run once per call (never across calls)."""

    def __init__(self, tables: dict[str, ir.Table], settings: KpiSettings, wanted: set[str]) -> None:
        self.tables = tables
        self.s = settings
        self.wanted = wanted
        self.cache: dict[str, dict[Key, tuple[float | None, str | None]]] = {}
        self.fetched: dict[str, list[Record]] = {}
        self.planned: dict[str, set[str]] = {}
        self.mrr_records: list[Record] | None = None
        self.median: bool | None = None

    # ---- rows

    def kpi(self, name: str) -> list[KpiRow]:
        definition = KPIS[name]
        try:
            for table, columns in definition.needs.items():
                self.need(table, columns)
            results = self.values(name)
        except _Missing as missing:
            return [self.row(name, None, None, (), missing.reason)]
        if not results:
            return [self.row(name, None, None, (), "no data in the range")]
        return [
            self.row(name, value, key[0], key[1], reason)
            for key, (value, reason) in sorted(results.items(), key=lambda kv: _sort_key(kv[0]))
        ]

    def row(
        self, name: str, value: float | None, period: str | None, by: tuple[Any, ...], reason: str | None
    ) -> KpiRow:
        dims = dict(zip(self.s.by, by, strict=False)) if by else {d: None for d in self.s.by}
        ok = value is not None and reason is None and math.isfinite(value)
        return KpiRow(
            kpi=name,
            value=float(value) if ok and value is not None else None,
            unit=KPIS[name].unit,
            period=period,
            by=dims,
            status="ok" if ok else "not_computable",
            reason=None if ok else (reason or "not a finite number"),
        )

    def values(self, name: str) -> dict[Key, tuple[float | None, str | None]]:
        if name not in self.cache:
            self.cache[name] = getattr(self, f"_{name}")()
        return self.cache[name]

    # ---- inputs

    def need(self, table: str, columns: Iterable[str]) -> ir.Table:
        if table not in self.tables:
            raise _Missing(f"no {table} table")
        t = self.tables[table]
        missing = [c for c in columns if c not in t.columns]
        if missing:
            raise _Missing(f"{table} has no column {', '.join(missing)}")
        return t

    def dims(self, table: str) -> None:
        missing = [d for d in self.s.by if d not in self.tables[table].columns]
        if missing:
            raise _Missing(f"{table} has no column {', '.join(missing)} to break down by")

    def bounded(self, t: ir.Table, column: str, *conditions: ir.BooleanValue) -> ir.Table:
        """``t`` where the date ``column`` is within as_of (and start) and ``conditions`` hold, in one filter."""
        date = t[column]
        within = [date.notnull(), date <= self.s.as_of] + ([date >= self.s.start] if self.s.start is not None else [])
        return t.filter(*conditions, *within)

    def narrowed(self, table: str, columns: Iterable[str], **flags: ir.Value) -> ir.Table:
        """``table`` cut to ``columns`` (those it has) and the breakdown's, plus ``flags`` computed from it: the
        typing of the other columns is then left out of the query, which ibis compiles and the database plans
        faster, and a flag read by several aggregates is computed once per row."""
        t = self.tables[table]
        return t.select(*(c for c in dict.fromkeys((*columns, *self.s.by)) if c in t.columns), **flags)

    def keys(self, t: ir.Table, column: str) -> dict[str, ir.Value]:
        keys: dict[str, ir.Value] = {}
        if self.s.period is not None:
            keys["_period"] = t[column].truncate(_TRUNCATE[self.s.period])
        for d in self.s.by:
            keys[d] = t[d]
        return keys

    def aggregated(
        self,
        t: ir.Table,
        column: str,
        metrics: Callable[[ir.Table], dict[str, ir.Scalar]],
        *conditions: ir.BooleanValue,
    ) -> ir.Table:
        """``metrics`` of ``t`` bounded by the date ``column`` (and ``conditions``), per period and dimensions."""
        t = self.bounded(t, column, *conditions)
        keys = self.keys(t, column)
        return t.group_by(**keys).aggregate(**metrics(t)) if keys else t.aggregate(**metrics(t))

    def grouped(self, t: ir.Table, column: str, metrics: Callable[[ir.Table], dict[str, ir.Scalar]]) -> list[Record]:
        return self.fetch(self.aggregated(t, column, metrics))

    def fetch(self, expr: ir.Table) -> list[Record]:
        records: list[Record] = expr.to_pyarrow().to_pylist()
        return records

    def key(self, record: Record) -> Key:
        start = record.get("_period")
        return (_label(start, self.s.period) if start is not None else None, tuple(record.get(d) for d in self.s.by))

    def ratio(
        self, records: list[Record], numerator: str, denominator: str, empty: str
    ) -> dict[Key, tuple[float | None, str | None]]:
        out: dict[Key, tuple[float | None, str | None]] = {}
        for r in records:
            den = r[denominator]
            if self.s.period is not None and r.get("_period") is None:
                continue
            out[self.key(r)] = (None, empty) if not den else ((r[numerator] or 0) / den, None)
        return out

    # ---- families

    def family(self, name: str, kpi: str) -> list[Record]:
        """The rows of family ``name``'s aggregate, with the figures of ``kpi``. The first use fetches the
        aggregates of every family the run wants, in one statement: a single round trip, and the database may
        scan their tables side by side (DuckDB does, on separate threads)."""
        self.wanted.add(kpi)
        if kpi not in self.planned.get(name, ()):  # not fetched yet, or without this KPI's figures
            self.fetched.pop(name, None)
            queries: dict[str, ir.Table] = {}
            for other, kpis in _FAMILIES.items():
                if other != name and (other in self.fetched or not any(map(self.computable, self.wanted & kpis))):
                    continue
                try:
                    queries[other] = self.family_query(other)
                except _Missing:
                    if other == name:
                        raise
            self.fetched.update(self.fetch_together(queries))
        return self.fetched[name]

    def family_query(self, name: str) -> ir.Table:
        kpis = {k for k in _FAMILIES[name] if k in self.wanted and self.computable(k)}
        queries = {
            "closed_deals": self.closed_deals_query,
            "meetings": self.meetings_query,
            "mql_cohort": self.mql_cohort_query,
        }
        query = queries[name](kpis)
        self.planned[name] = kpis
        return query

    def fetch_together(self, queries: Mapping[str, ir.Table]) -> dict[str, list[Record]]:
        if len(queries) == 1 or len({id(q._find_backend()) for q in queries.values()}) > 1:
            return {name: self.fetch(query) for name, query in queries.items()}
        records = self.fetch(_stacked(queries))
        return {name: [r for r in records if r["_family"] == name] for name in queries}

    def computable(self, name: str) -> bool:
        try:
            for table, columns in KPIS[name].needs.items():
                self.need(table, columns)
        except _Missing:
            return False
        return True

    def has_median(self) -> bool:
        """Whether the opportunities' backend computes exact medians in an aggregate (SQLite does not)."""
        if self.median is None:
            self.median = bool(self.tables[_O]._find_backend().has_operation(ops.Quantile))
        return self.median

    def window_medians(self, t: ir.Table, column: str, value: ir.Value) -> list[Record]:
        """Exact medians with window functions, for backends without MEDIAN (SQLite): the mean of the middle
        one or two values of each group."""
        t = self.bounded(t, column)
        t = t.mutate(_v=value).filter(lambda x: x._v.notnull())
        keys = self.keys(t, column)
        t = t.mutate(**keys) if keys else t
        names = list(keys)
        window = ibis.window(group_by=[t[k] for k in names], order_by=t._v) if names else ibis.window(order_by=t._v)
        ranked = t.mutate(
            _rn=ibis.row_number().over(window),
            _n=t._v.count().over(ibis.window(group_by=[t[k] for k in names]) if names else ibis.window()),
        )
        middle = ranked.filter((ranked._rn == (ranked._n - 1) // 2) | (ranked._rn == ranked._n // 2))
        expr = middle.group_by(names).aggregate(v=middle._v.mean()) if names else middle.aggregate(v=middle._v.mean())
        return self.fetch(expr)

    # ---- leads

    def _stage_count(self, column: str) -> dict[Key, tuple[float | None, str | None]]:
        leads = self.tables["leads"]
        self.dims("leads")
        records = self.grouped(leads, column, lambda t: {"n": t.count()})
        return {
            self.key(r): (float(r["n"]), None) for r in records if self.s.period is None or r.get("_period") is not None
        }

    def _mql(self) -> dict[Key, tuple[float | None, str | None]]:
        return self._stage_count("mql_at")

    def _sql(self) -> dict[Key, tuple[float | None, str | None]]:
        return self._stage_count("sql_at")

    def mql_cohort_query(self, kpis: set[str]) -> ir.Table:
        """The MQL cohort (MQLs old enough to have converted) per group, with those that reached SQL and, for
        mql_to_won, those whose opportunity is won."""
        self.dims("leads")
        cohort = self.narrowed("leads", (c for k in kpis for c in KPIS[k].needs["leads"]))
        if "mql_to_won" in kpis:
            opps = self.tables[_O]
            won = opps.filter(opps.outcome == "won").select(_won_id=opps.external_id).distinct()
            cohort = cohort.left_join(won, cohort.opportunity == won._won_id)

        def figures(t: ir.Table) -> dict[str, ir.Scalar]:
            out = {"mql_n": t.count()}
            if "mql_to_sql" in kpis:
                out["sql_n"] = (t.sql_at.notnull() & (t.sql_at <= self.s.as_of)).sum()
            if "mql_to_won" in kpis:
                out["converted_n"] = t._won_id.notnull().sum()
            return out

        return self.aggregated(
            cohort, "mql_at", figures, cohort.mql_at <= self.s.as_of - dt.timedelta(days=self.s.mql_lag_days)
        )

    def _mql_to_sql(self) -> dict[Key, tuple[float | None, str | None]]:
        leads = self.tables["leads"]
        if not self.fetch(leads.filter(leads.sql_at.notnull()).limit(1).select("sql_at")):
            raise _Missing("no lead has an SQL date: the data has no SQL stage")
        return self.ratio(
            self.family("mql_cohort", "mql_to_sql"), "sql_n", "mql_n", f"no MQL older than {self.s.mql_lag_days} days"
        )

    def _mql_to_won(self) -> dict[Key, tuple[float | None, str | None]]:
        return self.ratio(
            self.family("mql_cohort", "mql_to_won"),
            "converted_n",
            "mql_n",
            f"no MQL older than {self.s.mql_lag_days} days",
        )

    # ---- activities

    def meetings_query(self, kpis: set[str]) -> ir.Table:
        """Booked meetings and demos per group, and those not held. Being a meeting (a condition on text
        columns) is counted in the aggregate rather than filtered in WHERE, like the closed outcome of deals:
        DuckDB evaluates a WHERE condition inside its Parquet scan, where the typed text (see _text) costs
        it about twice as much as in the projection feeding the aggregate."""
        self.dims("activities")
        acts = self.tables["activities"]
        booked = acts.kind.isin(("meeting", "demo"))
        if "outcome" in acts.columns:
            booked &= acts.outcome.isnull() | ~acts.outcome.lower().isin(CANCELLED_OUTCOMES)
        acts = self.narrowed("activities", ("scheduled", "held"), _booked=booked)
        return self.aggregated(
            acts,
            "scheduled",
            lambda t: {"booked": t.count(where=t._booked), "missed": t.count(where=t._booked & ~t.held)},
            acts.scheduled < self.s.as_of,
            acts.held.notnull(),
        )

    def _no_show_rate(self) -> dict[Key, tuple[float | None, str | None]]:
        records = self.groups_with(self.family("meetings", "no_show_rate"), "booked")
        return self.ratio(records, "missed", "booked", "no past meeting with a known outcome")

    # ---- opportunities

    def closed(self) -> ir.Table:
        opps = self.tables[_O]
        self.dims(_O)
        return opps.filter(opps.outcome.isin(("won", "lost")))

    def closed_deals(self, kpi: str) -> list[Record]:
        """The closed-deal family's groups, with the figures ``kpi`` is computed from."""
        return self.groups_with(self.family("closed_deals", kpi), "closed_n")

    def closed_deals_query(self, kpis: set[str]) -> ir.Table:
        """The figures of the closed-deal KPIs ``kpis``, from one aggregate over the opportunities by close date
        (medians as filtered aggregates, where the backend has MEDIAN). Each figure keeps to the closed deals
        itself, rather than a WHERE on the outcome: see meetings_query."""
        self.dims(_O)
        figures = [f for f in _DEAL_FIGURES if f == "closed_n" or any(f in _DEAL_KPIS[k] for k in kpis)]
        if not self.has_median():
            figures = [f for f in figures if f not in _MEDIANS]
        opps = self.tables[_O]
        opps = self.narrowed(
            _O,
            (c for k in kpis for c in KPIS[k].needs[_O] if c != "outcome"),
            _won=opps.outcome == "won",
            _lost=opps.outcome == "lost",
        )
        return self.aggregated(opps, "closed", lambda t: {f: _DEAL_FIGURES[f](t) for f in figures})

    def groups_with(self, records: list[Record], count: str) -> list[Record]:
        """The groups where ``count`` counted something: a period or breakdown without any has no row, as in
        a query over those rows alone; the whole range (no period, no breakdown) always has its row."""
        if self.s.period is None and not self.s.by:
            return records
        return [r for r in records if r[count]]

    def _win_rate(self) -> dict[Key, tuple[float | None, str | None]]:
        return self.ratio(self.closed_deals("win_rate"), "won_n", "closed_n", "no opportunity closed")

    def _win_rate_value(self) -> dict[Key, tuple[float | None, str | None]]:
        out: dict[Key, tuple[float | None, str | None]] = {}
        for r in self.closed_deals("win_rate_value"):
            if self.s.period is not None and r.get("_period") is None:
                continue
            won, lost = r["deal_total"] or 0, r["lost_total"] or 0
            if (r["closed_n"] or 0) > (r["won_n"] or 0) and not lost:  # lost deals, without amounts
                out[self.key(r)] = (
                    None,
                    "lost amounts are all 0 or blank: a win rate by value would be "
                    "meaningless (lost deals carry no amount in this data)",
                )
            elif not won + lost:
                out[self.key(r)] = (None, "no amount on the closed opportunities")
            else:
                out[self.key(r)] = (won / (won + lost), None)
        return out

    def _average_deal(self) -> dict[Key, tuple[float | None, str | None]]:
        return self.ratio(
            self.closed_deals("average_deal"), "deal_total", "deal_n", "no won opportunity with an amount"
        )

    def _from_medians(
        self, records: list[Record], median: str, empty: str
    ) -> dict[Key, tuple[float | None, str | None]]:
        return {
            self.key(r): ((float(r[median]), None) if r[median] is not None else (None, empty))
            for r in records
            if self.s.period is None or r.get("_period") is not None
        }

    def _average_deal_median(self) -> dict[Key, tuple[float | None, str | None]]:
        empty = "no won opportunity with an amount"
        if not self.has_median():
            t = self.won_with("amount")
            return self._from_medians(self.window_medians(t, "closed", t.amount), "v", empty)
        return self._from_medians(
            self.groups_with(self.closed_deals("average_deal_median"), "deal_n"), "deal_median", empty
        )

    def _sales_cycle(self) -> dict[Key, tuple[float | None, str | None]]:
        records = self.groups_with(self.closed_deals("sales_cycle"), "cycle_n")
        return self.ratio(records, "cycle_total", "cycle_n", "no won opportunity with both dates")

    def _sales_cycle_median(self) -> dict[Key, tuple[float | None, str | None]]:
        empty = "no won opportunity with both dates"
        if not self.has_median():
            t = self.won_with("created")
            return self._from_medians(self.window_medians(t, "closed", _cycle_days(t)), "v", empty)
        return self._from_medians(
            self.groups_with(self.closed_deals("sales_cycle_median"), "cycle_n"), "cycle_median", empty
        )

    def won_with(self, column: str) -> ir.Table:
        t = self.closed()
        return t.filter(_won_with(t, column))

    def open_due(self) -> ir.Table:
        opps = self.tables[_O]
        self.dims(_O)
        t = opps.filter(opps.outcome == "open")
        if self.s.period is None:
            return t.mutate(closed=ibis.literal(self.s.as_of))  # the whole open pipeline, dated as_of
        return t

    def due_grouped(self, metrics: Callable[[ir.Table], dict[str, ir.Scalar]]) -> list[Record]:
        t = self.open_due()
        t = t.filter(t.closed.notnull())
        keys = self.keys(t, "closed")
        expr = t.group_by(**keys).aggregate(**metrics(t)) if keys else t.aggregate(**metrics(t))
        return self.fetch(expr)

    def _pipeline_coverage(self) -> dict[Key, tuple[float | None, str | None]]:
        target = self.s.remaining_target
        if target is None:
            raise _Missing("no remaining target given (remaining_target parameter)")
        records = self.due_grouped(lambda t: {"amount": t.amount.fill_null(0).sum()})
        out: dict[Key, tuple[float | None, str | None]] = {}
        for r in records:
            key = self.key(r)
            goal = target.get(key[0]) if isinstance(target, Mapping) else target
            if goal is None or goal <= 0:
                out[key] = (
                    None,
                    "no remaining target for this period" if goal is None else "the target is already reached",
                )
            else:
                out[key] = ((r["amount"] or 0) / goal, None)
        return out

    def probabilities(self) -> dict[str, float]:
        """P(won | stage) learnt from closed opportunities: a won one went through every stage; a lost one
        through the stages up to the one it was lost at (all of them when that stage is not in the order)."""
        t = self.closed()
        t = t.filter(t.closed <= self.s.as_of)
        counts = self.fetch(t.group_by(stage=t.stage.lower(), outcome=t.outcome).aggregate(n=t.count()))
        order = list(self.s.stage_order)
        won = sum(r["n"] for r in counts if r["outcome"] == "won")
        lost_at = [
            (order.index(r["stage"]) if r["stage"] in order else len(order), r["n"])
            for r in counts
            if r["outcome"] == "lost"
        ]
        if not won + sum(n for _, n in lost_at):
            raise _Missing("no closed opportunity to learn stage probabilities from")
        probs: dict[str, float] = {}
        for i, stage in enumerate(order):
            den = won + sum(n for at, n in lost_at if at >= i)
            probs[stage] = won / den if den else 0.0
        probs[""] = won / (won + sum(n for _, n in lost_at))  # stages outside the order: overall win rate
        return probs

    def _weighted_pipeline(self) -> dict[Key, tuple[float | None, str | None]]:
        probs = self.probabilities()
        overall = probs.pop("")

        def metrics(t: ir.Table) -> dict[str, ir.Scalar]:
            stage = t.stage.lower()
            p = ibis.cases(*((stage == s, p) for s, p in probs.items()), else_=overall) if probs else overall
            return {"v": (t.amount.fill_null(0) * p).sum(), "n": t.count(), "known": t.amount.count()}

        def value(r: Record) -> tuple[float | None, str | None]:
            if r["n"] and not r["known"]:  # open deals whose amounts are all blank: 0 € would be a lie
                return None, "no open opportunity carries an amount"
            return float(r["v"] or 0), None

        return {
            self.key(r): value(r)
            for r in self.due_grouped(metrics)
            if self.s.period is None or r.get("_period") is not None
        }

    def windows(self, first: dt.date | None) -> list[tuple[dt.date, dt.date, dt.date]]:
        """(period key, window start, window end) — one trailing window when there is no period."""
        as_of = self.s.as_of
        if self.s.period is None:
            return [(as_of, _add_months(as_of, -self.s.trailing_months), as_of)]
        if first is None:
            return []
        begin = max(first, self.s.start) if self.s.start else first
        out = []
        current = _truncate(begin, self.s.period)
        while current <= as_of:
            following = _next(current, self.s.period)
            out.append((current, current, min(following, as_of)))
            current = following
        return out

    def window_table(self, first: dt.date | None) -> ir.Table | None:
        windows = self.windows(first)
        if not windows:
            return None
        return ibis.memtable(
            {"_key": [w[0] for w in windows], "_w0": [w[1] for w in windows], "_w1": [w[2] for w in windows]},
            schema=ibis.schema({"_key": "date", "_w0": "date", "_w1": "date"}),
        )

    def _open_at_end(self) -> dict[Key, float]:
        opps = self.tables[_O]
        if self.s.period is None:
            t = opps.filter(opps.outcome == "open")
            records = self.fetch(
                t.group_by(list(self.s.by)).aggregate(n=t.count()) if self.s.by else t.aggregate(n=t.count())
            )
            return {(None, tuple(r.get(d) for d in self.s.by)): float(r["n"]) for r in records}
        first = self.fetch(opps.aggregate(v=opps.created.min()))[0]["v"]
        w = self.window_table(first)
        if w is None:
            return {}
        x = opps.cross_join(w)
        # open when the next period starts: created before it, not closed before it
        x = x.filter(
            x.created < x._w1, x.closed.isnull() | (x.closed >= x._w1), (x.outcome == "open") | x.closed.notnull()
        )
        records = self.fetch(x.group_by(["_key", *self.s.by]).aggregate(n=x.count()))
        return {(_label(r["_key"], self.s.period), tuple(r.get(d) for d in self.s.by)): float(r["n"]) for r in records}

    def _sales_velocity(self) -> dict[Key, tuple[float | None, str | None]]:
        win, deal, cycle = self.values("win_rate"), self.values("average_deal"), self.values("sales_cycle")
        opened = self._open_at_end()
        out: dict[Key, tuple[float | None, str | None]] = {}
        for key, (w, reason) in win.items():
            d, d_reason = deal.get(key, (None, "no won opportunity"))
            c, c_reason = cycle.get(key, (None, "no won opportunity with both dates"))
            n = opened.get(key, 0.0)
            why = reason or d_reason or c_reason or (None if c else "sales cycle of 0 days")
            out[key] = (None, why) if why or w is None or d is None or not c else (n * w * d / c, None)
        return out

    # ---- costs and customers

    def _cac(self) -> dict[Key, tuple[float | None, str | None]]:
        costs = self.tables["costs"]
        self.dims("costs")
        spend = {
            self.key(r): float(r["v"] or 0)
            for r in self.grouped(costs, "period_start", lambda t: {"v": t.amount.fill_null(0).sum()})
        }
        won = self.closed()
        won = won.filter(won.outcome == "won", won.closed.notnull())
        won = won.mutate(_customer=won.account.fill_null("opportunity:" + won.external_id))
        ranked = won.mutate(_rn=ibis.row_number().over(group_by=won._customer, order_by=[won.closed, won.external_id]))
        first = ranked.filter(ranked._rn == 0)
        new = {self.key(r): float(r["n"]) for r in self.grouped(first, "closed", lambda t: {"n": t.count()})}
        out: dict[Key, tuple[float | None, str | None]] = {}
        for key in set(spend) | set(new):
            if key[0] is None and self.s.period is not None:
                continue
            customers = new.get(key, 0.0)
            out[key] = (spend.get(key, 0.0) / customers, None) if customers else (None, "no new customer won")
        return out

    # ---- subscriptions

    def mrr_windows(self) -> list[Record]:
        """MRR at both ends of each window, per window: nrr, grr, churn and arpa all read it, so it is
        queried once per run."""
        subs = self.tables["subscriptions"]
        if self.s.by:
            raise _Missing(
                "subscription KPIs are not broken down by dimension (subscriptions have no "
                + ", ".join(self.s.by)
                + ")"
            )
        if self.mrr_records is None:
            self.mrr_records = self.query_mrr_windows(subs)
        return self.mrr_records

    def query_mrr_windows(self, subs: ir.Table) -> list[Record]:
        first = self.fetch(subs.aggregate(v=subs.start.min()))[0]["v"]
        w = self.window_table(first)
        if w is None:
            return []
        x = subs.filter(subs.account.notnull(), subs.start.notnull()).cross_join(w)
        x = x.filter(x.start <= x._w1)

        def active(at: ir.Value) -> ir.BooleanValue:
            return (x.start <= at) & (x.end.isnull() | (x.end > at)) if "end" in x.columns else x.start <= at

        per_account = x.group_by(["_key", "_w0", "_w1", "account"]).aggregate(
            m0=active(x._w0).ifelse(x.mrr.fill_null(0), 0).sum(), m1=active(x._w1).ifelse(x.mrr.fill_null(0), 0).sum()
        )
        a = per_account
        cohort = a.m0 > 0
        expr = a.group_by(["_key", "_w0", "_w1"]).aggregate(
            start_mrr=cohort.ifelse(a.m0, 0).sum(),
            end_mrr=cohort.ifelse(a.m1, 0).sum(),
            capped=cohort.ifelse(ibis.least(a.m0, a.m1), 0).sum(),
            customers=cohort.sum(),
            churned=(cohort & (a.m1 <= 0)).sum(),
            paying=(a.m1 > 0).sum(),
            mrr=(a.m1 > 0).ifelse(a.m1, 0).sum(),
        )
        return self.fetch(expr)

    def sub_values(
        self, compute: Callable[[Record], tuple[float | None, str | None]]
    ) -> dict[Key, tuple[float | None, str | None]]:
        return {
            (_label(r["_key"], self.s.period) if self.s.period else None, ()): compute(r) for r in self.mrr_windows()
        }

    def _nrr(self) -> dict[Key, tuple[float | None, str | None]]:
        return self.sub_values(
            lambda r: (
                (r["end_mrr"] / r["start_mrr"], None) if r["start_mrr"] else (None, "no MRR at the start of the period")
            )
        )

    def _grr(self) -> dict[Key, tuple[float | None, str | None]]:
        return self.sub_values(
            lambda r: (
                (r["capped"] / r["start_mrr"], None) if r["start_mrr"] else (None, "no MRR at the start of the period")
            )
        )

    def _customer_churn(self) -> dict[Key, tuple[float | None, str | None]]:
        def churn(r: Record) -> tuple[float | None, str | None]:
            if not r["customers"]:
                return None, "no customer at the start of the period"
            months = _months_between(r["_w0"], r["_w1"])
            if months <= 0:
                return None, "empty window"
            return 1 - (1 - r["churned"] / r["customers"]) ** (1 / months), None

        return self.sub_values(churn)

    def _arpa(self) -> dict[Key, tuple[float | None, str | None]]:
        return self.sub_values(
            lambda r: (
                (r["mrr"] / r["paying"], None) if r["paying"] else (None, "no paying account at the end of the period")
            )
        )

    def margin(self) -> float:
        if self.s.gross_margin is None:
            raise _Missing("no gross margin given (gross_margin parameter)")
        return self.s.gross_margin

    def _ltv(self) -> dict[Key, tuple[float | None, str | None]]:
        margin = self.margin()
        arpa, churn = self.values("arpa"), self.values("customer_churn")
        out: dict[Key, tuple[float | None, str | None]] = {}
        for key, (a, why) in arpa.items():
            c, c_why = churn.get(key, (None, "no churn figure"))
            if why or c_why or a is None or c is None:
                out[key] = (None, why or c_why)
            elif c == 0:
                out[key] = (None, "no customer churned in the period: lifetime value is unbounded")
            else:
                out[key] = (a * margin / c, None)
        return out

    def _ltv_cac(self) -> dict[Key, tuple[float | None, str | None]]:
        return _combine(self.values("ltv"), self.values("cac"), lambda ltv, cac: ltv / cac if cac else None)

    def _cac_payback(self) -> dict[Key, tuple[float | None, str | None]]:
        margin = self.margin()
        return _combine(
            self.values("cac"), self.values("arpa"), lambda cac, arpa: cac / (arpa * margin) if arpa * margin else None
        )

    def _adoption_60(self) -> dict[Key, tuple[float | None, str | None]]:
        subs = self.tables["subscriptions"]
        if self.s.by:
            raise _Missing(
                "adoption is not broken down by dimension (subscriptions have no " + ", ".join(self.s.by) + ")"
            )
        days = self.s.adoption_days
        s = subs.filter(subs.account.notnull(), subs.start.notnull())
        firsts = s.group_by(_acct="account").aggregate(first=s.start.min())
        firsts = firsts.filter(firsts.first <= self.s.as_of - dt.timedelta(days=days))
        j = s.join(firsts, s.account == firsts._acct)
        alive = j.start.delta(j.first, unit="day") <= days
        if "end" in j.columns:
            alive = alive & (j.end.isnull() | (j.end.delta(j.first, unit="day") > days))
        per = j.group_by(["_acct", "first"]).aggregate(active=alive.ifelse(1, 0).max())
        records = self.grouped(per, "first", lambda t: {"den": t.count(), "num": t.active.sum()})
        return self.ratio(records, "num", "den", f"no customer started at least {days} days before as_of")


# --------------------------------------------------------------------------- helpers


def _combine(
    left: dict[Key, tuple[float | None, str | None]],
    right: dict[Key, tuple[float | None, str | None]],
    op: Callable[[float, float], float | None],
) -> dict[Key, tuple[float | None, str | None]]:
    out: dict[Key, tuple[float | None, str | None]] = {}
    for key in set(left) & set(right):
        (a, a_why), (b, b_why) = left[key], right[key]
        if a is None or b is None:
            out[key] = (None, a_why or b_why)
        else:
            value = op(a, b)
            out[key] = (value, None) if value is not None else (None, "zero denominator")
    for key in set(left) ^ set(right):
        out[key] = (None, "one of the two KPIs has no value for this period")
    return out


def _sort_key(key: Key) -> tuple[str, tuple[str, ...]]:
    return (key[0] or "", tuple("" if v is None else str(v) for v in key[1]))


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _label(start: Any, period: Period | None) -> str | None:
    if period is None or start is None:
        return None
    day = _as_date(start)
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _truncate(day: dt.date, period: Period) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _next(day: dt.date, period: Period) -> dt.date:
    if period == "week":
        return day + dt.timedelta(days=7)
    return _add_months(day, 1 if period == "month" else 3)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _months_between(start: Any, end: Any) -> float:
    """Calendar months from ``start`` to ``end`` (2024-03-01 → 2024-04-01 is 1), fractions by day."""
    first, last = _as_date(start), _as_date(end)
    whole = (last.year - first.year) * 12 + last.month - first.month
    if last.day < first.day:
        whole -= 1
    anchor = _add_months(first, whole)
    step = _add_months(first, whole + 1)
    return whole + (last - anchor).days / (step - anchor).days
