"""Plan diagnostics (pac.engine.diagnostics, run through pac.engine.analysis.analyse)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import string
from collections.abc import Callable
from decimal import Decimal

import pytest

from pac.engine import model
from pac.engine.analysis import analyse
from pac.engine.diagnostics import SEVERITIES, TEMPLATES, Diagnostic
from pac.engine.formatting import Formatter
from pac.engine.model import Metric, Period, Role, Severity, Stage
from pac.engine.planfile import parse_plan_file, to_plan

MINIMAL = """\
plan: {name: Minimal, start: 2027-01-04, end: 2027-01-31}
objectives:
%s
funnel:
  average_deal: 1000
  stages:
    - {stage: demo, rate: 0.5, days: 0}
    - {stage: won}
"""


def _from_file(objectives: str) -> model.Plan:
    return to_plan(parse_plan_file(MINIMAL % objectives))


PER_STAGE = {"actions_below_funnel"}  # raised once per stage the actions fall short at


def _diagnostics(plan: model.Plan) -> dict[str, Diagnostic]:
    found = analyse(plan).diagnostics
    codes = [d.code for d in found if d.code not in PER_STAGE]
    assert len(codes) == len(set(codes)), codes  # the scenarios below raise each other code once
    return {d.code: d for d in found}


def _normalise(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


# --- the demo plan ------------------------------------------------------------------------------


def test_it_flags_the_demo_plan_demos_objective_as_far_above_the_funnel(demo_plan: model.Plan) -> None:
    above = _diagnostics(demo_plan)["activity_above_funnel"]

    assert above.severity is Severity.WARNING
    assert above.params["objective"] == "demos"
    assert "Objective “Demos”" in above.message(Formatter("en"))  # named by its metric, the id is the file's
    assert above.params["planned"] == 30 * 13  # 30 a week over the 13 weeks of a 90-day plan
    assert above.params["needed"] == 67
    assert above.params["next_stage"] is Stage.PROPOSAL and above.params["next_volume"] == 20
    assert above.params["implied_rate"] == Decimal(20) / Decimal(390)
    assert above.params["plan_rate"] == Decimal("0.3")
    french = _normalise(above.message(Formatter("fr")))
    assert "390" in french and "67" in french and "5,1 %" in french and "30,0 %" in french
    assert "5.1%" in above.message(Formatter("en"))


def test_it_accepts_the_demo_plan_proposals_objective_that_matches_the_funnel(demo_plan: model.Plan) -> None:
    found = analyse(demo_plan).diagnostics

    assert [d.params["objective"] for d in found if d.code.startswith("activity_")] == ["demos"]


def test_it_reports_the_pipeline_the_demo_plan_needs_before_it_starts(demo_plan: model.Plan) -> None:
    pipeline = _diagnostics(demo_plan)["pipeline_before_start"]

    assert pipeline.severity is Severity.INFO
    assert pipeline.params["start"] == dt.date(2027, 1, 1)
    volumes = pipeline.params["volumes"]
    assert isinstance(volumes, dict)
    assert list(volumes) == [Stage.LEAD, Stage.MQL, Stage.SQL, Stage.DEMO, Stage.PROPOSAL]  # top first
    assert volumes[Stage.LEAD] == 929  # see test_funnel: 43 of the 62 win days need leads before 1 January
    assert "929 leads" in pipeline.message(Formatter("en"))


def test_it_finds_nothing_else_wrong_with_the_demo_plan(demo_plan: model.Plan) -> None:
    found = analyse(demo_plan).diagnostics
    assert {d.code for d in found} == {"activity_above_funnel", "pipeline_before_start", "actions_below_funnel"}
    # the demo's actions cover part of the MQL, SQL and proposal needs; its May trade show feeds next quarter
    short = {
        d.params["stage"]: (d.params["planned"], d.params["needed"]) for d in found if d.code == "actions_below_funnel"
    }
    assert short == {Stage.MQL: (40, 335), Stage.SQL: (60, 134), Stage.PROPOSAL: (6, 20)}


# --- SMART objectives ---------------------------------------------------------------------------


def test_it_says_which_objective_is_not_smart_and_why() -> None:
    plan = _from_file("""\
  - {id: ok, metric: wins, target: 5, deadline: 2027-01-31}
  - {id: what, target: 5, deadline: 2027-01-31}
  - {id: how-much, metric: demos, deadline: 2027-01-31}
  - {id: when, metric: demos, target: 12}
  - {id: weekly, metric: demos, target: 3, per: week}""")
    found = _diagnostics(plan)

    assert found["objective_no_metric"].params == {"objective": "what"}
    assert found["objective_no_target"].params == {"objective": "how-much", "objective_metric": Metric.DEMOS}
    assert found["objective_no_deadline"].params == {"objective": "when", "objective_metric": Metric.DEMOS}
    assert {d.severity for d in found.values() if d.code.startswith("objective_")} == {Severity.WARNING}
    assert "“what” has no metric" in found["objective_no_metric"].message()  # no metric to name it by
    assert "“Demos” has no target" in found["objective_no_target"].message()  # by its metric, not its id


def test_it_flags_a_deadline_outside_the_plan(small_plan) -> None:
    """The plan file refuses such a deadline, but plans built elsewhere (the web app) may have it."""
    late = model.Objective("late", Metric.WINS, Decimal(20), dt.date(2027, 2, 15))
    found = _diagnostics(small_plan(objectives=(late,)))

    outside = found["objective_deadline_outside_plan"]
    assert outside.params == {
        "objective": "late",
        "objective_metric": Metric.WINS,
        "deadline": dt.date(2027, 2, 15),
        "start": dt.date(2027, 1, 4),
        "end": dt.date(2027, 1, 31),
    }
    assert "15 févr. 2027" in outside.message(Formatter("fr"))


# --- activity objectives against the funnel -----------------------------------------------------


def test_it_flags_an_activity_objective_below_what_the_funnel_needs(demo_plan_text: str) -> None:
    text = demo_plan_text.replace(
        "{id: proposals, metric: proposals, target: 20", "{id: proposals, metric: proposals, target: 15"
    )
    assert text != demo_plan_text
    below = _diagnostics(to_plan(parse_plan_file(text)))["activity_below_funnel"]

    assert below.severity is Severity.ERROR
    assert below.params["objective"] == "proposals"
    assert (below.params["planned"], below.params["needed"]) == (15, 20)
    # the next objective down is the 12 wins: 12 of 15 proposals is 80 %, against 60 % in the funnel
    assert below.params["next_stage"] is Stage.WON and below.params["next_volume"] == 12
    assert below.params["implied_rate"] == Decimal("0.8")
    assert below.params["plan_rate"] == Decimal("0.6")
    assert "80.0%" in below.message(Formatter("en"))


def test_it_tolerates_an_activity_objective_up_to_10_percent_above_the_funnel(small_plan) -> None:
    def codes(demos: int) -> set[str]:
        wins = model.Objective("wins", Metric.WINS, Decimal(20), dt.date(2027, 1, 31))
        demo = model.Objective("demos", Metric.DEMOS, Decimal(demos), dt.date(2027, 1, 31))
        return set(_diagnostics(small_plan(objectives=(wins, demo))))

    assert "activity_above_funnel" not in codes(44)  # the funnel needs 40
    assert "activity_above_funnel" in codes(45)
    assert "activity_below_funnel" in codes(39)


def test_it_reports_a_target_that_rounds_to_zero_without_failing(small_plan) -> None:
    wins = model.Objective("wins", Metric.WINS, Decimal(20), dt.date(2027, 1, 31))
    tiny = model.Objective("tiny", Metric.DEMOS, Decimal("0.4"), dt.date(2027, 1, 31))

    below = _diagnostics(small_plan(objectives=(wins, tiny)))["activity_below_funnel"]

    assert below.params["planned"] == 0
    assert "∞" in below.message(Formatter("fr"))


# --- timing ------------------------------------------------------------------------------------


def test_it_warns_when_the_lead_time_is_longer_than_the_plan(design_plan: model.Plan) -> None:
    revenue = model.Objective("nb", Metric.REVENUE, Decimal(1_000_000), dt.date(2027, 1, 30))
    month = dataclasses.replace(design_plan, end=dt.date(2027, 1, 30), objectives=(revenue,))
    assert month.days == 30

    late = _diagnostics(month)["lead_time_exceeds_plan"]

    assert late.severity is Severity.WARNING
    assert late.params == {"stage": Stage.LEAD, "lead_time": 59, "plan_days": 30}
    assert "59 days" in late.message() and "30 days" in late.message()


def test_it_does_not_warn_about_lead_time_in_a_long_enough_plan(design_plan: model.Plan) -> None:
    assert "lead_time_exceeds_plan" not in _diagnostics(design_plan)  # 59 days in a 90-day plan


# --- capacity ----------------------------------------------------------------------------------


def test_it_flags_an_overloaded_role_with_the_headcount_it_needs(small_plan) -> None:
    overload = _diagnostics(small_plan(demo_hours="10", headcount=2))["capacity_overload"]

    assert overload.severity is Severity.ERROR
    assert overload.params["role"] == "AE"
    assert (overload.params["needed"], overload.params["available"]) == (400, 280)
    assert (overload.params["headcount"], overload.params["headcount_needed"]) == (2, 3)
    assert "142.9%" in overload.message()  # 400 / 280


def test_it_warns_about_single_weeks_over_capacity(small_plan) -> None:
    weeks = _diagnostics(small_plan(weights=[1, 0, 0, 3]))["capacity_weeks_over"]

    assert weeks.severity is Severity.WARNING
    assert weeks.params["weeks"] == ["2027-W04"]
    assert weeks.params["headcount_needed"] == 2
    assert "2027-W04" in weeks.message()


def test_it_flags_a_role_with_effort_but_no_headcount(small_plan) -> None:
    nobody = _diagnostics(small_plan(headcount=0))["role_without_headcount"]

    assert nobody.severity is Severity.ERROR
    assert nobody.params == {"role": "AE", "needed": Decimal(80)}
    assert "capacity_overload" not in _diagnostics(small_plan(headcount=0))


def test_it_flags_effort_for_a_role_missing_from_the_team(small_plan) -> None:
    assert "role_without_headcount" in _diagnostics(small_plan(team=()))


def test_it_finds_nothing_wrong_with_a_plan_that_fits(small_plan) -> None:
    assert _diagnostics(small_plan()) == {}


# --- what stops the funnel ----------------------------------------------------------------------


def test_it_says_when_there_is_no_volume_target() -> None:
    plan = _from_file("  - {id: demos, metric: demos, target: 30, per: week}")
    analysis = analyse(plan)

    assert [d.code for d in analysis.diagnostics] == ["funnel_no_target"]
    assert analysis.diagnostics[0].severity is Severity.ERROR
    assert analysis.funnel is None and analysis.schedule is None


def test_it_names_the_stage_whose_rate_is_missing(small_plan) -> None:
    """The plan file requires rates; an engine plan built elsewhere may lack one."""
    plan = small_plan(
        steps=(
            model.FunnelStep(Stage.SQL, Decimal("0.5"), 3),
            model.FunnelStep(Stage.DEMO, None, 0),
            model.FunnelStep(Stage.WON),
        )
    )
    missing = _diagnostics(plan)["funnel_rate_missing"]

    assert missing.severity is Severity.ERROR
    assert missing.params == {"stage": "demo"}
    assert "demo" in missing.message()


def test_it_needs_an_average_deal_for_a_revenue_objective(small_plan) -> None:
    revenue = model.Objective("rev", Metric.REVENUE, Decimal(10_000), dt.date(2027, 1, 31))

    assert set(_diagnostics(small_plan(objectives=(revenue,)))) == {"funnel_no_average_deal"}


def test_it_needs_a_funnel_ending_with_won(small_plan) -> None:
    plan = small_plan(
        steps=(model.FunnelStep(Stage.SQL, Decimal("0.5"), 3), model.FunnelStep(Stage.DEMO, Decimal("0.5"), 0))
    )

    assert set(_diagnostics(plan)) == {"funnel_no_won_stage"}


def test_it_says_how_many_weekly_weights_the_plan_needs(small_plan) -> None:
    weights = _diagnostics(small_plan(weights=[1, 1, 1]))["funnel_weights_length"]

    assert weights.params == {"expected": 4, "given": 3}


def test_it_says_a_plan_without_a_business_day_has_no_day_to_work_on(small_plan) -> None:
    """A plan over the Christmas weekend used to put its 20 wins in its single week; now it says there
    is no business day, keeps the funnel's volumes and schedules nothing."""
    analysis = analyse(small_plan(start=dt.date(2027, 12, 25), end=dt.date(2027, 12, 26)))

    found = {d.code: d for d in analysis.diagnostics}
    assert found["plan_no_business_day"].severity is Severity.ERROR
    assert found["plan_no_business_day"].params == {
        "start": dt.date(2027, 12, 25),
        "end": dt.date(2027, 12, 26),
        "country": "FR",
    }
    assert analysis.funnel is not None and analysis.funnel.won == 20
    assert analysis.schedule is None and analysis.capacity == ()


