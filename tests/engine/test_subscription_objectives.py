"""NRR and adoption as plan objectives (issue 13, key accounts): the plan file reads, checks and writes
them, plan versus actual measures them on the subscriptions over the objective's window (a segment's
objective on its accounts only), the pace alert fires when they fall behind, and the subscription KPIs
break down by the account's segment or business unit. Expected values are computed here from the rows,
independently of the KPI engine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import ibis
import pytest

from pac.engine import model
from pac.engine.alerts import AlertInputs, evaluate
from pac.engine.formatting import Formatter
from pac.engine.kpis import canonical_tables, compute_kpis
from pac.engine.model import Metric, Objective
from pac.engine.planfile import PlanFileError, dump_plan, parse_plan_file, to_plan
from pac.engine.progress import objective_progress, plan_actuals

D = Decimal
NONE = None

#: (subscription, account, start, end, mrr)
SUBSCRIPTIONS = [
    ("s1", "a", dt.date(2026, 6, 1), NONE, 1000.0),
    ("s2", "a", dt.date(2027, 3, 1), NONE, 300.0),  # upsell: expansion
    ("s3", "b", dt.date(2026, 1, 1), dt.date(2027, 4, 1), 500.0),  # churned
    ("s4", "c", dt.date(2026, 9, 1), NONE, 200.0),
    ("s5", "d", dt.date(2026, 10, 1), NONE, 100.0),
    ("s6", "d", dt.date(2027, 2, 1), NONE, 50.0),  # upsell
    ("s7", "e", dt.date(2027, 2, 1), NONE, 400.0),  # new, still there at 60 days: adopted
    ("s8", "f", dt.date(2027, 3, 1), dt.date(2027, 3, 20), 100.0),  # new, gone before 60 days
    ("s9", "g", dt.date(2027, 6, 1), NONE, 80.0),  # new, too recent to tell
    ("s10", "zz", dt.date(2026, 1, 1), NONE, 70.0),  # an account the accounts table does not know
]
#: (account, segment, business unit)
ACCOUNTS = [
    ("a", "Grands comptes", "Industrie"),
    ("b", "Grands comptes", "Services"),
    ("c", "PME", "Industrie"),
    ("d", "PME", "Services"),
    ("e", "PME", "Industrie"),
    ("f", "Grands comptes", "Industrie"),
    ("g", "PME", "Services"),
]
START, TODAY = dt.date(2027, 1, 1), dt.date(2027, 6, 30)


def tables() -> dict[str, Any]:
    subscriptions = ibis.memtable(
        {
            "external_id": [s[0] for s in SUBSCRIPTIONS],
            "account": [s[1] for s in SUBSCRIPTIONS],
            "start": [s[2] for s in SUBSCRIPTIONS],
            "end": [s[3] for s in SUBSCRIPTIONS],
            "mrr": [s[4] for s in SUBSCRIPTIONS],
        },
        schema={"external_id": "string", "account": "string", "start": "date", "end": "date", "mrr": "float64"},
    )
    accounts = ibis.memtable(
        {
            "external_id": [a[0] for a in ACCOUNTS],
            "segment": [a[1] for a in ACCOUNTS],
            "business_unit": [a[2] for a in ACCOUNTS],
        }
    )
    return canonical_tables({"subscriptions": subscriptions, "accounts": accounts})


# --- the expected figures, from the rows ------------------------------------------------------------


def mrr_at(account: str, day: dt.date) -> float:
    return sum(
        mrr
        for _, acc, start, end, mrr in SUBSCRIPTIONS
        if acc == account and start <= day and (end is None or end > day)
    )


def accounts_of(column: int | None = None, value: str | None = None) -> set[str]:
    known = {a[0]: a for a in ACCOUNTS}
    every = {s[1] for s in SUBSCRIPTIONS}
    if column is None:
        return every
    return {acc for acc in every if (known[acc][column] if acc in known else None) == value}


def expected_nrr(accounts: set[str], first: dt.date, last: dt.date) -> float:
    cohort = [acc for acc in accounts if mrr_at(acc, first) > 0]
    return sum(mrr_at(acc, last) for acc in cohort) / sum(mrr_at(acc, first) for acc in cohort)


def expected_expansion(accounts: set[str], first: dt.date, last: dt.date) -> float:
    cohort = [acc for acc in accounts if mrr_at(acc, first) > 0]
    return sum(max(mrr_at(acc, last) - mrr_at(acc, first), 0) for acc in cohort)


def expected_adoption(accounts: set[str], first: dt.date, last: dt.date, days: int = 60) -> float:
    starts = {acc: min(s[2] for s in SUBSCRIPTIONS if s[1] == acc) for acc in accounts}
    new = [acc for acc, day in starts.items() if first <= day <= last - dt.timedelta(days=days)]
    kept = [acc for acc in new if mrr_at(acc, starts[acc] + dt.timedelta(days=days)) > 0]
    return len(kept) / len(new)


# --- the plan file -------------------------------------------------------------------------------

PLAN = """\
plan: {name: Grands comptes, start: 2027-01-01, end: 2027-12-31}
objectives:
  - {id: nrr, metric: nrr, target: 1.15, deadline: 2027-12-31}
  - {id: adoption, metric: adoption, target: 0.8}
