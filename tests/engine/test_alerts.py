"""Alerts (pac.engine.alerts): each rule fires at its threshold and stays quiet just on the safe side of
it; keys stay the same from one run to the next; thresholds come from the plan file's alerts section."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal

import pytest

from pac.engine import model
from pac.engine.alerts import SEVERITIES, TEMPLATES, Alert, AlertInputs, OpenDeal, StageConversion, evaluate, to_json
from pac.engine.analysis import analyse
from pac.engine.capacity import RoleCapacity, WeekLoad
from pac.engine.formatting import Formatter
from pac.engine.model import ActionStatus, ActionType, AlertThresholds, Metric, Objective, Severity, Stage
from pac.engine.planfile import PlanFileError, dump_plan, parse_plan_file, to_plan
from pac.engine.progress import Actual, ObjectiveProgress
from pac.engine.workdays import IsoWeek

D = Decimal
TODAY = dt.date(2027, 2, 15)  # a Monday, ISO week 7
THIS_WEEK = IsoWeek(2027, 7)


@pytest.fixture
def plan(small_plan: Callable[..., model.Plan]) -> model.Plan:
    """A quarter with SQL (10 days) → proposal (20 days, 25 % win rate) → won, 10 000 € a deal."""
    return small_plan(
        end=dt.date(2027, 3, 28),
        average_deal=D(10000),
        steps=(
            model.FunnelStep(Stage.SQL, D("0.5"), 10),
            model.FunnelStep(Stage.PROPOSAL, D("0.25"), 20),
            model.FunnelStep(Stage.WON),
        ),
    )


def codes(alerts: list[Alert]) -> list[str]:
    return [a.code for a in alerts]


def run(plan: model.Plan, **inputs: object) -> list[Alert]:
    return evaluate(plan, AlertInputs(**inputs), TODAY)  # type: ignore[arg-type]


def progress(
    actual: str, target: str = "100", expected: str = "0.5", metric: Metric = Metric.REVENUE
) -> ObjectiveProgress:
    objective = Objective("rev", metric, D(target), dt.date(2027, 3, 28))
    return ObjectiveProgress(objective, D(target), Actual(D(actual)), D(actual) / D(target), D(expected))


def test_pace_fires_ten_percent_behind_the_expected_to_date(plan: model.Plan) -> None:
    # half the period gone: 50 expected; 45 is 10 % behind
    (alert,) = run(plan, progress=(progress("45"),))
    assert alert.code == "pace_behind" and alert.subject == {"objective": "rev"}
    assert alert.params["behind_rate"] == D("0.1") and alert.params["expected"] == 50
    assert run(plan, progress=(progress("45.01"),)) == []
    stricter = dataclasses.replace(plan, alerts=AlertThresholds(pace_behind=D("0.2")))
    assert run(stricter, progress=(progress("45"),)) == []
    assert codes(run(stricter, progress=(progress("40"),))) == ["pace_behind"]


def test_pace_is_worded_as_its_metric_reads(plan: model.Plan) -> None:
    (rate,) = run(plan, progress=(progress("0.3", "0.64", "1", Metric.WIN_RATE),))
    assert "Win rate" in rate.message() and "30.0% so far where 64.0% were expected" in rate.message()
    assert "rev" not in rate.message()  # the objective by its metric's name, not its code in the plan file
    (wins,) = run(plan, progress=(progress("707", "1254", "0.6875", Metric.WINS),))
    assert "707 so far where 862 were expected" in wins.message()  # whole deals, not 862.1


def test_pace_of_a_sales_cycle_is_behind_when_over_its_target(plan: model.Plan) -> None:
    assert codes(run(plan, progress=(progress("66", "60", "1", Metric.CYCLE_DAYS),))) == ["pace_behind"]
    assert run(plan, progress=(progress("65.9", "60", "1", Metric.CYCLE_DAYS),)) == []


def deals(count: int, amount: str | None = "10000", stage: Stage = Stage.PROPOSAL) -> tuple[OpenDeal, ...]:
    return tuple(OpenDeal(f"d{i}", stage, dt.date(2027, 2, 10), D(amount) if amount else None) for i in range(count))


def test_coverage_under_what_the_win_rate_needs(plan: model.Plan) -> None:
    # 100 000 € to win at a 25 % win rate: the pipeline must hold 4× that, 400 000 €
    quiet = run(plan, open_deals=deals(40), remaining_target=D(100000))
    assert quiet == []
    (alert,) = run(plan, open_deals=deals(39), remaining_target=D(100000))
    assert alert.code == "coverage_low" and alert.params["coverage"] == D("3.9") and alert.params["needed"] == 4
    # a deal without an amount counts as the average deal; a measured win rate wins over the plan's
    assert run(plan, open_deals=deals(40, None), remaining_target=D(100000)) == []
    assert codes(run(plan, open_deals=deals(40), remaining_target=D(100000), win_rate=D("0.2"))) == ["coverage_low"]


def test_coverage_margin_of_the_issue_example(plan: model.Plan) -> None:
    margin = dataclasses.replace(plan, alerts=AlertThresholds(coverage_margin=D("0.85")))
    (alert,) = run(margin, open_deals=deals(21), remaining_target=D(100000))
    assert (alert.params["coverage"], alert.params["needed"]) == (D("2.1"), D("3.4"))
    assert "2.1× " in alert.message() and "3.4×" in alert.message()


def test_probability_of_target_under_its_floor(plan: model.Plan) -> None:
    assert codes(run(plan, probability_of_target=0.49)) == ["target_unlikely"]
    assert run(plan, probability_of_target=0.5) == []
    # at risk (a warning) down to half the floor, then unlikely (an error)
    assert [a.severity for a in run(plan, probability_of_target=0.25)] == [model.Severity.WARNING]
    assert [a.severity for a in run(plan, probability_of_target=0.249)] == [model.Severity.ERROR]
    assert run(plan, probability_of_target=None) == []
    assert run(plan, probability_of_target=float("nan")) == []


def test_no_show_rate_from_its_threshold_on_enough_meetings(plan: model.Plan) -> None:
    assert codes(run(plan, no_show_rate=D("0.20"), no_show_count=10)) == ["no_show_high"]
    assert run(plan, no_show_rate=D("0.199"), no_show_count=10) == []
    assert run(plan, no_show_rate=D("0.9"), no_show_count=9) == []  # too few meetings to say


def test_conversion_drop_against_history(plan: model.Plan) -> None:
    (alert,) = run(plan, conversions=(StageConversion(Stage.SQL, D("0.30"), 10, D("0.40")),))
    assert alert.subject == {"stage": "sql"} and alert.params["points"] == 10
    assert run(plan, conversions=(StageConversion(Stage.SQL, D("0.301"), 10, D("0.40")),)) == []
    assert run(plan, conversions=(StageConversion(Stage.SQL, D("0.10"), 9, D("0.40")),)) == []


def test_deal_stalled_from_twice_the_median_days_in_its_stage(plan: model.Plan) -> None:
    def deal(entered_days_ago: int) -> OpenDeal:
        return OpenDeal("d1", Stage.SQL, dt.date(2027, 1, 4), entered_stage=TODAY - dt.timedelta(days=entered_days_ago))

    # the plan's median for SQL is 10 days; a measured median wins over it
    assert codes(run(plan, open_deals=(deal(20),))) == ["deal_stalled"]
    assert run(plan, open_deals=(deal(19),)) == []
    assert run(plan, open_deals=(deal(20),), stage_days={Stage.SQL: D(15)}) == []
    assert codes(run(plan, open_deals=(deal(30),), stage_days={Stage.SQL: D(15)})) == ["deal_stalled"]


def test_deal_without_stage_history_is_judged_by_its_age(plan: model.Plan) -> None:
    # deals get past « proposal » by day 10 + 20 = 30 of their life: alert at 60 days old
    def deal(age: int) -> OpenDeal:
        return OpenDeal("d1", Stage.PROPOSAL, TODAY - dt.timedelta(days=age))

    (alert,) = run(plan, open_deals=(deal(60),))
    assert alert.code == "deal_stalled_age" and alert.params["median"] == 30
    assert run(plan, open_deals=(deal(59),)) == []


def test_deals_past_their_close_date_or_slipping(plan: model.Plan) -> None:
    def deal(close: dt.date, first: dt.date | None = None) -> OpenDeal:
        return OpenDeal("d1", Stage.PROPOSAL, TODAY, expected_close=close, first_expected_close=first)

    yesterday = TODAY - dt.timedelta(days=1)
    assert codes(run(plan, open_deals=(deal(yesterday),))) == ["deal_past_close"]
    assert run(plan, open_deals=(deal(TODAY),)) == []
    later = dt.date(2027, 3, 10)
    assert codes(run(plan, open_deals=(deal(later, later - dt.timedelta(days=7)),))) == ["deal_slipping"]
    assert run(plan, open_deals=(deal(later, later - dt.timedelta(days=6)),)) == []


def test_overdue_actions_are_the_open_ones_past_their_end(plan: model.Plan) -> None:
    def action(end: dt.date, status: ActionStatus = ActionStatus.PLANNED) -> model.Action:
        return model.Action("a1", ActionType.FOLLOW_UP, "Relances", dt.date(2027, 1, 4), end, status=status)

    yesterday = TODAY - dt.timedelta(days=1)
    (alert,) = evaluate(dataclasses.replace(plan, actions=(action(yesterday),)), AlertInputs(), TODAY)
    assert alert.code == "action_overdue" and alert.subject == {"action": "a1"} and alert.params["days"] == 1
    for quiet in (action(TODAY), action(yesterday, ActionStatus.DONE), action(yesterday, ActionStatus.CANCELLED)):
        assert evaluate(dataclasses.replace(plan, actions=(quiet,)), AlertInputs(), TODAY) == []


def load(needed: str, week: IsoWeek = THIS_WEEK) -> tuple[RoleCapacity, ...]:
    return (RoleCapacity("ae", 1, D(35), (WeekLoad(week, D(needed), D(35), D(35)),)),)


def test_capacity_overload_of_a_week_from_this_one_on(plan: model.Plan) -> None:
    (alert,) = run(plan, capacity=load("35.01"))
    assert alert.subject == {"role": "ae", "week": "2027-W07"} and alert.params["available"] == 35
    assert run(plan, capacity=load("35")) == []
    assert run(plan, capacity=load("70", IsoWeek(2027, 6))) == []  # last week is past
    looser = dataclasses.replace(plan, alerts=AlertThresholds(max_load=D("1.2")))
    assert run(looser, capacity=load("42")) == []
    assert codes(run(looser, capacity=load("42.01"))) == ["capacity_overload"]


def test_plan_diagnostics_of_the_chosen_severity(small_plan: Callable[..., model.Plan]) -> None:
    overloaded = small_plan(wins=200)  # 400 demos of 2 hours for one AE
    diagnostics = analyse(overloaded).diagnostics
    found = evaluate(overloaded, AlertInputs(diagnostics=diagnostics), TODAY)
    shown = {d.code for d in diagnostics if d.severity is not Severity.INFO}
    assert {a.subject["diagnostic"] for a in found} == shown and "capacity_overload" in shown
    assert all(a.code == "plan_diagnostic" for a in found)
    errors_only = dataclasses.replace(overloaded, alerts=AlertThresholds(diagnostics=Severity.ERROR))
    kept = evaluate(errors_only, AlertInputs(diagnostics=diagnostics), TODAY)
    assert kept and all(a.severity is Severity.ERROR for a in kept)
    assert "AE" in found[0].message()


def test_keys_stay_the_same_while_the_figures_move(plan: model.Plan) -> None:
    def inputs(days_late: int, no_show: str) -> AlertInputs:
        close = TODAY - dt.timedelta(days=days_late)
        return AlertInputs(
            open_deals=(
                OpenDeal("d1", Stage.PROPOSAL, TODAY, expected_close=close),
                OpenDeal("d2", Stage.PROPOSAL, TODAY, expected_close=close),
            ),
            no_show_rate=D(no_show),
            no_show_count=20,
            capacity=load("50"),
        )

    first = evaluate(plan, inputs(3, "0.25"), TODAY)
    again = evaluate(plan, inputs(9, "0.4"), TODAY + dt.timedelta(days=1))
    assert [a.key for a in first] == [a.key for a in again]
    assert len({a.key for a in first}) == len(first) == 4
    assert "deal_past_close|deal=d1" in {a.key for a in first}
    document = json.loads(json.dumps(to_json(first, Formatter("fr"))))
    assert [row["key"] for row in document] == [a.key for a in first]
    assert document[0]["subject"] and all(row["message"] for row in document)


def test_every_alert_is_worded_in_english_and_french(plan: model.Plan) -> None:
    action = model.Action("a1", ActionType.DEMO, "Démos", dt.date(2027, 1, 4), dt.date(2027, 2, 1))
    plan = dataclasses.replace(plan, actions=(action,))
    found = evaluate(
        plan,
        AlertInputs(
            progress=(progress("10"),),
            open_deals=(
                OpenDeal("d1", Stage.SQL, dt.date(2027, 1, 4), expected_close=dt.date(2027, 2, 1)),
                OpenDeal("d2", Stage.SQL, dt.date(2027, 1, 4), D(5), dt.date(2027, 1, 4)),
                OpenDeal("d3", Stage.SQL, TODAY, expected_close=dt.date(2027, 3, 1), first_expected_close=TODAY),
            ),
            remaining_target=D(1_000_000),
            no_show_rate=D("0.5"),
            no_show_count=30,
            conversions=(StageConversion(Stage.SQL, D("0.1"), 30, D("0.5")),),
            capacity=load("50"),
            diagnostics=analyse(plan).diagnostics,
            probability_of_target=0.1,
        ),
        TODAY,
    )
    assert set(TEMPLATES) <= set(codes(found)) and set(TEMPLATES) == set(SEVERITIES)
    assert found[0].severity is Severity.ERROR
    for alert in found:
        assert "{" not in alert.message()
        assert "{" not in alert.message(Formatter("fr"))
    revenue = next(a for a in found if a.code == "pace_behind")
    assert "€" in revenue.message()


def test_the_plan_file_alerts_section_sets_the_thresholds() -> None:
    text = """\
plan: {name: Seuils, start: 2027-01-04, end: 2027-03-28}
objectives: [{id: w, metric: wins, target: 10, deadline: 2027-03-28}]
funnel: {stages: [{stage: proposal, rate: 0.25, days: 20}, {stage: won}]}
alerts: {pace_behind: 0.2, coverage_margin: 1.2, slip_days: 14, diagnostics: Error}
"""
    plan = to_plan(parse_plan_file(text))
    assert plan.alerts == AlertThresholds(
        pace_behind=D("0.2"), coverage_margin=D("1.2"), slip_days=14, diagnostics=Severity.ERROR
    )
    assert to_plan(parse_plan_file(dump_plan(plan))) == plan
    assert "alerts" not in dump_plan(dataclasses.replace(plan, alerts=AlertThresholds()))
    with pytest.raises(PlanFileError) as refused:
        parse_plan_file(text.replace("slip_days: 14", "slip_days: 0, max_noshow: 0.3"))
    lines = "\n".join(refused.value.lines())
    assert "4:" in lines and "alerts.slip_days" in lines and "alerts.max_noshow" in lines
