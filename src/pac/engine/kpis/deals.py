"""Closed-deal KPIs: revenue and wins, win rates, average and median deal, sales cycle — every figure
from one aggregate over the opportunities by close date.

An export may carry outcomes and amounts but no close dates. Over the whole range (no period, no start)
such deals count, and the row's note says how many were undated; with a period or a start they cannot
be placed, and a KPI that finds nothing says how many rows lack the date (``Run.empty_reason``).
"""

from __future__ import annotations

from collections.abc import Callable

import ibis.expr.operations as ops  # type: ignore[import-untyped]  # ibis 12 ships no py.typed
import ibis.expr.types as ir  # type: ignore[import-untyped]  # ibis 12 ships no py.typed

from pac.engine.kpis.definitions import KPIS
from pac.engine.kpis.reasons import Reason
from pac.engine.kpis.runner import Record, Run, Values, computes, family

_O = "opportunities"


def cycle_days(t: ir.Table) -> ir.IntegerValue:
    return t.closed.delta(t.created, unit="day")


#: Figures of one group of opportunities (by close date), from their flags ``_won`` and ``_lost`` (see
#: closed_deals_query): each keeps to the closed deals, won or lost. Medians are quantile(0.5), the same
#: exact, interpolated function as median() on DuckDB, PostgreSQL and Spark, because ibis 12 compiles
#: median(where=…) on Spark as a percentile whose fraction is filtered too, which Spark rejects.
FIGURES: dict[str, Callable[[ir.Table], ir.Scalar]] = {
    "closed_n": lambda t: t.count(where=t._won | t._lost),
    "won_n": lambda t: t.count(where=t._won),
    "deal_total": lambda t: t.amount.sum(where=t._won),
    "lost_total": lambda t: t.amount.sum(where=t._lost),
    "deal_n": lambda t: t.count(where=t._won & t.amount.notnull()),
    "deal_median": lambda t: t.amount.quantile(0.5, where=t._won & t.amount.notnull()),
    "cycle_total": lambda t: cycle_days(t).sum(where=t._won),
    "cycle_n": lambda t: t.count(where=t._won & t.created.notnull() & t.closed.notnull()),
    "cycle_median": lambda t: cycle_days(t).quantile(0.5, where=t._won & t.created.notnull()),
    "undated_n": lambda t: t.count(where=(t._won | t._lost) & t.closed.isnull()),
}
#: The figures each closed-deal KPI is computed from.
DEAL_KPIS: dict[str, tuple[str, ...]] = {
    "revenue": ("deal_total", "deal_n", "won_n"),
    "wins": ("won_n",),
    "win_rate": ("closed_n", "won_n"),
    "win_rate_value": ("deal_total", "lost_total", "closed_n", "won_n"),
    "average_deal": ("deal_total", "deal_n"),
    "average_deal_median": ("deal_n", "deal_median"),
    "sales_cycle": ("cycle_total", "cycle_n"),
    "sales_cycle_median": ("cycle_n", "cycle_median"),
}
_MEDIANS = ("deal_median", "cycle_median")
#: KPIs whose whole-range row may count undated deals (the cycle needs both dates, so never does).
_UNDATED_COUNTED = ("revenue", "wins", "win_rate", "win_rate_value", "average_deal", "average_deal_median")


def has_median(run: Run) -> bool:
    """Whether the opportunities' backend computes exact medians in an aggregate (SQLite does not)."""
    if "median" not in run.memo:
        run.memo["median"] = bool(run.tables[_O]._find_backend().has_operation(ops.Quantile))
    found: bool = run.memo["median"]
    return found


def closed(run: Run) -> ir.Table:
    opps = run.tables[_O]
    run.dims(_O)
    return opps.filter(opps.outcome.isin(("won", "lost")))


