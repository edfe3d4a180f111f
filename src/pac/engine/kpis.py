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
    "opportunities": ("external_id", "name", "account", "owner", "segment", "channel", "product", "stage",
                      "outcome", "amount", "currency", "created", "closed", "forecast_category"),
    "activities": ("external_id", "kind", "owner", "account", "opportunity", "scheduled", "held", "outcome"),
    "leads": ("external_id", "created", "mql_at", "sql_at", "channel", "campaign", "account", "owner",
              "opportunity"),
    "accounts": ("external_id", "name", "segment", "strategic", "potential", "owner"),
    "contacts": ("external_id", "account", "name", "email", "persona", "opted_out"),
    "subscriptions": ("external_id", "account", "start", "end", "mrr"),
    "costs": ("period_start", "period_end", "channel", "category", "amount"),
}
_DATES = {"opportunities": {"created", "closed"}, "activities": {"scheduled"},
          "leads": {"created", "mql_at", "sql_at"}, "subscriptions": {"start", "end"},
          "costs": {"period_start", "period_end"}}
_NUMBERS = {"opportunities": {"amount"}, "subscriptions": {"mrr"}, "costs": {"amount"}, "accounts": {"potential"}}
_BOOLEANS = {"activities": {"held"}, "accounts": {"strategic"}, "contacts": {"opted_out"}}
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
KPIS: dict[str, KpiDefinition] = {d.name: d for d in (
    KpiDefinition("mql", "count", "leads whose mql_at falls in the period", "none (a count)",
                  "mql_at", "no lead with an MQL date → not computable", {"leads": ("mql_at",)}),
    KpiDefinition("sql", "count", "leads whose sql_at falls in the period", "none (a count)",
                  "sql_at", "no lead with an SQL date → not computable", {"leads": ("sql_at",)}),
    KpiDefinition("mql_to_sql", "ratio", "MQLs of the cohort with an sql_at ≤ as_of ÷ MQLs of the cohort",
                  "leads with mql_at in the period and mql_at ≤ as_of − lag", "mql_at (cohort)",
                  "no MQL old enough, or no SQL date anywhere in the data → not computable",
                  {"leads": ("mql_at", "sql_at")}),
    KpiDefinition("mql_to_won", "ratio", "MQLs of the cohort whose opportunity is won ÷ MQLs of the cohort",
                  "leads with mql_at in the period and mql_at ≤ as_of − lag", "mql_at (cohort)",
                  "no MQL old enough → not computable",
                  {"leads": ("mql_at", "opportunity"), _O: ("external_id", "outcome")}),
    KpiDefinition("no_show_rate", "ratio", "booked meetings/demos not held ÷ booked meetings/demos held or not",
                  "meetings and demos scheduled before as_of with held known, cancelled/rescheduled excluded",
                  "scheduled", "no past meeting with a known outcome → not computable",
                  {"activities": ("kind", "scheduled", "held")}),
    KpiDefinition("win_rate", "ratio", "won ÷ (won + lost)", "opportunities closed in the period, outcome "
                  "won or lost (lost = outcome lost, whatever the stage name); open ones never",
                  "closed", "no opportunity closed → not computable", {_O: _CLOSED}),
    KpiDefinition("win_rate_value", "ratio", "won amount ÷ (won amount + lost amount)",
                  "amounts of opportunities closed won or lost in the period", "closed",
                  "lost amounts all 0/blank (e.g. Maven) or no amount → not computable",
                  {_O: (*_CLOSED, "amount")}),
    KpiDefinition("average_deal", "currency", "mean amount of won opportunities", "won opportunities closed in "
                  "the period with an amount", "closed", "no won opportunity with an amount → not computable",
                  {_O: (*_CLOSED, "amount")}),
    KpiDefinition("average_deal_median", "currency", "median amount of won opportunities", "as average_deal",
                  "closed", "as average_deal", {_O: (*_CLOSED, "amount")}),
    KpiDefinition("sales_cycle", "days", "mean of closed − created, in days, of won opportunities",
                  "won opportunities closed in the period with both dates", "closed",
                  "no won opportunity with both dates → not computable", {_O: (*_CLOSED, "created")}),
    KpiDefinition("sales_cycle_median", "days", "median of closed − created of won opportunities",
                  "as sales_cycle", "closed", "as sales_cycle", {_O: (*_CLOSED, "created")}),
    KpiDefinition("pipeline_coverage", "ratio", "open amount expected to close in the period ÷ remaining target",
                  "remaining_target (a parameter)", "closed (expected close date of open opportunities)",
                  "no remaining target given, or target ≤ 0 → not computable", {_O: (*_CLOSED, "amount")}),
    KpiDefinition("sales_velocity", "currency/day", "open opportunities at period end × win_rate × average_deal "
                  "÷ sales_cycle", "sales_cycle of the period (days)", "closed (rates); open count at period end",
                  "any factor not computable or a zero cycle → not computable",
                  {_O: (*_CLOSED, "created", "amount")}),
    KpiDefinition("cac", "currency", "costs of the period ÷ new customers won in the period",
                  "new customers: accounts whose first won opportunity closed in the period", "costs.period_start; "
                  "first won close date", "no new customer → not computable",
                  {"costs": ("period_start", "amount"), _O: (*_CLOSED, "account")}),
    KpiDefinition("customer_churn", "ratio", "monthly rate: 1 − (1 − churned ÷ customers at start)^(1/months)",
                  "customers (accounts with MRR > 0) at the start of the window", "window start",
                  "no customer at the start → not computable", {"subscriptions": ("account", "start", "mrr")}),
    KpiDefinition("arpa", "currency", "MRR at the window end ÷ accounts with MRR > 0 at the window end",
                  "paying accounts at the window end", "window end", "no paying account → not computable",
                  {"subscriptions": ("account", "start", "mrr")}),
    KpiDefinition("ltv", "currency", "arpa × gross_margin ÷ customer_churn (monthly)", "customer_churn",
                  "window", "no gross margin given, or churn 0 or not computable → not computable",
                  {"subscriptions": ("account", "start", "mrr")}),
    KpiDefinition("ltv_cac", "ratio", "ltv ÷ cac", "cac", "period of both", "either not computable → not "
                  "computable", {"subscriptions": ("account", "start", "mrr"), "costs": ("period_start", "amount"),
                                 _O: (*_CLOSED, "account")}),
    KpiDefinition("cac_payback", "months", "cac ÷ (arpa × gross_margin)", "arpa × gross_margin", "period of both",
                  "either not computable or no gross margin → not computable",
                  {"subscriptions": ("account", "start", "mrr"), "costs": ("period_start", "amount"),
                   _O: (*_CLOSED, "account")}),
    KpiDefinition("nrr", "ratio", "Σ MRR at window end of the starting customers ÷ Σ their MRR at window start",
                  "MRR at the window start of accounts paying then (SaaS Capital cohort)", "window start",
                  "no MRR at the start → not computable", {"subscriptions": ("account", "start", "mrr")}),
    KpiDefinition("grr", "ratio", "Σ min(MRR at end, MRR at start) of the starting customers ÷ Σ MRR at start",
                  "as nrr", "window start", "as nrr", {"subscriptions": ("account", "start", "mrr")}),
    KpiDefinition("weighted_pipeline", "currency", "Σ amount × P(won | stage) over open opportunities",
                  "none (a sum); P learnt from closed history", "closed (expected close date)",
                  "no closed history to learn from → not computable", {_O: (*_CLOSED, "stage", "amount")}),
    KpiDefinition("adoption_60", "ratio", "new customers still subscribed adoption_days after their first start "
                  "÷ new customers", "accounts whose first subscription starts in the period, at least "
                  "adoption_days before as_of", "first subscription start", "no such customer → not computable",
                  {"subscriptions": ("account", "start", "mrr")}),
)}


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
    # lstrip().rstrip(), not strip(): ibis 12 compiles strip() for Spark as TRIM(' \t\n\r\v\f' FROM …), and
    # Spark reads that literal's backslashes as letters, cutting the f of "finance".
    typed: dict[str, ir.Value] = {}
    for column in table.columns:
        if column not in CANONICAL_COLUMNS[name]:
            continue
        value = table[column]
        dtype = value.type()
        if column in _DATES.get(name, ()):
            if dtype.is_string():
                typed[column] = value.lstrip().rstrip().nullif("").substr(0, 10).cast("date")
            elif dtype.is_timestamp():
                typed[column] = value.cast("timestamp").date()
            else:
                typed[column] = value.cast("date")
        elif column in _NUMBERS.get(name, ()):
            if dtype.is_string():
                typed[column] = value.lstrip().rstrip().nullif("").cast("float64")
            else:
                typed[column] = value.cast("float64")
        elif column in _BOOLEANS.get(name, ()):
            if dtype.is_string():
                text = value.lstrip().rstrip().lower()
                typed[column] = ibis.cases((text.isin(_TRUE), True), (text.isin(_FALSE), False),
                                           else_=ibis.null("boolean"))
            else:
                typed[column] = value.cast("boolean")
        elif dtype.is_string():
            typed[column] = value.lstrip().rstrip().nullif("")
        else:
            typed[column] = value.cast("string")
    if name == "opportunities" and "outcome" in typed:
        typed["outcome"] = typed["outcome"].lower()
    if name == "activities" and "kind" in typed:
        typed["kind"] = typed["kind"].lower()
    return table.select(**typed)


