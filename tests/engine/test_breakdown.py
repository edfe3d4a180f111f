"""``breakdown``: a year broken into quarters and months whose parts add up exactly, by the season."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import pac.engine
from pac.engine.analysis import analyse
from pac.engine.breakdown import By, break_down, seasonality_from
from pac.engine.model import Metric
from pac.engine.planfile import dump_plan, load_plan_file, parse_plan_file, to_plan

EXAMPLE = Path(pac.engine.__file__).parent / "examples" / "saas-midmarket.yaml"


def year_plan(target: Decimal = Decimal(4_000_000), fiscal_year_start: int = 1):
    """The example stretched to a year, its totals due at the year's end."""
    plan = to_plan(load_plan_file(EXAMPLE))
    start = dt.date(2027, fiscal_year_start, 1)
    end = dt.date(2027 + (fiscal_year_start > 1), (fiscal_year_start - 2) % 12 + 1, 1)
    end = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    objectives = tuple(
        dataclasses.replace(o, deadline=end, target=target if o.metric is Metric.REVENUE else o.target)
        if o.deadline == plan.end
        else o
        for o in plan.objectives
    )
    return dataclasses.replace(plan, start=start, end=end, fiscal_year_start=fiscal_year_start, objectives=objectives)


def revenue_of(part_plan):
    return next(o.target for o in part_plan.objectives if o.metric is Metric.REVENUE)


def test_a_year_splits_into_four_quarters_that_add_up_to_the_target_exactly() -> None:
    parts = break_down(year_plan(Decimal(1_000_001)), By.QUARTER)
    assert [p.key for p in parts] == ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"]
    assert [(p.start, p.end) for p in parts][1] == (dt.date(2027, 4, 1), dt.date(2027, 6, 30))
    revenue = [revenue_of(p.plan) for p in parts]
    assert sum(revenue) == 1_000_001 and max(revenue) - min(revenue) <= 1
    assert all(next(o for o in p.plan.objectives if o.metric is Metric.REVENUE).deadline == p.end for p in parts)
    wins = [next(o.target for o in p.plan.objectives if o.metric is Metric.WINS) for p in parts]
    assert wins == [3, 3, 3, 3]
    # a weekly objective stays as it is in every part; an objective due in January lands in Q1 only
    assert all(any(o.id == "demos" and o.target == 30 for o in p.plan.objectives) for p in parts)
    assert [any(o.id == "icp-accounts" for o in p.plan.objectives) for p in parts] == [True, False, False, False]


def test_quarters_follow_the_fiscal_year() -> None:
    parts = break_down(year_plan(fiscal_year_start=4), By.QUARTER)
    assert [(p.key, p.start) for p in parts] == [
        ("2027-Q1", dt.date(2027, 4, 1)),
        ("2027-Q2", dt.date(2027, 7, 1)),
        ("2027-Q3", dt.date(2027, 10, 1)),
        ("2027-Q4", dt.date(2028, 1, 1)),
    ]


def test_the_season_weighs_the_parts() -> None:
    # December counts three times a usual month, August half
    season = [Decimal(1)] * 12
    season[11], season[7] = Decimal(3), Decimal("0.5")
    parts = break_down(year_plan(Decimal(1_350_000)), By.MONTH, season)  # 13.5 month-weights of 100 000
    revenue = {p.key: revenue_of(p.plan) for p in parts}
    assert (revenue["2027-01"], revenue["2027-08"], revenue["2027-12"]) == (100_000, 50_000, 300_000)
    assert sum(revenue.values()) == 1_350_000
    assert sum(p.share for p in parts) == 1


def test_actions_land_where_they_run_and_their_volumes_budget_and_hours_add_up() -> None:
    plan = year_plan()
    parts = break_down(plan, By.MONTH)
    for action in plan.actions:
        pieces = [a for p in parts for a in p.plan.actions if a.id == action.id]
        assert pieces, action.id
        assert sum(a.budget for a in pieces) == action.budget
        assert sum(a.hours for a in pieces) == action.hours
        if action.expected is not None:
            assert sum(a.expected.volume for a in pieces if a.expected) == action.expected.volume
        assert min(a.start for a in pieces) == action.start and max(a.end for a in pieces) == action.end
    for part in parts:
        assert all(part.start <= a.start <= a.end <= part.end for a in part.plan.actions)


def test_every_part_is_a_valid_plan_file_that_the_engine_analyses() -> None:
    for part in break_down(year_plan(), By.QUARTER):
        again = to_plan(parse_plan_file(dump_plan(part.plan)))
        assert again == part.plan
        assert analyse(again).diagnostics is not None


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 10**9),
    st.lists(st.decimals(0, 100, places=2), min_size=12, max_size=12).filter(lambda w: sum(w) > 0),
    st.sampled_from(list(By)),
    st.integers(1, 12),
)
def test_parts_always_add_up_to_the_whole(target: int, season: list[Decimal], by: By, fy: int) -> None:
    parts = break_down(year_plan(Decimal(target), fy), by, season)
    assert (
        sum(revenue_of(p.plan) for p in parts if any(o.metric is Metric.REVENUE for o in p.plan.objectives)) == target
    )
    assert parts[0].start == year_plan(fiscal_year_start=fy).start
    assert all(b.start == a.end + dt.timedelta(days=1) for a, b in itertools.pairwise(parts))


def test_seasonality_from_history_averages_each_calendar_month() -> None:
    history = [(dt.date(2025, m, 1), 100.0) for m in range(1, 13)] + [(dt.date(2026, 12, 1), 500.0)]
    weights = seasonality_from(history)
    assert len(weights) == 12
    assert abs(weights[11] - 3 * weights[0]) < Decimal("0.001")  # December: (100 + 500) / 2 = 300 against 100
    assert abs(sum(weights) - 12) < Decimal("0.01")
    assert seasonality_from([]) == (Decimal(1),) * 12