def test_it_says_a_wins_objective_disagrees_with_revenue_over_average_deal(small_plan) -> None:
    """12 signatures asked, but 1 000 000 € at 50 000 € a deal takes 20: one of the figures is wrong."""
    plan = small_plan(
        average_deal=Decimal(50_000),
        objectives=(
            model.Objective("ca", Metric.REVENUE, Decimal(1_000_000), dt.date(2027, 1, 31)),
            model.Objective("signatures", Metric.WINS, Decimal(12), dt.date(2027, 1, 31)),
        ),
    )

    conflict = _diagnostics(plan)["wins_objective_conflict"]

    assert conflict.params["wins"] == 12 and conflict.params["needed"] == 20
    assert conflict.params["implied_deal"] == Decimal(1_000_000) / 12
    text = conflict.message(Formatter("fr"))
    assert "12" in text and "20" in text and "1\u202f000\u202f000\xa0€" in text and "83\u202f333\xa0€" in text


def test_it_finds_no_conflict_when_wins_match_the_revenue(demo_plan: model.Plan) -> None:
    # the source text's quarter: 1 000 000 € at 83 334 € a deal is 12 signatures, as its objective says
    assert "wins_objective_conflict" not in {d.code for d in analyse(demo_plan).diagnostics}


# --- every code -------------------------------------------------------------------------------