# --------------------------------------------------------------------------- computing


def compute_kpis(
    tables: Mapping[str, ir.Table], *, as_of: dt.date, by: Sequence[str] = (), period: Period | None = None,
    kpis: Iterable[str] | None = None, start: dt.date | None = None, mql_lag_days: int = 45,
    remaining_target: float | Mapping[str | None, float] | None = None, gross_margin: float | None = None,
    adoption_days: int = 60, trailing_months: int = 12, stage_order: Sequence[str] = STAGE_ORDER,
) -> list[KpiRow]:
    """Tidy KPI rows for ``kpis`` (default: all of :data:`KPIS`), from canonical tables typed by
    :func:`canonical_tables`, counting only what happened on or before ``as_of`` (and from ``start``)."""
    if period is not None and period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    names = list(KPIS) if kpis is None else list(kpis)
    unknown = [n for n in names if n not in KPIS]
    if unknown:
        raise ValueError(f"unknown KPI: {', '.join(unknown)} (known: {', '.join(KPIS)})")
    settings = KpiSettings(as_of=as_of, by=tuple(by), period=period, start=start, mql_lag_days=mql_lag_days,
                           remaining_target=remaining_target, gross_margin=gross_margin,
                           adoption_days=adoption_days, trailing_months=trailing_months,
                           stage_order=tuple(stage_order))
    run = _Run(dict(tables), settings)
    rows: list[KpiRow] = []
    for name in names:
        rows.extend(run.kpi(name))
    return rows


