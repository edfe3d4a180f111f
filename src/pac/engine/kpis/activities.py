"""Activity KPIs: meetings and demos held, and the no-show rate of booked ones."""

from __future__ import annotations

import ibis.expr.types as ir  # type: ignore[import-untyped]  # ibis 12 ships no py.typed

from pac.engine.kpis.definitions import CANCELLED_OUTCOMES
from pac.engine.kpis.reasons import Reason
from pac.engine.kpis.runner import Missing, Run, Values, computes, family


def _standing(acts: ir.Table) -> ir.BooleanValue:
    """Not cancelled, rescheduled or rebooked (a rebooked meeting counts once, at its new date)."""
    if "outcome" not in acts.columns:
        return acts.kind.notnull()
    return acts.outcome.isnull() | ~acts.outcome.lower().isin(CANCELLED_OUTCOMES)


def _of_kind(run: Run, kind: str) -> Values:
    """Activities of ``kind`` scheduled in each group up to as_of, standing and not known as missed."""
    run.dims("activities")
    acts = run.tables["activities"]
    if not run.fetch(acts.filter(acts.kind == kind).limit(1).select("kind")):
        raise Missing("no_kind", kind=kind)
    held = acts.held.isnull() | acts.held if "held" in acts.columns else acts.kind.notnull()
    records = run.grouped(
        acts.filter(acts.kind == kind, _standing(acts), held), "scheduled", lambda t: {"n": t.count()}
    )
    return run.counts(records)


@computes("meetings")
def meetings(run: Run) -> Values:
    return _of_kind(run, "meeting")


@computes("demos")
def demos(run: Run) -> Values:
    return _of_kind(run, "demo")


@family("meetings", ("no_show_rate",))
def meetings_query(run: Run, kpis: set[str]) -> ir.Table:
    """Booked meetings and demos per group, and those not held. Being a meeting (a condition on text
    columns) is counted in the aggregate rather than filtered in WHERE, like the closed outcome of deals:
    DuckDB evaluates a WHERE condition inside its Parquet scan, where the typed text (see tables._text) costs
    it about twice as much as in the projection feeding the aggregate."""
    run.dims("activities")
    acts = run.tables["activities"]
    booked = acts.kind.isin(("meeting", "demo"))
    if "outcome" in acts.columns:
        booked &= acts.outcome.isnull() | ~acts.outcome.lower().isin(CANCELLED_OUTCOMES)
    acts = run.narrowed("activities", ("scheduled", "held"), _booked=booked)
    return run.aggregated(
        acts,
        "scheduled",
        lambda t: {"booked": t.count(where=t._booked), "missed": t.count(where=t._booked & ~t.held)},
        acts.scheduled < run.s.as_of,
        acts.held.notnull(),
    )


@computes("no_show_rate")
def no_show_rate(run: Run) -> Values:
    records = run.groups_with(run.family("meetings", "no_show_rate"), "booked")
    return run.ratio(records, "missed", "booked", Reason("no_past_meeting"))
