"""The query runner: one ``compute_kpis`` call is one :class:`Run`, which asks each wanted KPI's function
(from the registry, filled by the family modules) for its values, shares the queries several KPIs read,
and turns the values into tidy rows.

A KPI function returns ``{(period label, breakdown values): (value, Reason | None)}``; raising
:class:`Missing` says the whole KPI cannot be computed (a table or column is absent).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import ibis  # type: ignore[import-untyped]  # ibis 12 ships no py.typed
import ibis.expr.types as ir  # type: ignore[import-untyped]  # ibis 12 ships no py.typed

from pac.engine.kpis.definitions import KPIS, STAGE_ORDER, KpiRow, KpiSettings, chosen, with_inputs
from pac.engine.kpis.periods import PERIODS, TRUNCATE, Period, add_months, following, label, truncate
from pac.engine.kpis.reasons import Reason

Record = dict[str, Any]
Key = tuple[str | None, tuple[Any, ...]]
Value = tuple[float | None, Reason | None]
Values = dict[Key, Value]

#: Breakdowns a table without the column takes from its account (a subscription's MRR by the account's
#: segment or business unit).
ACCOUNT_DIMENSIONS = ("segment", "business_unit")

#: Each KPI's function (registered by the family modules with :func:`computes`).
COMPUTE: dict[str, Callable[[Run], Values]] = {}
#: Families: KPIs computed from the rows of one aggregate query, and the function building that query for
#: the family's KPIs a run wants (registered with :func:`family`).
FAMILIES: dict[str, tuple[frozenset[str], Callable[[Run, set[str]], ir.Table]]] = {}


def computes(*names: str) -> Callable[[Callable[[Run], Values]], Callable[[Run], Values]]:
    def register(function: Callable[[Run], Values]) -> Callable[[Run], Values]:
        for name in names:
            COMPUTE[name] = function
        return function

    return register


def family(
    name: str, kpis: Iterable[str]
) -> Callable[[Callable[[Run, set[str]], ir.Table]], Callable[[Run, set[str]], ir.Table]]:
    def register(query: Callable[[Run, set[str]], ir.Table]) -> Callable[[Run, set[str]], ir.Table]:
        FAMILIES[name] = (frozenset(kpis), query)
        return query

    return register


class Missing(Exception):
    """The KPI cannot be computed at all, for ``reason``."""

    def __init__(self, code: str, **params: Any) -> None:
        self.reason = Reason(code, params)
        super().__init__(self.reason.text())


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
    """Tidy KPI rows for ``kpis`` (default: all of :data:`KPIS`; only those asked, and the KPIs they are made
    of, are computed), from canonical tables typed by ``canonical_tables``, counting only what happened on or
    before ``as_of`` (and from ``start``)."""
    if period is not None and period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    names = chosen(kpis)
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
    run = Run(dict(tables), settings, with_inputs(names))
    rows: list[KpiRow] = []
    for name in names:
        rows.extend(run.kpi(name))
    return rows


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


def _sort_key(key: Key) -> tuple[str, tuple[str, ...]]:
    return (key[0] or "", tuple("" if v is None else str(v) for v in key[1]))


#: The reasons a KPI gives when its range holds none of the rows it counts.
_FOUND_NOTHING = frozenset(
    {"no_data_in_range", "no_closed_deal", "no_closed_amount", "no_won_amount", "no_won_dates", "no_won"}
)


class Run:
    """One compute_kpis call. Queries shared by several KPIs run once per call (never across calls);
    ``memo`` keeps a family module's per-run results (``memo.setdefault``)."""

    def __init__(self, tables: dict[str, ir.Table], settings: KpiSettings, wanted: set[str]) -> None:
        self.tables = tables
        self.s = settings
        self.wanted = wanted
        self.cache: dict[str, Values] = {}
        self.fetched: dict[str, list[Record]] = {}
        self.planned: dict[str, set[str]] = {}
        self.memo: dict[str, Any] = {}
        self.notes: dict[Key, dict[str, Reason]] = {}
        #: Per KPI and group, how many cases its value rests on (a ratio's denominator, a median's count).
        self.bases: dict[str, dict[Key, int]] = {}
        self.computing: str | None = None

    # ---- rows

    def kpi(self, name: str) -> list[KpiRow]:
        try:
            for table, columns in KPIS[name].needs.items():
                self.need(table, columns)
            results = self.values(name)
            if not results:
                return [self.row(name, None, None, (), self.empty_reason(name))]
            results = self.said_undated(name, results)
        except Missing as missing:
            return [self.row(name, None, None, (), missing.reason)]
        bases = self.bases.get(name, {})
        return [
            self.row(name, value, key[0], key[1], reason, self.notes.get(key, {}).get(name), bases.get(key))
            for key, (value, reason) in sorted(results.items(), key=lambda kv: _sort_key(kv[0]))
        ]

    def empty_reason(self, name: str) -> Reason:
        """Why a KPI found nothing: rows without the date that places them, when there are some."""
        dated_by = KPIS[name].dated_by
        if dated_by is not None:
            table, column = dated_by
            undated = self.undated(table, column)
            if undated:
                return Reason("undated", {"table": table, "column": column, "count": undated})
        return Reason("no_data_in_range")

    def said_undated(self, name: str, results: Values) -> Values:
        """From a start on (no period, no breakdown), the one row that found nothing says so by the rows
        without the date, when there are some: « 6 711 closed deals have no close date » tells the user
        what to fix, « no opportunity closed » misleads."""
        if self.whole_range or self.s.period is not None or self.s.by or len(results) != 1:
            return results
        ((key, (value, reason)),) = results.items()
        if value is None and reason is not None and reason.code in _FOUND_NOTHING:
            why = self.empty_reason(name)
            if why.code == "undated":
                return {key: (None, why)}
        return results

    def undated(self, table: str, column: str) -> int:
        """How many rows of ``table`` (closed ones, for the opportunities) lack the date ``column``."""
        memo_key = f"undated:{table}.{column}"
        if memo_key not in self.memo:
            t = self.tables[table]
            t = t.filter(t[column].isnull())
            if table == "opportunities":
                t = t.filter(t.outcome.isin(("won", "lost")))
            self.memo[memo_key] = int(self.fetch(t.aggregate(n=t.count()))[0]["n"] or 0)
        count: int = self.memo[memo_key]
        return count

    def note(self, key: Key, kpis: Iterable[str], reason: Reason) -> None:
        for name in kpis:
            self.notes.setdefault(key, {})[name] = reason

    def row(
        self,
        name: str,
        value: float | None,
        period: str | None,
        by: tuple[Any, ...],
        reason: Reason | None,
        note: Reason | None = None,
        basis: int | None = None,
    ) -> KpiRow:
        dims = dict(zip(self.s.by, by, strict=False)) if by else {d: None for d in self.s.by}
        ok = value is not None and reason is None and math.isfinite(value)
        why = None if ok else (reason or Reason("not_finite"))
        said = note if ok else None
        return KpiRow(
            kpi=name,
            value=float(value) if ok and value is not None else None,
            unit=KPIS[name].unit,
            period=period,
            by=dims,
            status="ok" if ok else "not_computable",
            reason=why.text() if why else None,
            reason_code=why.code if why else None,
            reason_params=dict(why.params) if why else {},
            note=said.text() if said else None,
            note_code=said.code if said else None,
            note_params=dict(said.params) if said else {},
            basis=basis if ok else None,
        )

    def values(self, name: str) -> Values:
        if name not in self.cache:
            outer, self.computing = self.computing, name
            try:
                self.cache[name] = COMPUTE[name](self)
            finally:
                self.computing = outer
        return self.cache[name]

    def based(self, key: Key, count: Any) -> None:
        """Record that the value of the KPI being computed for ``key`` rests on ``count`` cases."""
        if self.computing is not None and count is not None:
            self.bases.setdefault(self.computing, {})[key] = int(count)

    # ---- inputs

    def need(self, table: str, columns: Iterable[str]) -> ir.Table:
        if table not in self.tables:
            raise Missing("no_table", table=table)
        t = self.tables[table]
        missing = [c for c in columns if c not in t.columns]
        if missing:
            raise Missing("no_column", table=table, columns=", ".join(missing))
        return t

    def dims(self, table: str) -> None:
        missing = [d for d in self.s.by if d not in self.tables[table].columns]
        if missing:
            raise Missing("no_breakdown_column", table=table, columns=", ".join(missing))

    def with_account_dims(self, table: str) -> ir.Table:
        """``table`` with the breakdown's columns, those it lacks (a subscription has no segment) taken from
        its account: the ``accounts`` row whose ``external_id`` is its ``account`` (a row whose account is
        unknown has none). Only an account's own columns (:data:`ACCOUNT_DIMENSIONS`) are taken so."""
        t = self.tables[table]
        missing = [d for d in self.s.by if d not in t.columns]
        if not missing:
            return t
        accounts = self.tables.get("accounts")
        if (
            accounts is None
            or "account" not in t.columns
            or any(d not in ACCOUNT_DIMENSIONS or d not in accounts.columns for d in missing)
        ):
            raise Missing("no_breakdown_column", table=table, columns=", ".join(missing))
        theirs = accounts.select(_account_key=accounts.external_id, **{f"_account_{d}": accounts[d] for d in missing})
        joined = t.left_join(theirs, t.account == theirs._account_key)
        return joined.select(*t.columns, **{d: joined[f"_account_{d}"] for d in missing})

    @property
    def whole_range(self) -> bool:
        """No period and no start: every row counts, dated or not (an export without dates still tells a
        win rate)."""
        return self.s.period is None and self.s.start is None

    def bounded(self, t: ir.Table, column: str, *conditions: ir.BooleanValue, undated: bool = False) -> ir.Table:
        """``t`` where the date ``column`` is within as_of (and start) and ``conditions`` hold, in one filter;
        with ``undated``, rows without the date are kept too."""
        date = t[column]
        within = [date <= self.s.as_of] + ([date >= self.s.start] if self.s.start is not None else [])
        if undated:
            return t.filter(*conditions, date.isnull() | ibis.and_(*within))
        return t.filter(*conditions, date.notnull(), *within)

    def narrowed(self, table: str, columns: Iterable[str], **flags: ir.Value) -> ir.Table:
        """``table`` cut to ``columns`` (those it has) and the breakdown's, plus ``flags`` computed from it: the
        typing of the other columns is then left out of the query, which ibis compiles and the database plans
        faster, and a flag read by several aggregates is computed once per row."""
        t = self.tables[table]
        return t.select(*(c for c in dict.fromkeys((*columns, *self.s.by)) if c in t.columns), **flags)

    def keys(self, t: ir.Table, column: str) -> dict[str, ir.Value]:
        keys: dict[str, ir.Value] = {}
        if self.s.period is not None:
            keys["_period"] = t[column].truncate(TRUNCATE[self.s.period])
        for d in self.s.by:
            keys[d] = t[d]
        return keys

    def aggregated(
        self,
        t: ir.Table,
        column: str,
        metrics: Callable[[ir.Table], dict[str, ir.Scalar]],
        *conditions: ir.BooleanValue,
        undated: bool = False,
    ) -> ir.Table:
        """``metrics`` of ``t`` bounded by the date ``column`` (and ``conditions``), per period and dimensions."""
        t = self.bounded(t, column, *conditions, undated=undated)
        keys = self.keys(t, column)
        return t.group_by(**keys).aggregate(**metrics(t)) if keys else t.aggregate(**metrics(t))

    def grouped(self, t: ir.Table, column: str, metrics: Callable[[ir.Table], dict[str, ir.Scalar]]) -> list[Record]:
        return self.fetch(self.aggregated(t, column, metrics))

    def fetch(self, expr: ir.Table) -> list[Record]:
        records: list[Record] = expr.to_pyarrow().to_pylist()
        return records

    def key(self, record: Record) -> Key:
        start = record.get("_period")
        return (label(start, self.s.period) if start is not None else None, tuple(record.get(d) for d in self.s.by))

    def in_period(self, record: Record) -> bool:
        """Whether ``record`` belongs to a period (always, when the run has none)."""
        return self.s.period is None or record.get("_period") is not None

    def ratio(self, records: list[Record], numerator: str, denominator: str, empty: Reason) -> Values:
        out: Values = {}
        for r in records:
            if not self.in_period(r):
                continue
            den = r[denominator]
            self.based(self.key(r), den or 0)
            out[self.key(r)] = (None, empty) if not den else ((r[numerator] or 0) / den, None)
        return out

    def counts(self, records: list[Record], count: str = "n") -> Values:
        return {self.key(r): (float(r[count] or 0), None) for r in records if self.in_period(r)}

    def groups_with(self, records: list[Record], count: str) -> list[Record]:
        """The groups where ``count`` counted something: a period or breakdown without any has no row, as in
        a query over those rows alone; the whole range (no period, no breakdown) always has its row."""
        if self.s.period is None and not self.s.by:
            return records
        return [r for r in records if r[count]]

    # ---- windows

    def windows(self, first: dt.date | None) -> list[tuple[dt.date, dt.date, dt.date]]:
        """(period key, window start, window end) — one trailing window when there is no period."""
        as_of = self.s.as_of
        if self.s.period is None:  # one window: from start when asked (an objective's), else trailing
            begin = self.s.start if self.s.start is not None else add_months(as_of, -self.s.trailing_months)
            return [(as_of, begin, as_of)]
        if first is None:
            return []
        begin = max(first, self.s.start) if self.s.start else first
        out = []
        current = truncate(begin, self.s.period)
        while current <= as_of:
            after = following(current, self.s.period)
            out.append((current, current, min(after, as_of)))
            current = after
        return out

    def window_table(self, first: dt.date | None) -> ir.Table | None:
        """The windows as a table to join on (``_key``, ``_w0``, ``_w1``); None when there is none."""
        windows = self.windows(first)
        if not windows:
            return None
        return ibis.memtable(
            {"_key": [w[0] for w in windows], "_w0": [w[1] for w in windows], "_w1": [w[2] for w in windows]},
            schema=ibis.schema({"_key": "date", "_w0": "date", "_w1": "date"}),
        )

    # ---- families

    def family(self, name: str, kpi: str) -> list[Record]:
        """The rows of family ``name``'s aggregate, with the figures of ``kpi``. The first use fetches the
        aggregates of every family the run wants, in one statement: a single round trip, and the database may
        scan their tables side by side (DuckDB does, on separate threads)."""
        self.wanted.add(kpi)
        if kpi not in self.planned.get(name, ()):  # not fetched yet, or without this KPI's figures
            self.fetched.pop(name, None)
            queries: dict[str, ir.Table] = {}
            for other, (kpis, _) in FAMILIES.items():
                if other != name and (other in self.fetched or not any(map(self.computable, self.wanted & kpis))):
                    continue
                try:
                    queries[other] = self.family_query(other)
                except Missing:
                    if other == name:
                        raise
            self.fetched.update(self.fetch_together(queries))
        return self.fetched[name]

    def family_query(self, name: str) -> ir.Table:
        members, query = FAMILIES[name]
        kpis = {k for k in members if k in self.wanted and self.computable(k)}
        built = query(self, kpis)
        self.planned[name] = kpis
        return built

    def fetch_together(self, queries: Mapping[str, ir.Table]) -> dict[str, list[Record]]:
        if len(queries) == 1 or len({id(q._find_backend()) for q in queries.values()}) > 1:
            return {name: self.fetch(query) for name, query in queries.items()}
        records = self.fetch(_stacked(queries))
        return {name: [r for r in records if r["_family"] == name] for name in queries}

    def computable(self, name: str) -> bool:
        try:
            for table, columns in KPIS[name].needs.items():
                self.need(table, columns)
        except Missing:
            return False
        return True

    def window_medians(self, t: ir.Table, column: str, value: ir.Value, *, undated: bool = False) -> list[Record]:
        """Exact medians with window functions, for backends without MEDIAN (SQLite): the mean of the middle
        one or two values of each group."""
        t = self.bounded(t, column, undated=undated)
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
        figures = {"v": middle._v.mean(), "n": middle._n.max()}
        expr = middle.group_by(names).aggregate(**figures) if names else middle.aggregate(**figures)
        return self.fetch(expr)
