"""The reverse funnel: volumes per stage and lead times (pac.engine.funnel)."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from decimal import Decimal

import pytest
from hypothesis import given, settings

from pac.engine import model
from pac.engine.funnel import FunnelInputError, revenue_target, reverse_funnel
from pac.engine.model import Metric, Period, Stage

from .strategies import (
    revenue_plans,
)


def test_it_gives_the_design_example_volumes(design_plan: model.Plan) -> None:
    funnel = reverse_funnel(design_plan)

    volumes = {s.stage: s.volume for s in funnel.stages}
    assert volumes == {
        Stage.LEAD: 1340,
        Stage.MQL: 335,
        Stage.SQL: 134,
        Stage.DEMO: 67,
        Stage.PROPOSAL: 20,
        Stage.WON: 12,
    }
    assert funnel.won == 12
    assert funnel.revenue_target == 1_000_000


def test_it_sums_the_days_below_a_stage_as_its_lead_time(design_plan: model.Plan) -> None:
    funnel = reverse_funnel(design_plan)

    # days below each stage: proposal 21, demo 14+21, sql 10+35, mql 7+45, lead 7+52
    assert {s.stage: s.days_to_won for s in funnel.stages} == {
        Stage.LEAD: 59,
        Stage.MQL: 52,
        Stage.SQL: 45,
        Stage.DEMO: 35,
        Stage.PROPOSAL: 21,
        Stage.WON: 0,
    }
    assert funnel.lead_time_days == 59


def test_it_divides_in_exact_decimals(small_plan) -> None:
    assert reverse_funnel(small_plan(wins=12, rate="0.6")).volume(Stage.DEMO) == 20  # never 21

    assert math.ceil(21 / 0.7) == 31  # binary floats make 21 ÷ 0.7 a hair above 30…
    assert reverse_funnel(small_plan(wins=21, rate="0.7")).volume(Stage.DEMO) == 30  # …not decimals


def test_it_rounds_wins_up_only_when_the_revenue_is_not_a_whole_number_of_deals(small_plan) -> None:
    def wins_for(revenue: int, average_deal: int) -> int:
        plan = small_plan(
            average_deal=Decimal(average_deal),
            objectives=(model.Objective("rev", Metric.REVENUE, Decimal(revenue), dt.date(2027, 1, 31)),),
        )
        return reverse_funnel(plan).won

    assert wins_for(1_000_000, 100_000) == 10
    assert wins_for(1_000_000, 83_334) == 12  # 11.99995 deals: a 12th is needed
    assert wins_for(1_000_001, 100_000) == 11


def test_it_multiplies_a_recurring_revenue_objective_over_the_plan(small_plan) -> None:
    plan = small_plan(
        average_deal=Decimal(1000),
        objectives=(
            model.Objective("weekly", Metric.REVENUE, Decimal(5000), per=Period.WEEK),
            model.Objective("once", Metric.REVENUE, Decimal(2000), dt.date(2027, 1, 31)),
        ),
    )

    assert revenue_target(plan) == 4 * 5000 + 2000  # the plan is 28 days: 4 weeks
    assert reverse_funnel(plan).won == 22


def test_it_takes_the_wins_from_a_wins_objective_when_there_is_no_revenue(small_plan) -> None:
    funnel = reverse_funnel(small_plan(wins=7))

    assert funnel.won == 7
    assert funnel.revenue_target is None
    assert funnel.volume(Stage.DEMO) == 14


def test_it_needs_a_target_to_run_the_funnel(small_plan) -> None:
    with pytest.raises(FunnelInputError) as raised:
        reverse_funnel(small_plan(objectives=(model.Objective("demos", Metric.DEMOS, Decimal(30), per=Period.WEEK),)))

    assert raised.value.code == "funnel_no_target"


@settings(max_examples=150, deadline=None)
@given(revenue_plans())
def test_it_asks_for_volumes_that_reach_the_target_when_pushed_forward(plan: model.Plan) -> None:
    funnel = reverse_funnel(plan)

    target = plan.objectives[0].target
    assert target is not None and plan.average_deal is not None
    assert funnel.won * plan.average_deal >= target
    for upper, lower in itertools.pairwise(funnel.stages):
        assert upper.rate is not None
        assert upper.volume * upper.rate >= lower.volume


@settings(max_examples=150, deadline=None)
@given(revenue_plans())
def test_it_asks_for_no_more_than_the_target_needs(plan: model.Plan) -> None:
    """One unit fewer at any stage would miss the next stage (or the revenue): no padding."""
    funnel = reverse_funnel(plan)

    target = plan.objectives[0].target
    assert target is not None and plan.average_deal is not None
    assert (funnel.won - 1) * plan.average_deal < target
    for upper, lower in itertools.pairwise(funnel.stages):
        assert upper.rate is not None
        assert (upper.volume - 1) * upper.rate < lower.volume


@settings(max_examples=150, deadline=None)
@given(revenue_plans())
def test_it_never_decreases_volumes_going_up_the_funnel(plan: model.Plan) -> None:
    volumes = [s.volume for s in reverse_funnel(plan).stages]

    assert volumes == sorted(volumes, reverse=True)