def test_it_gives_every_template_a_severity() -> None:
    assert set(SEVERITIES) == set(TEMPLATES)


def _plans_raising_every_code(
    small_plan: Callable[..., model.Plan], demo_plan: model.Plan, design_plan: model.Plan
) -> list[model.Plan]:
    wins = model.Objective("wins", Metric.WINS, Decimal(20), dt.date(2027, 1, 31))
    return [
        demo_plan,
        dataclasses.replace(
            design_plan,
            end=dt.date(2027, 1, 30),
            objectives=(model.Objective("nb", Metric.REVENUE, Decimal(1_000_000), dt.date(2027, 1, 30)),),
        ),
        small_plan(
            objectives=(
                wins,
                model.Objective("what", None, Decimal(5), dt.date(2027, 1, 31)),
                model.Objective("how-much", Metric.ACCOUNTS, None, dt.date(2027, 1, 31)),
                model.Objective("when", Metric.ACCOUNTS, Decimal(3)),
                model.Objective("late", Metric.ACCOUNTS, Decimal(3), dt.date(2027, 3, 1)),
                model.Objective("demos", Metric.DEMOS, Decimal(5), per=Period.WEEK),
            )
        ),
        small_plan(demo_hours="10", headcount=2),
        small_plan(weights=[1, 0, 0, 3]),
        small_plan(team=(model.TeamRole(Role.SDR, 1, Decimal(35)),)),
        small_plan(objectives=(model.Objective("demos", Metric.DEMOS, Decimal(30), per=Period.WEEK),)),
        small_plan(objectives=(model.Objective("rev", Metric.REVENUE, Decimal(1), dt.date(2027, 1, 31)),)),
        small_plan(steps=(model.FunnelStep(Stage.DEMO, Decimal("0.5")),)),
        small_plan(steps=(model.FunnelStep(Stage.DEMO), model.FunnelStep(Stage.WON))),
        small_plan(weights=[1]),
        small_plan(start=dt.date(2027, 12, 25), end=dt.date(2027, 12, 26)),
        small_plan(start=dt.date(2027, 1, 2), end=dt.date(2027, 1, 17), weights=[1, 0, 0]),
        small_plan(
            average_deal=Decimal(1000),
            objectives=(model.Objective("rev", Metric.REVENUE, Decimal(10_000), dt.date(2027, 1, 31)), wins),
        ),
        small_plan(days=7, team=(model.TeamRole(Role.AE, 1, Decimal(35), dt.date(2027, 1, 4)),)),
        small_plan(days=7, demo_hours="10"),
    ]