@family("closed_deals", DEAL_KPIS)
def closed_deals_query(run: Run, kpis: set[str]) -> ir.Table:
    """The figures of the closed-deal KPIs ``kpis``, from one aggregate over the opportunities by close date
    (medians as filtered aggregates, where the backend has MEDIAN). Each figure keeps to the closed deals
    itself, rather than a WHERE on the outcome: see activities.meetings_query."""
    run.dims(_O)
    figures = [f for f in FIGURES if f == "closed_n" or any(f in DEAL_KPIS[k] for k in kpis)]
    if run.whole_range:
        figures.append("undated_n")
    if not has_median(run):
        figures = [f for f in figures if f not in _MEDIANS]
    opps = run.tables[_O]
    opps = run.narrowed(
        _O,
        ("closed", *(c for k in kpis for c in KPIS[k].needs[_O] if c != "outcome")),
        _won=opps.outcome == "won",
        _lost=opps.outcome == "lost",
    )
    return run.aggregated(opps, "closed", lambda t: {f: FIGURES[f](t) for f in figures}, undated=run.whole_range)


def closed_deals(run: Run, kpi: str) -> list[Record]:
    """The closed-deal family's groups, with the figures ``kpi`` is computed from (and the note on
    undated deals counted in the whole range)."""
    records = run.groups_with(run.family("closed_deals", kpi), "closed_n")
    for r in records:
        if r.get("undated_n"):
            note = Reason("undated_counted", {"count": r["undated_n"], "column": "closed"})
            run.note(run.key(r), _UNDATED_COUNTED, note)
    return records


@computes("revenue")
def revenue(run: Run) -> Values:
    out: Values = {}
    for r in closed_deals(run, "revenue"):
        if run.in_period(r):
            won_without_amounts = r["won_n"] and not r["deal_n"]
            out[run.key(r)] = (None, Reason("no_won_amount")) if won_without_amounts else (r["deal_total"] or 0, None)
    return out


@computes("wins")
def wins(run: Run) -> Values:
    return run.counts(closed_deals(run, "wins"), "won_n")


@computes("win_rate")
def win_rate(run: Run) -> Values:
    return run.ratio(closed_deals(run, "win_rate"), "won_n", "closed_n", Reason("no_closed_deal"))


@computes("win_rate_value")
def win_rate_value(run: Run) -> Values:
    out: Values = {}
    for r in closed_deals(run, "win_rate_value"):
        if not run.in_period(r):
            continue
        won, lost = r["deal_total"] or 0, r["lost_total"] or 0
        if (r["closed_n"] or 0) > (r["won_n"] or 0) and not lost:  # lost deals, without amounts
            out[run.key(r)] = (None, Reason("lost_amounts_blank"))
        elif not won + lost:
            out[run.key(r)] = (None, Reason("no_closed_amount"))
        else:
            out[run.key(r)] = (won / (won + lost), None)
    return out


@computes("average_deal")
def average_deal(run: Run) -> Values:
    return run.ratio(closed_deals(run, "average_deal"), "deal_total", "deal_n", Reason("no_won_amount"))


def _from_medians(run: Run, records: list[Record], median: str, empty: Reason, count: str = "n") -> Values:
    for r in records:
        run.based(run.key(r), r.get(count))
    return {
        run.key(r): ((float(r[median]), None) if r[median] is not None else (None, empty))
        for r in records
        if run.in_period(r)
    }


def won_with(run: Run, column: str) -> ir.Table:
    t = closed(run)
    return t.filter((t.outcome == "won") & t[column].notnull())


@computes("average_deal_median")
def average_deal_median(run: Run) -> Values:
    empty = Reason("no_won_amount")
    if not has_median(run):
        t = won_with(run, "amount")
        medians = run.window_medians(t, "closed", t.amount, undated=run.whole_range)
        return _from_medians(run, medians, "v", empty)
    return _from_medians(
        run, run.groups_with(closed_deals(run, "average_deal_median"), "deal_n"), "deal_median", empty, "deal_n"
    )


@computes("sales_cycle")
def sales_cycle(run: Run) -> Values:
    records = run.groups_with(closed_deals(run, "sales_cycle"), "cycle_n")
    return run.ratio(records, "cycle_total", "cycle_n", Reason("no_won_dates"))


@computes("sales_cycle_median")
def sales_cycle_median(run: Run) -> Values:
    empty = Reason("no_won_dates")
    if not has_median(run):
        t = won_with(run, "created")
        return _from_medians(run, run.window_medians(t, "closed", cycle_days(t)), "v", empty)
    return _from_medians(
        run, run.groups_with(closed_deals(run, "sales_cycle_median"), "cycle_n"), "cycle_median", empty, "cycle_n"
    )