Record = dict[str, Any]
Key = tuple[str | None, tuple[Any, ...]]


class _Missing(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Run:
    def __init__(self, tables: dict[str, ir.Table], settings: KpiSettings) -> None:
        self.tables = tables
        self.s = settings
        self.cache: dict[str, dict[Key, tuple[float | None, str | None]]] = {}

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
        return [self.row(name, value, key[0], key[1], reason)
                for key, (value, reason) in sorted(results.items(), key=lambda kv: _sort_key(kv[0]))]

    def row(self, name: str, value: float | None, period: str | None, by: tuple[Any, ...],
            reason: str | None) -> KpiRow:
        dims = dict(zip(self.s.by, by, strict=False)) if by else {d: None for d in self.s.by}
        ok = value is not None and reason is None and math.isfinite(value)
        return KpiRow(kpi=name, value=float(value) if ok and value is not None else None, unit=KPIS[name].unit,
                      period=period, by=dims, status="ok" if ok else "not_computable",
                      reason=None if ok else (reason or "not a finite number"))

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

    def bounded(self, t: ir.Table, column: str) -> ir.Table:
        date = t[column]
        t = t.filter(date.notnull(), date <= self.s.as_of)
        if self.s.start is not None:
            t = t.filter(t[column] >= self.s.start)
        return t

    def keys(self, t: ir.Table, column: str) -> dict[str, ir.Value]:
        keys: dict[str, ir.Value] = {}
        if self.s.period is not None:
            keys["_period"] = t[column].truncate(_TRUNCATE[self.s.period])
        for d in self.s.by:
            keys[d] = t[d]
        return keys

    def grouped(self, t: ir.Table, column: str, metrics: Callable[[ir.Table], dict[str, ir.Scalar]]) -> list[Record]:
        """Aggregate ``metrics`` of ``t`` bounded by the date ``column``, per period and dimensions."""
        t = self.bounded(t, column)
        keys = self.keys(t, column)
        expr = t.group_by(**keys).aggregate(**metrics(t)) if keys else t.aggregate(**metrics(t))
        return self.fetch(expr)

    def fetch(self, expr: ir.Table) -> list[Record]:
        records: list[Record] = expr.to_pyarrow().to_pylist()
        return records

    def key(self, record: Record) -> Key:
        start = record.get("_period")
        return (_label(start, self.s.period) if start is not None else None,
                tuple(record.get(d) for d in self.s.by))

    def ratio(self, records: list[Record], numerator: str, denominator: str,
              empty: str) -> dict[Key, tuple[float | None, str | None]]:
        out: dict[Key, tuple[float | None, str | None]] = {}
        for r in records:
            den = r[denominator]
            if self.s.period is not None and r.get("_period") is None:
                continue
            out[self.key(r)] = (None, empty) if not den else ((r[numerator] or 0) / den, None)
        return out

    def medians(self, t: ir.Table, column: str, value: ir.Value) -> list[Record]:
        t = self.bounded(t, column)
        t = t.mutate(_v=value).filter(lambda x: x._v.notnull())
        keys = self.keys(t, column)
        backend = t._find_backend()
        if backend.has_operation(ops.Median):
            expr = t.group_by(**keys).aggregate(v=t._v.median()) if keys else t.aggregate(v=t._v.median())
            return self.fetch(expr)
        # exact median with window functions (SQLite has no MEDIAN): mean of the middle one or two values
        t = t.mutate(**keys) if keys else t
        names = list(keys)
        window = ibis.window(group_by=[t[k] for k in names], order_by=t._v) if names else ibis.window(order_by=t._v)
        ranked = t.mutate(_rn=ibis.row_number().over(window), _n=t._v.count().over(
            ibis.window(group_by=[t[k] for k in names]) if names else ibis.window()))
        middle = ranked.filter((ranked._rn == (ranked._n - 1) // 2) | (ranked._rn == ranked._n // 2))
        expr = middle.group_by(names).aggregate(v=middle._v.mean()) if names else middle.aggregate(v=middle._v.mean())
        return self.fetch(expr)

    # ---- leads

    def _stage_count(self, column: str) -> dict[Key, tuple[float | None, str | None]]:
        leads = self.tables["leads"]
        self.dims("leads")
        records = self.grouped(leads, column, lambda t: {"n": t.count()})
        return {self.key(r): (float(r["n"]), None) for r in records
                if self.s.period is None or r.get("_period") is not None}

    def _mql(self) -> dict[Key, tuple[float | None, str | None]]:
        return self._stage_count("mql_at")

    def _sql(self) -> dict[Key, tuple[float | None, str | None]]:
        return self._stage_count("sql_at")

    def cohort(self) -> ir.Table:
        leads = self.tables["leads"]
        self.dims("leads")
        cutoff = self.s.as_of - dt.timedelta(days=self.s.mql_lag_days)
        return leads.filter(leads.mql_at <= cutoff)

    def _mql_to_sql(self) -> dict[Key, tuple[float | None, str | None]]:
        leads = self.tables["leads"]
        if not self.fetch(leads.filter(leads.sql_at.notnull()).limit(1).select("sql_at")):
            raise _Missing("no lead has an SQL date: the data has no SQL stage")
        records = self.grouped(self.cohort(), "mql_at", lambda t: {
            "den": t.count(), "num": (t.sql_at.notnull() & (t.sql_at <= self.s.as_of)).sum()})
        return self.ratio(records, "num", "den", f"no MQL older than {self.s.mql_lag_days} days")

    def _mql_to_won(self) -> dict[Key, tuple[float | None, str | None]]:
        opps = self.tables[_O]
        won = opps.filter(opps.outcome == "won").select(_won_id=opps.external_id).distinct()
        cohort = self.cohort()
        joined = cohort.left_join(won, cohort.opportunity == won._won_id)
        records = self.grouped(joined, "mql_at", lambda t: {
            "den": t.count(), "num": t._won_id.notnull().sum()})
        return self.ratio(records, "num", "den", f"no MQL older than {self.s.mql_lag_days} days")

    # ---- activities

    def _no_show_rate(self) -> dict[Key, tuple[float | None, str | None]]:
        acts = self.tables["activities"]
        self.dims("activities")
        booked = acts.filter(acts.kind.isin(("meeting", "demo")), acts.scheduled < self.s.as_of, acts.held.notnull())
        if "outcome" in acts.columns:
            booked = booked.filter(booked.outcome.isnull() | ~booked.outcome.lower().isin(CANCELLED_OUTCOMES))
        records = self.grouped(booked, "scheduled", lambda t: {"den": t.count(), "num": (~t.held).sum()})
        return self.ratio(records, "num", "den", "no past meeting with a known outcome")

    # ---- opportunities

    def closed(self) -> ir.Table:
        opps = self.tables[_O]
        self.dims(_O)
        return opps.filter(opps.outcome.isin(("won", "lost")))

    def _win_rate(self) -> dict[Key, tuple[float | None, str | None]]:
        records = self.grouped(self.closed(), "closed", lambda t: {
            "den": t.count(), "num": (t.outcome == "won").sum()})
        return self.ratio(records, "num", "den", "no opportunity closed")

    def _win_rate_value(self) -> dict[Key, tuple[float | None, str | None]]:
        records = self.grouped(self.closed(), "closed", lambda t: {
            "won": (t.outcome == "won").ifelse(t.amount.fill_null(0), 0).sum(),
            "lost": (t.outcome == "lost").ifelse(t.amount.fill_null(0), 0).sum(),
            "lost_n": (t.outcome == "lost").sum()})
        out: dict[Key, tuple[float | None, str | None]] = {}
        for r in records:
            if self.s.period is not None and r.get("_period") is None:
                continue
            if r["lost_n"] and not r["lost"]:
                out[self.key(r)] = (None, "lost amounts are all 0 or blank: a win rate by value would be "
                                          "meaningless (lost deals carry no amount in this data)")
            elif not (r["won"] or 0) + (r["lost"] or 0):
                out[self.key(r)] = (None, "no amount on the closed opportunities")
            else:
                out[self.key(r)] = ((r["won"] or 0) / ((r["won"] or 0) + (r["lost"] or 0)), None)
        return out

    def _average_deal(self) -> dict[Key, tuple[float | None, str | None]]:
        records = self.grouped(self.closed(), "closed", lambda t: {
            "num": (t.outcome == "won").ifelse(t.amount, ibis.null("float64")).sum(),
            "den": ((t.outcome == "won") & t.amount.notnull()).sum()})
        return self.ratio(records, "num", "den", "no won opportunity with an amount")

    def won_with(self, column: str) -> ir.Table:
        t = self.closed()
        return t.filter(t.outcome == "won", t[column].notnull())

    def _from_medians(self, records: list[Record], empty: str) -> dict[Key, tuple[float | None, str | None]]:
        return {self.key(r): ((float(r["v"]), None) if r["v"] is not None else (None, empty)) for r in records
                if self.s.period is None or r.get("_period") is not None}

    def _average_deal_median(self) -> dict[Key, tuple[float | None, str | None]]:
        t = self.won_with("amount")
        return self._from_medians(self.medians(t, "closed", t.amount), "no won opportunity with an amount")

    def _sales_cycle(self) -> dict[Key, tuple[float | None, str | None]]:
        t = self.won_with("created")
        records = self.grouped(t, "closed", lambda t: {
            "num": t.closed.delta(t.created, unit="day").sum(), "den": t.count()})
        return self.ratio(records, "num", "den", "no won opportunity with both dates")

    def _sales_cycle_median(self) -> dict[Key, tuple[float | None, str | None]]:
        t = self.won_with("created")
        return self._from_medians(self.medians(t, "closed", t.closed.delta(t.created, unit="day")),
                                  "no won opportunity with both dates")

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
                out[key] = (None, "no remaining target for this period" if goal is None
                            else "the target is already reached")
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
        lost_at = [(order.index(r["stage"]) if r["stage"] in order else len(order), r["n"])
                   for r in counts if r["outcome"] == "lost"]
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

        return {self.key(r): value(r) for r in self.due_grouped(metrics)
                if self.s.period is None or r.get("_period") is not None}

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
        return ibis.memtable({"_key": [w[0] for w in windows], "_w0": [w[1] for w in windows],
                              "_w1": [w[2] for w in windows]},
                             schema=ibis.schema({"_key": "date", "_w0": "date", "_w1": "date"}))

    def _open_at_end(self) -> dict[Key, float]:
        opps = self.tables[_O]
        if self.s.period is None:
            t = opps.filter(opps.outcome == "open")
            records = self.fetch(t.group_by(list(self.s.by)).aggregate(n=t.count()) if self.s.by
                                 else t.aggregate(n=t.count()))
            return {(None, tuple(r.get(d) for d in self.s.by)): float(r["n"]) for r in records}
        first = self.fetch(opps.aggregate(v=opps.created.min()))[0]["v"]
        w = self.window_table(first)
        if w is None:
            return {}
        x = opps.cross_join(w)
        # open when the next period starts: created before it, not closed before it
        x = x.filter(x.created < x._w1, x.closed.isnull() | (x.closed >= x._w1),
                     (x.outcome == "open") | x.closed.notnull())
        records = self.fetch(x.group_by(["_key", *self.s.by]).aggregate(n=x.count()))
        return {(_label(r["_key"], self.s.period), tuple(r.get(d) for d in self.s.by)): float(r["n"])
                for r in records}

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
        spend = {self.key(r): float(r["v"] or 0) for r in self.grouped(
            costs, "period_start", lambda t: {"v": t.amount.fill_null(0).sum()})}
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
        subs = self.tables["subscriptions"]
        if self.s.by:
            raise _Missing("subscription KPIs are not broken down by dimension (subscriptions have no "
                           + ", ".join(self.s.by) + ")")
        first = self.fetch(subs.aggregate(v=subs.start.min()))[0]["v"]
        w = self.window_table(first)
        if w is None:
            return []
        x = subs.filter(subs.account.notnull(), subs.start.notnull()).cross_join(w)
        x = x.filter(x.start <= x._w1)

        def active(at: ir.Value) -> ir.BooleanValue:
            return (x.start <= at) & (x.end.isnull() | (x.end > at)) if "end" in x.columns else x.start <= at

        per_account = x.group_by(["_key", "_w0", "_w1", "account"]).aggregate(
            m0=active(x._w0).ifelse(x.mrr.fill_null(0), 0).sum(), m1=active(x._w1).ifelse(x.mrr.fill_null(0), 0).sum())
        a = per_account
        cohort = a.m0 > 0
        expr = a.group_by(["_key", "_w0", "_w1"]).aggregate(
            start_mrr=cohort.ifelse(a.m0, 0).sum(), end_mrr=cohort.ifelse(a.m1, 0).sum(),
            capped=cohort.ifelse(ibis.least(a.m0, a.m1), 0).sum(), customers=cohort.sum(),
            churned=(cohort & (a.m1 <= 0)).sum(), paying=(a.m1 > 0).sum(), mrr=(a.m1 > 0).ifelse(a.m1, 0).sum())
        return self.fetch(expr)

    def sub_values(self, compute: Callable[[Record], tuple[float | None, str | None]]
                   ) -> dict[Key, tuple[float | None, str | None]]:
        return {(_label(r["_key"], self.s.period) if self.s.period else None, ()): compute(r)
                for r in self.mrr_windows()}

    def _nrr(self) -> dict[Key, tuple[float | None, str | None]]:
        return self.sub_values(lambda r: (r["end_mrr"] / r["start_mrr"], None) if r["start_mrr"]
                               else (None, "no MRR at the start of the period"))

    def _grr(self) -> dict[Key, tuple[float | None, str | None]]:
        return self.sub_values(lambda r: (r["capped"] / r["start_mrr"], None) if r["start_mrr"]
                               else (None, "no MRR at the start of the period"))

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
        return self.sub_values(lambda r: (r["mrr"] / r["paying"], None) if r["paying"]
                               else (None, "no paying account at the end of the period"))

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
        return _combine(self.values("cac"), self.values("arpa"),
                        lambda cac, arpa: cac / (arpa * margin) if arpa * margin else None)

    def _adoption_60(self) -> dict[Key, tuple[float | None, str | None]]:
        subs = self.tables["subscriptions"]
        if self.s.by:
            raise _Missing("adoption is not broken down by dimension (subscriptions have no "
                           + ", ".join(self.s.by) + ")")
        days = self.s.adoption_days
        s = subs.filter(subs.account.notnull(), subs.start.notnull())
        firsts = s.group_by(_acct="account").aggregate(first=s.start.min())
        firsts = firsts.filter(firsts.first <= self.s.as_of - dt.timedelta(days=days))
        j = s.join(firsts, s.account == firsts._acct)
        alive = (j.start.delta(j.first, unit="day") <= days)
        if "end" in j.columns:
            alive = alive & (j.end.isnull() | (j.end.delta(j.first, unit="day") > days))
        per = j.group_by(["_acct", "first"]).aggregate(active=alive.ifelse(1, 0).max())
        records = self.grouped(per, "first", lambda t: {"den": t.count(), "num": t.active.sum()})
        return self.ratio(records, "num", "den", f"no customer started at least {days} days before as_of")


# --------------------------------------------------------------------------- helpers


def _combine(left: dict[Key, tuple[float | None, str | None]], right: dict[Key, tuple[float | None, str | None]],
             op: Callable[[float, float], float | None]) -> dict[Key, tuple[float | None, str | None]]:
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