def partner_plan(small_plan: Callable[..., model.Plan]) -> model.Plan:
    """Two partners whose MDF is over the budget, for a recruitment objective of three."""
    return small_plan(
        budget=Decimal(5000),
        objectives=(model.Objective("var", Metric.PARTNERS, Decimal(3), dt.date(2027, 1, 31)),),
        partners=(
            model.Partner("var-1", "VAR 1", owner="paul", mdf_budget=Decimal(3000)),
            model.Partner("var-2", "VAR 2", owner="zoe", mdf_budget=Decimal(3000)),
            model.Partner("var-3", "VAR 3", owner="zoe", status=model.PartnerStatus.DROPPED, mdf_budget=Decimal(9000)),
        ),
    )


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_it_renders_every_diagnostic_the_engine_produces(
    small_plan, demo_plan: model.Plan, design_plan: model.Plan, locale: str
) -> None:
    produced = [
        d for plan in _plans_raising_every_code(small_plan, demo_plan, design_plan) for d in analyse(plan).diagnostics
    ] + list(analyse(partner_plan(small_plan), people={"paul"}).diagnostics)
    assert {d.code for d in produced} == set(TEMPLATES)  # the scenarios cover every code

    formatter = Formatter(locale)
    for diagnostic in produced:
        placeholders = {name for _, name, _, _ in string.Formatter().parse(TEMPLATES[diagnostic.code]) if name}
        naming = {"objective_metric", "objective_segment"}  # what names the {objective}, not figures of their own
        assert placeholders == set(diagnostic.params) - naming, diagnostic.code  # no figure missing or unused
        text = diagnostic.message(formatter)
        assert "{" not in text and "}" not in text and "None" not in text, text
        for value in diagnostic.params.values():
            if isinstance(value, int) and not isinstance(value, bool):
                assert formatter.number(value) in text, (diagnostic.code, text)


