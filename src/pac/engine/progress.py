"""Plan versus actual: how far each objective is, and how far it should be by now.

The expected share grows with the plan's business days: on the 31st of 62 business days, half of
a quarter's revenue should be in. Actuals come from the KPI engine (or the CRM data) of the caller."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from pac.engine.calendar import business_days_between
from pac.engine.funnel import periods_in_plan
from pac.engine.model import Metric, Objective, Plan

#: Metrics whose target is a total to accumulate (a rate or an average is compared as it is).
CUMULATIVE = {
    Metric.REVENUE,
    Metric.WINS,
    Metric.LEADS,
    Metric.MQLS,
    Metric.SQLS,
    Metric.MEETINGS,
    Metric.DEMOS,
    Metric.PROPOSALS,
    Metric.ACCOUNTS,
}


@dataclass(frozen=True)
class ObjectiveProgress:
    objective: Objective
    target: Decimal  # over the whole plan (a weekly target times the plan's weeks)
    actual: Decimal | None  # None: no data says it
    share: Decimal | None  # actual ÷ target
    expected_share: Decimal  # where a cumulative objective should be today (1 for rates and averages)

    @property
    def on_track(self) -> bool | None:
        if self.share is None:
            return None
        return self.share >= self.expected_share


def expected_share(plan: Plan, today: dt.date) -> Decimal:
    """Business days elapsed (today included) ÷ business days of the plan; 0 before, 1 after."""
    if today < plan.start:
        return Decimal(0)
    total = business_days_between(plan.start, plan.end, plan.country)
    done = business_days_between(plan.start, min(today, plan.end), plan.country)
    return Decimal(done) / Decimal(total) if total else Decimal(1)


def objective_progress(plan: Plan, actuals: Mapping[Metric, Decimal | None], today: dt.date) -> list[ObjectiveProgress]:
    """One line per objective that has a metric and a target."""
    elapsed = expected_share(plan, today)
    lines = []
    for objective in plan.objectives:
        if objective.metric is None or objective.target is None:
            continue
        target = objective.target * periods_in_plan(plan, objective.per)
        actual = actuals.get(objective.metric)
        share = actual / target if actual is not None and target else None
        expected = elapsed if objective.metric in CUMULATIVE else Decimal(1)
        lines.append(ObjectiveProgress(objective, target, actual, share, expected))
    return lines
