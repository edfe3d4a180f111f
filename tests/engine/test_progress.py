"""Plan versus actual: share of target reached and share expected by a given day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pac.engine import model
from pac.engine.model import Metric, Period
from pac.engine.progress import expected_share, objective_progress

Q1 = model.Plan(
    name="T1",
    start=dt.date(2027, 1, 1),
    end=dt.date(2027, 3, 31),
    objectives=(
        model.Objective("nb", Metric.REVENUE, Decimal(1_000_000), dt.date(2027, 3, 31)),
        model.Objective("demos", Metric.DEMOS, Decimal(30), per=Period.WEEK),
        model.Objective("rate", Metric.WIN_RATE, Decimal("0.3"), dt.date(2027, 3, 31)),
        model.Objective("draft", None, Decimal(1)),
    ),
)


def test_it_expects_the_share_of_business_days_gone_by() -> None:
    # Q1 2027 has 62 business days in France (64 weekdays less 1 January and Easter Monday);
    # by Friday 15 January, 10 of them are done (4–8 and 11–15 January).
    assert expected_share(Q1, dt.date(2027, 1, 15)) == Decimal(10) / 62
    assert expected_share(Q1, dt.date(2026, 12, 1)) == 0
    assert expected_share(Q1, dt.date(2027, 6, 1)) == 1


def test_it_compares_each_objective_with_its_actual() -> None:
    lines = {
        p.objective.id: p
        for p in objective_progress(
            Q1, {Metric.REVENUE: Decimal(250_000), Metric.WIN_RATE: Decimal("0.25")}, dt.date(2027, 2, 12)
        )
    }
    assert set(lines) == {"nb", "demos", "rate"}  # an objective without a metric has nothing to compare
    assert lines["nb"].share == Decimal("0.25") and lines["nb"].expected_share == Decimal(30) / 62
    assert lines["nb"].on_track is False  # 25 % done where 48 % of the quarter has gone by
    assert lines["demos"].target == 390 and lines["demos"].actual is None and lines["demos"].on_track is None
    assert lines["rate"].expected_share == 1 and lines["rate"].share == Decimal("0.25") / Decimal("0.3")