"""


def test_the_plan_file_reads_and_writes_nrr_and_adoption_objectives() -> None:
    plan = to_plan(parse_plan_file(PLAN))

    assert [(o.metric, o.target) for o in plan.objectives] == [(Metric.NRR, D("1.15")), (Metric.ADOPTION, D("0.8"))]
    assert to_plan(parse_plan_file(dump_plan(plan))).objectives == plan.objectives


@pytest.mark.parametrize(
    ("line", "limit"),
    [
        ("{id: nrr, metric: nrr, target: 5.5}", "at most 5 (500 %)"),
        ("{id: a, metric: adoption, target: 1.2}", "(100 %)"),
    ],
)
def test_the_plan_file_refuses_a_rate_written_in_per_cent(line: str, limit: str) -> None:
    """« target: 115 » for 115 % would be an NRR of 11 500 %: refused where it is written."""
    text = PLAN.replace("{id: nrr, metric: nrr, target: 1.15, deadline: 2027-12-31}", line)
    with pytest.raises(PlanFileError) as raised:
        parse_plan_file(text)

    (issue,) = raised.value.issues
    assert str(issue).startswith("objectives[0].target: a rate is written as a fraction") and limit in str(issue)
    assert issue.line == 3


# --- plan versus actual ------------------------------------------------------------------------------

KEY_ACCOUNTS = model.Plan(
    name="Grands comptes",
    start=START,
    end=dt.date(2027, 12, 31),
    segments=(model.Segment("grands-comptes", "Grands comptes"),),
    objectives=(
        Objective("nrr", Metric.NRR, D("1.15"), dt.date(2027, 12, 31)),
        Objective("nrr-gc", Metric.NRR, D("1.15"), dt.date(2027, 12, 31), segment="grands-comptes"),
        Objective("adoption", Metric.ADOPTION, D("0.8")),
        Objective("adoption-pme", Metric.ADOPTION, D("0.8"), segment="pme"),
        Objective("nrr-eti", Metric.NRR, D("1.15"), segment="eti"),
    ),
)


def test_nrr_and_adoption_objectives_are_measured_on_the_subscriptions_of_their_window() -> None:
    actuals = plan_actuals(KEY_ACCOUNTS, tables(), TODAY)

    everyone, key = accounts_of(), accounts_of(1, "Grands comptes")
    assert float(actuals["nrr"].value or 0) == pytest.approx(expected_nrr(everyone, START, TODAY), abs=1e-4)
    assert float(actuals["nrr-gc"].value or 0) == pytest.approx(expected_nrr(key, START, TODAY), abs=1e-4)
    assert actuals["nrr-gc"].value != actuals["nrr"].value  # the segment's accounts only
    assert float(actuals["adoption"].value or 0) == pytest.approx(expected_adoption(everyone, START, TODAY))
    assert float(actuals["adoption-pme"].value or 0) == pytest.approx(
        expected_adoption(accounts_of(1, "PME"), START, TODAY)
    )
    assert actuals["nrr-eti"].reason == "segment_not_in_accounts"
    assert actuals["nrr-eti"].params["found"] == "Grands comptes, PME"


def test_an_nrr_objective_counts_from_the_plans_start_not_the_last_twelve_months() -> None:
    """Account c was already paying on 1 January: a window of twelve months before today would start
    before its subscription and leave it out."""
    later = dt.date(2027, 9, 30)
    (actual,) = plan_actuals(
        model.Plan("T", START, dt.date(2027, 12, 31), objectives=(Objective("nrr", Metric.NRR, D("1.1")),)),
        tables(),
        later,
    ).values()
    assert float(actual.value or 0) == pytest.approx(expected_nrr(accounts_of(), START, later), abs=1e-4)
    assert expected_nrr(accounts_of(), START, later) != pytest.approx(
        expected_nrr(accounts_of(), dt.date(2026, 9, 30), later), abs=1e-4
    )


def test_nrr_and_adoption_behind_their_targets_raise_the_pace_alert() -> None:
    actuals = plan_actuals(KEY_ACCOUNTS, tables(), TODAY)
    lines = objective_progress(KEY_ACCOUNTS, actuals, TODAY)
    nrr = next(line for line in lines if line.objective.id == "nrr")
    assert nrr.expected_share == 1 and nrr.on_track is False  # a rate is compared as it is

    alerts = evaluate(KEY_ACCOUNTS, AlertInputs(progress=tuple(lines)), TODAY)
    behind = {a.subject["objective"]: a for a in alerts if a.code == "pace_behind"}

    assert {"nrr", "nrr-gc", "adoption"} <= set(behind)
    worded = behind["nrr"].message(Formatter("en"))
    assert "Net revenue retention" in worded
    assert f"{round(expected_nrr(accounts_of(), START, TODAY) * 100)}% so far where 115% were expected" in worded


def test_an_nrr_objective_on_track_raises_nothing() -> None:
    plan = model.Plan("T", START, dt.date(2027, 12, 31), objectives=(Objective("nrr", Metric.NRR, D("0.9")),))
    lines = objective_progress(plan, plan_actuals(plan, tables(), TODAY), TODAY)

    assert lines[0].on_track is True
    assert not [a for a in evaluate(plan, AlertInputs(progress=tuple(lines)), TODAY) if a.code == "pace_behind"]


# --- subscription KPIs by the account's segment or business unit ---------------------------------------


def _by(dimension: str, kpi: str) -> dict[Any, float | None]:
    rows = compute_kpis(tables(), as_of=TODAY, start=START, by=(dimension,), kpis=[kpi])
    return {row["by"][dimension]: row["value"] for row in rows}


@pytest.mark.parametrize(("dimension", "column"), [("business_unit", 2), ("segment", 1)])
def test_subscription_kpis_break_down_by_the_accounts_column(dimension: str, column: int) -> None:
    values = {a[column] for a in ACCOUNTS}
    nrr, expansion, mrr = _by(dimension, "nrr"), _by(dimension, "expansion_mrr"), _by(dimension, "mrr")

    for value in values:
        accounts = accounts_of(column, value)
        assert nrr[value] == pytest.approx(expected_nrr(accounts, START, TODAY))
        assert expansion[value] == pytest.approx(expected_expansion(accounts, START, TODAY))
        assert mrr[value] == pytest.approx(sum(mrr_at(acc, TODAY) for acc in accounts))
    assert mrr[None] == 70.0  # the unknown account's subscription, under no value
    assert sum(v for v in mrr.values() if v is not None) == sum(mrr_at(acc, TODAY) for acc in accounts_of())


def test_adoption_breaks_down_by_business_unit() -> None:
    adoption = _by("business_unit", "adoption_60")

    assert adoption == {"Industrie": pytest.approx(expected_adoption(accounts_of(2, "Industrie"), START, TODAY))}
    assert adoption["Industrie"] == 0.5  # e kept, f gone; Services' only new account is too recent


def test_a_breakdown_the_accounts_do_not_carry_says_why() -> None:
    (row,) = compute_kpis(tables(), as_of=TODAY, by=("owner",), kpis=["nrr"])

    assert row["status"] == "not_computable" and row["reason_code"] == "no_breakdown_column"
    without_accounts = {"subscriptions": tables()["subscriptions"]}
    (row,) = compute_kpis(without_accounts, as_of=TODAY, by=("business_unit",), kpis=["mrr"])
    assert row["reason_code"] == "no_breakdown_column"
