"""Customer KPIs: acquisition cost (CAC), and from the subscriptions' MRR, expansion MRR, churn, ARPA,
retention (NRR, GRR), lifetime value (LTV), LTV ÷ CAC, CAC payback and adoption — those broken down by a
subscription's account (its segment or business unit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import ibis  # type: ignore[import-untyped]  # ibis 12 ships no py.typed
import ibis.expr.types as ir  # type: ignore[import-untyped]  # ibis 12 ships no py.typed

from pac.engine.kpis.deals import closed
from pac.engine.kpis.periods import label, months_between
from pac.engine.kpis.reasons import Reason
from pac.engine.kpis.runner import Missing, Record, Run, Value, Values, computes


@computes("cac")
def cac(run: Run) -> Values:
    costs = run.tables["costs"]
    run.dims("costs")
    spend = {
        run.key(r): float(r["v"] or 0)
        for r in run.grouped(costs, "period_start", lambda t: {"v": t.amount.fill_null(0).sum()})
    }
    won = closed(run)
    won = won.filter(won.outcome == "won", won.closed.notnull())
    won = won.mutate(_customer=won.account.fill_null("opportunity:" + won.external_id))
    ranked = won.mutate(_rn=ibis.row_number().over(group_by=won._customer, order_by=[won.closed, won.external_id]))
    first = ranked.filter(ranked._rn == 0)
    new = {run.key(r): float(r["n"]) for r in run.grouped(first, "closed", lambda t: {"n": t.count()})}
    out: Values = {}
    for key in set(spend) | set(new):
        if key[0] is None and run.s.period is not None:
            continue
        customers = new.get(key, 0.0)
        out[key] = (spend.get(key, 0.0) / customers, None) if customers else (None, Reason("no_new_customer"))
    return out


def mrr_windows(run: Run) -> list[Record]:
    """MRR at both ends of each window, per window (and per the account's segment or business unit when
    broken down so): mrr, nrr, grr, expansion, churn and arpa all read it, so it is queried once per run."""
    if "mrr" not in run.memo:
        run.memo["mrr"] = _query_mrr_windows(run, run.with_account_dims("subscriptions"))
    records: list[Record] = run.memo["mrr"]
    return records


def _query_mrr_windows(run: Run, subs: ir.Table) -> list[Record]:
    first = run.fetch(subs.aggregate(v=subs.start.min()))[0]["v"]
    w = run.window_table(first)
    if w is None:
        return []
    by = list(run.s.by)
    x = subs.filter(subs.account.notnull(), subs.start.notnull()).cross_join(w)
    x = x.filter(x.start <= x._w1)

    def active(at: ir.Value) -> ir.BooleanValue:
        return (x.start <= at) & (x.end.isnull() | (x.end > at)) if "end" in x.columns else x.start <= at

    a = x.group_by(list(dict.fromkeys(["_key", "_w0", "_w1", "account", *by]))).aggregate(
        m0=active(x._w0).ifelse(x.mrr.fill_null(0), 0).sum(), m1=active(x._w1).ifelse(x.mrr.fill_null(0), 0).sum()
    )
    cohort = a.m0 > 0
    expr = a.group_by(["_key", "_w0", "_w1", *by]).aggregate(
        start_mrr=cohort.ifelse(a.m0, 0).sum(),
        end_mrr=cohort.ifelse(a.m1, 0).sum(),
        capped=cohort.ifelse(ibis.least(a.m0, a.m1), 0).sum(),
        expansion=cohort.ifelse(ibis.greatest(a.m1 - a.m0, 0), 0).sum(),
        customers=cohort.sum(),
        churned=(cohort & (a.m1 <= 0)).sum(),
        paying=(a.m1 > 0).sum(),
        mrr=(a.m1 > 0).ifelse(a.m1, 0).sum(),
    )
    return run.fetch(expr)


def _per_window(run: Run, compute: Callable[[Record], Value]) -> Values:
    return {
        (label(r["_key"], run.s.period) if run.s.period else None, tuple(r[d] for d in run.s.by)): compute(r)
        for r in mrr_windows(run)
    }


@computes("mrr")
def mrr(run: Run) -> Values:
    return _per_window(run, lambda r: (float(r["mrr"] or 0), None))


@computes("expansion_mrr")
def expansion_mrr(run: Run) -> Values:
    return _per_window(
        run,
        lambda r: (float(r["expansion"] or 0), None) if r["customers"] else (None, Reason("no_customer_at_start")),
    )


@computes("nrr")
def nrr(run: Run) -> Values:
    return _per_window(
        run, lambda r: (r["end_mrr"] / r["start_mrr"], None) if r["start_mrr"] else (None, Reason("no_mrr_at_start"))
    )


@computes("grr")
def grr(run: Run) -> Values:
    return _per_window(
        run, lambda r: (r["capped"] / r["start_mrr"], None) if r["start_mrr"] else (None, Reason("no_mrr_at_start"))
    )


@computes("customer_churn")
def customer_churn(run: Run) -> Values:
    def churn(r: Record) -> Value:
        if not r["customers"]:
            return None, Reason("no_customer_at_start")
        months = months_between(r["_w0"], r["_w1"])
        if months <= 0:
            return None, Reason("empty_window")
        return 1 - (1 - r["churned"] / r["customers"]) ** (1 / months), None

    return _per_window(run, churn)


@computes("arpa")
def arpa(run: Run) -> Values:
    return _per_window(
        run, lambda r: (r["mrr"] / r["paying"], None) if r["paying"] else (None, Reason("no_paying_account"))
    )


def _margin(run: Run) -> float:
    if run.s.gross_margin is None:
        raise Missing("no_gross_margin")
    return run.s.gross_margin


@computes("ltv")
def ltv(run: Run) -> Values:
    margin = _margin(run)
    revenue, churn = run.values("arpa"), run.values("customer_churn")
    out: Values = {}
    for key, (a, why) in revenue.items():
        c, c_why = churn.get(key, (None, Reason("no_churn_figure")))
        if why or c_why or a is None or c is None:
            out[key] = (None, why or c_why)
        elif c == 0:
            out[key] = (None, Reason("unbounded_ltv"))
        else:
            out[key] = (a * margin / c, None)
    return out


def _combine(left: Values, right: Values, op: Callable[[float, float], float | None]) -> Values:
    out: Values = {}
    for key in set(left) & set(right):
        (a, a_why), (b, b_why) = left[key], right[key]
        if a is None or b is None:
            out[key] = (None, a_why or b_why)
        else:
            value = op(a, b)
            out[key] = (value, None) if value is not None else (None, Reason("zero_denominator"))
    for key in set(left) ^ set(right):
        out[key] = (None, Reason("one_side_missing"))
    return out


@computes("ltv_cac")
def ltv_cac(run: Run) -> Values:
    return _combine(run.values("ltv"), run.values("cac"), lambda value, cost: value / cost if cost else None)


@computes("cac_payback")
def cac_payback(run: Run) -> Values:
    margin = _margin(run)
    return _combine(run.values("cac"), run.values("arpa"), lambda cost, a: cost / (a * margin) if a * margin else None)


@computes("adoption_60")
def adoption_60(run: Run) -> Values:
    subs = run.with_account_dims("subscriptions")
    days = run.s.adoption_days
    s = subs.filter(subs.account.notnull(), subs.start.notnull())
    firsts = s.group_by(_acct="account").aggregate(first=s.start.min())
    firsts = firsts.filter(firsts.first <= run.s.as_of - dt.timedelta(days=days))
    j = s.join(firsts, s.account == firsts._acct)
    alive = j.start.delta(j.first, unit="day") <= days
    if "end" in j.columns:
        alive = alive & (j.end.isnull() | (j.end.delta(j.first, unit="day") > days))
    per = j.group_by(list(dict.fromkeys(["_acct", "first", *run.s.by]))).aggregate(active=alive.ifelse(1, 0).max())
    records = run.grouped(per, "first", lambda t: {"den": t.count(), "num": t.active.sum()})
    return run.ratio(records, "num", "den", Reason("no_customer_old_enough", {"days": days}))
