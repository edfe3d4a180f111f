"""Stage-to-stage KPIs from the stage history (``opportunity_stages``): of the deals that left a stage, the
share that went on to a later one, and how many days they stayed in it before they did.

A deal leaves a stage when it enters another one (a later one in the stage order, when both are in it) or
closes: it *went on* when it entered a later stage or was won from there, it *dropped* when it was lost
there (or entered a « lost » stage). A deal still in the stage at ``as_of``, or that went back to an earlier
stage, has not left it. Each stage counts once per deal, from its first entry; the exit is dated by the
day it happened (the next entry, or the close), which places it in a period and in ``start``…``as_of``.
Break down by ``stage`` for one row per stage (the stage names of the history, lower-case); other
dimensions are the opportunity's.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis  # type: ignore[import-untyped]  # ibis 12 ships no py.typed
import ibis.expr.types as ir  # type: ignore[import-untyped]  # ibis 12 ships no py.typed

from pac.engine.kpis.deals import has_median
from pac.engine.kpis.reasons import Reason
from pac.engine.kpis.runner import Missing, Record, Run, Values, computes

#: The KPIs a breakdown by ``stage`` is meant for (the stage a deal left, from the stage history); any other
#: KPI broken down by stage would read the opportunity's current stage, which says something else: a page
#: offering « stage » as a breakdown says ``not_by_stage`` for them.
BY_STAGE = ("stage_conversion", "stage_days")

_S = "opportunity_stages"
_O = "opportunities"
#: Stage names that say the deal was lost there (a CRM may record the loss as a stage of its history).
LOST_STAGES = ("lost", "closed lost", "closedlost", "closed_lost")
#: Stage names of the close itself: they are no stage a deal leaves.
CLOSED_STAGES = ("won", "closed won", "closedwon", "closed_won", *LOST_STAGES)


def exits(run: Run) -> ir.Table:
    """One row per deal and stage it left by ``as_of`` (and from ``start``): ``_on`` (went on to a later
    stage or won), ``_days`` (days in the stage before going on), dated ``_left``."""
    opps = run.tables[_O]
    dims = [d for d in run.s.by if d != "stage"]
    missing = [d for d in dims if d not in opps.columns]
    if missing:
        raise Missing("no_breakdown_column", table=_O, columns=", ".join(missing))
    stages = run.tables[_S]
    stages = stages.filter(stages.entered.notnull(), stages.stage.notnull())
    stage = stages.stage.lower()
    # the first entry into each stage (repeats of a stage are no new entry), with its place in the order; as
    # few nested queries as can be: SQLite's parser has a bounded depth
    once = ibis.window(group_by=[stages.opportunity, stage], order_by=[stages.entered, stages.external_id])
    order = list(run.s.stage_order)
    first = stages.select(
        "external_id",
        "opportunity",
        "entered",
        stage=stage,
        _nth=ibis.row_number().over(once),
        _rank=ibis.cases(*((stage == s, i) for i, s in enumerate(order)), else_=ibis.null("int64")),
    )
    first = first.filter(first._nth == 0)
    after = ibis.window(group_by=first.opportunity, order_by=[first.entered, first.external_id])
    steps = first.select(
        "opportunity",
        "stage",
        "entered",
        "_rank",
        _next=first.stage.lead().over(after),
        _next_at=first.entered.lead().over(after),
        _next_rank=first._rank.lead().over(after),
    )
    deals = opps.select(
        _deal=opps.external_id, _outcome=opps.outcome, _closed=opps.closed, **{d: opps[d] for d in dims}
    )
    t = steps.join(deals, steps.opportunity == deals._deal)
    t = t.filter(~t.stage.isin(CLOSED_STAGES))
    lost_next = t._next.isin(LOST_STAGES)
    moved = t._next.notnull() & ~lost_next
    later = t._rank.isnull() | t._next_rank.isnull() | (t._next_rank > t._rank)
    went_on = (moved & later) | (t._next.isnull() & (t._outcome == "won"))
    dropped = (t._next.isnull() & (t._outcome == "lost")) | lost_next
    left = ibis.ifelse(t._next.notnull(), t._next_at, t._closed)
    t = t.select(*dims, "stage", _on=went_on, _dropped=dropped, _left=left, _days=left.delta(t.entered, unit="day"))
    return t.filter(t._on | t._dropped)


def _exits(run: Run) -> list[Record]:
    if "stage_exits" not in run.memo:
        t = exits(run)
        figures: dict[str, Callable[[ir.Table], ir.Scalar]] = {
            "left_n": lambda x: x.count(),
            "on_n": lambda x: x.count(where=x._on),
            "days_n": lambda x: x.count(where=x._on & x._days.notnull()),
        }
        if has_median(run):
            figures["days_median"] = lambda x: x._days.quantile(0.5, where=x._on)
        run.memo["stage_exits"] = run.grouped(t, "_left", lambda x: {k: f(x) for k, f in figures.items()})
    records: list[Record] = run.memo["stage_exits"]
    return run.groups_with(records, "left_n")


@computes("stage_conversion")
def stage_conversion(run: Run) -> Values:
    return run.ratio(_exits(run), "on_n", "left_n", Reason("no_data_in_range"))


@computes("stage_days")
def stage_days(run: Run) -> Values:
    empty = Reason("no_data_in_range")
    if has_median(run):
        records = [r for r in _exits(run) if run.in_period(r)]
        for r in records:
            run.based(run.key(r), r["days_n"])
        return {
            run.key(r): (float(r["days_median"]), None) if r["days_median"] is not None else (None, empty)
            for r in records
        }
    t = exits(run)
    t = t.filter(t._on)
    medians = run.window_medians(t, "_left", t._days)
    for r in medians:
        run.based(run.key(r), r["n"])
    return {run.key(r): (float(r["v"]), None) for r in medians if run.in_period(r) and r["v"] is not None}
