"""Lead KPIs: new leads, MQLs, SQLs and new opportunities counted by their date, and the MQL cohort's
conversions."""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir  # type: ignore[import-untyped]  # ibis 12 ships no py.typed

from pac.engine.kpis.definitions import KPIS
from pac.engine.kpis.reasons import Reason
from pac.engine.kpis.runner import Missing, Run, Values, computes, family


def _dated_count(run: Run, column: str, table: str = "leads") -> Values:
    """Rows of ``table`` whose ``column`` date falls in each group. A count of 0 is an answer only when the
    data records that step at all: rows none of which carries the date say « not computable »."""
    rows = run.tables[table]
    run.dims(table)
    if not run.fetch(rows.filter(rows[column].notnull()).limit(1).select(column)):
        raise Missing("no_dates", table=table, column=column)
    return run.counts(run.grouped(rows, column, lambda t: {"n": t.count()}))


@computes("opportunities")
def new_opportunities(run: Run) -> Values:
    """New opportunities: the funnel's SQL stage when the CRM keeps no leads (an opportunity is a
    qualified lead)."""
    return _dated_count(run, "created", "opportunities")


@computes("leads")
def new_leads(run: Run) -> Values:
    return _dated_count(run, "created")


@computes("mql")
def mql(run: Run) -> Values:
    return _dated_count(run, "mql_at")


@computes("sql")
def sql(run: Run) -> Values:
    return _dated_count(run, "sql_at")


@family("mql_cohort", ("mql_to_sql", "mql_to_won"))
def mql_cohort_query(run: Run, kpis: set[str]) -> ir.Table:
    """The MQL cohort (MQLs old enough to have converted) per group, with those that reached SQL and, for
    mql_to_won, those whose opportunity is won."""
    run.dims("leads")
    cohort = run.narrowed("leads", (c for k in kpis for c in KPIS[k].needs["leads"]))
    if "mql_to_won" in kpis:
        opps = run.tables["opportunities"]
        won = opps.filter(opps.outcome == "won").select(_won_id=opps.external_id).distinct()
        cohort = cohort.left_join(won, cohort.opportunity == won._won_id)

    def figures(t: ir.Table) -> dict[str, ir.Scalar]:
        out = {"mql_n": t.count()}
        if "mql_to_sql" in kpis:
            out["sql_n"] = (t.sql_at.notnull() & (t.sql_at <= run.s.as_of)).sum()
        if "mql_to_won" in kpis:
            out["converted_n"] = t._won_id.notnull().sum()
        return out

    return run.aggregated(
        cohort, "mql_at", figures, cohort.mql_at <= run.s.as_of - dt.timedelta(days=run.s.mql_lag_days)
    )


@computes("mql_to_sql")
def mql_to_sql(run: Run) -> Values:
    leads = run.tables["leads"]
    if not run.fetch(leads.filter(leads.sql_at.notnull()).limit(1).select("sql_at")):
        raise Missing("no_dates", table="leads", column="sql_at")
    too_recent = Reason("mql_too_recent", {"days": run.s.mql_lag_days})
    return run.ratio(run.family("mql_cohort", "mql_to_sql"), "sql_n", "mql_n", too_recent)


@computes("mql_to_won")
def mql_to_won(run: Run) -> Values:
    too_recent = Reason("mql_too_recent", {"days": run.s.mql_lag_days})
    return run.ratio(run.family("mql_cohort", "mql_to_won"), "converted_n", "mql_n", too_recent)