def test_it_lists_errors_then_warnings_then_information(small_plan) -> None:
    plan = small_plan(
        headcount=0,
        objectives=(
            model.Objective("wins", Metric.WINS, Decimal(20), dt.date(2027, 1, 31)),
            model.Objective("what", None, Decimal(5), dt.date(2027, 1, 31)),
        ),
        days=7,
    )
    severities = [d.severity for d in analyse(plan).diagnostics]

    order = [Severity.ERROR, Severity.WARNING, Severity.INFO]
    assert set(severities) == set(order)
    assert severities == sorted(severities, key=order.index)


def _action(
    code: str, volume: int, start: dt.date, end: dt.date, status: model.ActionStatus = model.ActionStatus.PLANNED
) -> model.Action:
    return model.Action(
        code,
        model.ActionType.DEMO,
        code,
        start,
        end,
        status=status,
        expected=model.ExpectedOutcome(Decimal(volume), Stage.DEMO),
    )


def test_it_flags_actions_that_plan_fewer_volumes_than_the_funnel_needs(small_plan) -> None:
    jan = (dt.date(2027, 1, 4), dt.date(2027, 1, 29))
    plan = small_plan(actions=(_action("a", 15, *jan), _action("b", 10, *jan)))  # 25 demos for 40 needed
    found = _diagnostics(plan)["actions_below_funnel"]
    assert found.params["planned"] == 25 and found.params["needed"] == 40 and found.params["missing"] == 15
    assert found.params["actions"] == ("a", "b")
    assert "(« a », « b »)" in found.message(Formatter("fr")).replace("\u202f", " ")  # named, quoted as in French
    assert found.severity is Severity.WARNING


def test_it_counts_only_live_actions_that_can_feed_the_plan(small_plan) -> None:
    jan = (dt.date(2027, 1, 4), dt.date(2027, 1, 29))
    enough = small_plan(actions=(_action("a", 40, *jan),))
    assert "actions_below_funnel" not in _diagnostics(enough)
    cancelled = small_plan(actions=(_action("a", 40, *jan), _action("b", 5, *jan, model.ActionStatus.CANCELLED)))
    assert "actions_below_funnel" not in _diagnostics(cancelled)
    # an action after the plan's end feeds next quarter, not this one: only "a" counts here
    later = small_plan(actions=(_action("a", 30, *jan), _action("june", 30, dt.date(2027, 6, 1), dt.date(2027, 6, 5))))
    assert _diagnostics(later)["actions_below_funnel"].params["planned"] == 30
