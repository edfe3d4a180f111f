"""Open-pipeline KPIs: coverage of the remaining target, the weighted pipeline and the sales velocity."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ibis  # type: ignore[import-untyped]  # ibis 12 ships no py.typed
import ibis.expr.types as ir  # type: ignore[import-untyped]  # ibis 12 ships no py.typed

from pac.engine.kpis.deals import closed
from pac.engine.kpis.periods import label
from pac.engine.kpis.reasons import Reason
from pac.engine.kpis.runner import Key, Missing, Record, Run, Values, computes

_O = "opportunities"


def open_due(run: Run) -> ir.Table:
    opps = run.tables[_O]
    run.dims(_O)
    t = opps.filter(opps.outcome == "open")
    if run.s.period is None:
        return t.mutate(closed=ibis.literal(run.s.as_of))  # the whole open pipeline, dated as_of
    return t


def due_grouped(run: Run, metrics: Callable[[ir.Table], dict[str, ir.Scalar]]) -> list[Record]:
    t = open_due(run)
    t = t.filter(t.closed.notnull())
    keys = run.keys(t, "closed")
    expr = t.group_by(**keys).aggregate(**metrics(t)) if keys else t.aggregate(**metrics(t))
    return run.fetch(expr)


@computes("pipeline_coverage")
def pipeline_coverage(run: Run) -> Values:
    target = run.s.remaining_target
    if target is None:
        raise Missing("no_remaining_target")
    out: Values = {}
    for r in due_grouped(run, lambda t: {"amount": t.amount.fill_null(0).sum()}):
        key = run.key(r)
        goal = target.get(key[0]) if isinstance(target, Mapping) else target
        if goal is None or goal <= 0:
            out[key] = (None, Reason("no_target_for_period" if goal is None else "target_reached"))
        else:
            out[key] = ((r["amount"] or 0) / goal, None)
    return out


def probabilities(run: Run) -> dict[str, float]:
    """P(won | stage) learnt from closed opportunities: a won one went through every stage; a lost one
    through the stages up to the one it was lost at (all of them when that stage is not in the order)."""
    t = closed(run)
    t = t.filter(t.closed <= run.s.as_of)
    counts = run.fetch(t.group_by(stage=t.stage.lower(), outcome=t.outcome).aggregate(n=t.count()))
    order = list(run.s.stage_order)
    won = sum(r["n"] for r in counts if r["outcome"] == "won")
    lost_at = [
        (order.index(r["stage"]) if r["stage"] in order else len(order), r["n"])
        for r in counts
        if r["outcome"] == "lost"
    ]
    if not won + sum(n for _, n in lost_at):
        raise Missing("no_closed_history")
    probs: dict[str, float] = {}
    for i, stage in enumerate(order):
        den = won + sum(n for at, n in lost_at if at >= i)
        probs[stage] = won / den if den else 0.0
    probs[""] = won / (won + sum(n for _, n in lost_at))  # stages outside the order: overall win rate
    return probs


@computes("weighted_pipeline")
def weighted_pipeline(run: Run) -> Values:
    probs = probabilities(run)
    overall = probs.pop("")

    def metrics(t: ir.Table) -> dict[str, ir.Scalar]:
        stage = t.stage.lower()
        p = ibis.cases(*((stage == s, p) for s, p in probs.items()), else_=overall) if probs else overall
        return {"v": (t.amount.fill_null(0) * p).sum(), "n": t.count(), "known": t.amount.count()}

    def value(r: Record) -> tuple[float | None, Reason | None]:
        if r["n"] and not r["known"]:  # open deals whose amounts are all blank: 0 € would be a lie
            return None, Reason("no_open_amount")
        return float(r["v"] or 0), None

    return {run.key(r): value(r) for r in due_grouped(run, metrics) if run.in_period(r)}


def open_at_end(run: Run) -> dict[Key, float]:
    """Open opportunities when each period ends (now, without periods)."""
    opps = run.tables[_O]
    if run.s.period is None:
        t = opps.filter(opps.outcome == "open")
        records = run.fetch(t.group_by(list(run.s.by)).aggregate(n=t.count()) if run.s.by else t.aggregate(n=t.count()))
        return {(None, tuple(r.get(d) for d in run.s.by)): float(r["n"]) for r in records}
    first = run.fetch(opps.aggregate(v=opps.created.min()))[0]["v"]
    w = run.window_table(first)
    if w is None:
        return {}
    x = opps.cross_join(w)
    # open when the next period starts: created before it, not closed before it
    x = x.filter(x.created < x._w1, x.closed.isnull() | (x.closed >= x._w1), (x.outcome == "open") | x.closed.notnull())
    records = run.fetch(x.group_by(["_key", *run.s.by]).aggregate(n=x.count()))
    return {(label(r["_key"], run.s.period), tuple(r.get(d) for d in run.s.by)): float(r["n"]) for r in records}


@computes("sales_velocity")
def sales_velocity(run: Run) -> Values:
    win, deal, cycle = run.values("win_rate"), run.values("average_deal"), run.values("sales_cycle")
    opened = open_at_end(run)
    out: Values = {}
    for key, (w, reason) in win.items():
        d, d_reason = deal.get(key, (None, Reason("no_won")))
        c, c_reason = cycle.get(key, (None, Reason("no_won_dates")))
        n = opened.get(key, 0.0)
        why = reason or d_reason or c_reason or (None if c else Reason("zero_cycle"))
        out[key] = (None, why) if why or w is None or d is None or not c else (n * w * d / c, None)
    return out
