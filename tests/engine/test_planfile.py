"""The plan file v1: validation with located errors, load, dump, JSON Schema (pac.engine.planfile)."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings

from pac.engine import model, planfile
from pac.engine.model import Metric, Role, Stage
from pac.engine.planfile import (
    MAX_PLAN_DEPTH,
    MAX_PLAN_FILE_BYTES,
    PlanFileError,
    PlanFileIssue,
    decode_plan_file,
    dump_plan,
    json_schema,
    load_plan_file,
    parse_plan_file,
    to_plan,
)

from ..conftest import EXAMPLE_PLAN
from ..plan_strategies import plan_files
from .strategies import malformed_plan_files

VALID = """\
plan: {name: Small, start: 2027-01-04, end: 2027-01-31}
objectives:
  - {id: wins, metric: wins, target: 10, deadline: 2027-01-31}
funnel:
  stages:
    - {stage: demo, rate: 0.5, days: 7}
    - {stage: won}
team: [{role: AE, headcount: 1}]
effort: [{stage: demo, role: AE, hours: 1}]
"""


def _issues(text: str) -> list[PlanFileIssue]:
    with pytest.raises(PlanFileError) as raised:
        parse_plan_file(text, "plan.yaml")
    return raised.value.issues


def _only_issue(text: str) -> PlanFileIssue:
    issues = _issues(text)
    assert len(issues) == 1, [str(i) for i in issues]
    return issues[0]


def _line_of(text: str, fragment: str) -> int:
    (line,) = [n for n, content in enumerate(text.splitlines(), start=1) if fragment in content]
    return line


def _changed(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new)


def test_it_accepts_the_valid_example() -> None:
    doc = parse_plan_file(VALID)

    assert doc.plan.name == "Small"
    assert doc.funnel is not None and [s.stage for s in doc.funnel.stages] == [Stage.DEMO, Stage.WON]
    assert doc.team[0].role is Role.AE  # role names are case-insensitive
    assert doc.team[0].hours_per_week == 35  # the default working week


def test_it_locates_an_error_by_path_and_line() -> None:
    text = """\
plan:
  name: Located
  start: 2027-01-01
  end: 2027-03-31
objectives:
  - id: revenue
    metric: revenue
    target: 100000
    deadline: 2027-03-31
  - id: demos
    metric: demos
    per: week
    target: -5
"""
    issue = _only_issue(text)

    line = _line_of(text, "target: -5")
    assert str(issue) == f"objectives[1].target: must be > 0 (line {line})"
    assert issue.column == text.splitlines()[line - 1].index("target") + 1


def test_it_prefixes_each_error_line_with_file_line_and_column() -> None:
    text = _changed("rate: 0.5", "rate: 2")
    with pytest.raises(PlanFileError) as raised:
        parse_plan_file(text, "q1.yaml")

    line = _line_of(text, "rate: 2")
    column = text.splitlines()[line - 1].index("rate") + 1
    assert raised.value.lines() == [f"q1.yaml:{line}:{column}: funnel.stages[0].rate: must be <= 1"]


def test_it_lists_every_problem_in_file_order() -> None:
    text = _changed("rate: 0.5, days: 7", "rate: 0, days: -2").replace("headcount: 1", "headcount: -1")

    issues = _issues(text)

    assert [i.path for i in issues] == ["funnel.stages[0].rate", "funnel.stages[0].days", "team[0].headcount"]
    assert [i.line for i in issues] == sorted(i.line or 0 for i in issues)


def test_it_refuses_an_unknown_key_and_names_its_path() -> None:
    issue = _only_issue(_changed("{stage: demo, rate: 0.5", "{stage: demo, speed: 3, rate: 0.5"))

    assert issue.path == "funnel.stages[0].speed"
    assert "unknown key" in issue.message
    assert issue.line == 6


def test_it_refuses_an_unknown_top_level_section() -> None:
    issue = _only_issue(VALID + "budget: 1000\n")

    assert (issue.path, issue.line, issue.column) == ("budget", 10, 1)


def test_it_gives_line_and_column_of_a_yaml_syntax_error() -> None:
    text = _changed("{id: wins, metric", "{id: wins metric")  # a comma forgotten
    issue = _only_issue(text)

    assert "YAML syntax error" in issue.message
    line = text.splitlines()[2]
    assert (issue.line, issue.column) == (3, line.index("metric:") + len("metric") + 1)  # at the ':'


def test_it_refuses_duplicate_keys() -> None:
    issue = _only_issue(_changed("{name: Small,", "{name: Small, name: Other,"))

    assert (issue.path, issue.line) == ("plan.name", 1)
    assert "duplicate" in issue.message


@pytest.mark.parametrize("rate", ["0", "-0.1", "1.01", "25"])
def test_it_refuses_a_rate_outside_0_excluded_to_1(rate: str) -> None:
    issue = _only_issue(_changed("rate: 0.5", f"rate: {rate}"))

    assert issue.path == "funnel.stages[0].rate"


def test_it_accepts_a_rate_of_exactly_1() -> None:
    doc = parse_plan_file(_changed("rate: 0.5", "rate: 1"))

    assert doc.funnel is not None and doc.funnel.stages[0].rate == 1


def test_it_refuses_negative_days() -> None:
    issue = _only_issue(_changed("days: 7", "days: -1"))

    assert (issue.path, issue.message) == ("funnel.stages[0].days", "must be >= 0")


def test_it_requires_a_rate_on_every_stage_but_won() -> None:
    assert _only_issue(_changed("{stage: demo, rate: 0.5, days: 7}", "{stage: demo, days: 7}")).path == (
        "funnel.stages[0].rate"
    )
    assert _only_issue(_changed("{stage: won}", "{stage: won, rate: 0.5}")).path == "funnel.stages[1].rate"


def test_it_refuses_a_plan_ending_before_it_starts() -> None:
    text = _changed("end: 2027-01-31}", "end: 2026-12-31}").replace("deadline: 2027-01-31", "per: week")

    issue = _only_issue(text)

    assert issue.path == "plan.end"
    assert "after start" in issue.message


def test_it_refuses_a_deadline_outside_the_plan() -> None:
    issue = _only_issue(_changed("deadline: 2027-01-31", "deadline: 2027-02-01"))

    assert (issue.path, issue.line) == ("objectives[0].deadline", 3)
    assert "inside the plan" in issue.message


def test_it_refuses_stages_out_of_canonical_order() -> None:
    text = _changed(
        "    - {stage: demo, rate: 0.5, days: 7}\n",
        "    - {stage: demo, rate: 0.5, days: 7}\n    - {stage: sql, rate: 0.5}\n",
    )

    issue = _only_issue(text)

    assert issue.path == "funnel.stages[1].stage"
    assert "'sql' must come after 'demo'" in issue.message


def test_it_refuses_a_funnel_not_ending_with_won() -> None:
    text = _changed("    - {stage: won}\n", "    - {stage: proposal, rate: 0.5}\n")

    assert any(i.message == "the last stage must be 'won'" for i in _issues(text))


def test_it_refuses_effort_on_a_stage_outside_the_funnel() -> None:
    issue = _only_issue(_changed("effort: [{stage: demo", "effort: [{stage: sql"))

    assert issue.path == "effort[0].stage"
    assert "'sql' is not in the funnel" in issue.message


def test_it_refuses_effort_for_a_role_outside_the_team() -> None:
    issue = _only_issue(_changed("effort: [{stage: demo, role: AE", "effort: [{stage: demo, role: SDR"))

    assert issue.path == "effort[0].role"
    assert "'sdr' is not in the team" in issue.message


def test_it_refuses_an_unknown_role_name() -> None:
    issue = _only_issue(_changed("[{role: AE, headcount", "[{role: boss, headcount"))

    assert issue.path == "team[0].role" and "must be one of" in issue.message


def test_it_needs_one_weekly_weight_per_iso_week_of_the_plan() -> None:
    issue = _only_issue(_changed("  stages:", "  weekly_weights: [1, 1, 1]\n  stages:"))

    assert issue.path == "funnel.weekly_weights"
    assert "needs 4 values" in issue.message  # 4 January to 31 January 2027: ISO weeks 1 to 4

    doc = parse_plan_file(_changed("  stages:", "  weekly_weights: [1, 0, 0, 2]\n  stages:"))
    assert doc.funnel is not None and doc.funnel.weekly_weights == [1, 0, 0, 2]


def test_it_refuses_weekly_weights_that_are_all_zero() -> None:
    issue = _only_issue(_changed("  stages:", "  weekly_weights: [0, 0, 0, 0]\n  stages:"))

    assert issue.path == "funnel.weekly_weights"


def test_it_refuses_a_document_that_is_not_a_mapping() -> None:
    issue = _only_issue("- just\n- a list\n")

    assert issue.line == 1 and "mapping" in issue.message


def test_it_reads_a_file_saved_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode())

    assert load_plan_file(path).plan.name == "Small"


def test_it_explains_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(VALID.replace("Small", "Été").encode("latin-1"))

    with pytest.raises(PlanFileError) as raised:
        load_plan_file(path)

    assert "UTF-8" in str(raised.value)
    assert str(path) in str(raised.value)


def test_it_explains_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError) as raised:
        load_plan_file(tmp_path / "absent.yaml")

    assert "cannot read the file" in str(raised.value)


def test_it_refuses_an_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(VALID + "#" * MAX_PLAN_FILE_BYTES, encoding="utf-8")

    with pytest.raises(PlanFileError, match="larger than"):
        load_plan_file(path)


# --- to_plan / dump_plan ------------------------------------------------------------------------


def test_it_converts_the_file_into_the_engine_plan() -> None:
    plan = to_plan(parse_plan_file(VALID))

    assert plan == model.Plan(
        name="Small",
        start=dt.date(2027, 1, 4),
        end=dt.date(2027, 1, 31),
        objectives=(model.Objective("wins", Metric.WINS, Decimal(10), dt.date(2027, 1, 31)),),
        steps=(model.FunnelStep(Stage.DEMO, Decimal("0.5"), 7), model.FunnelStep(Stage.WON)),
        team=(model.TeamRole(Role.AE, 1, Decimal(35)),),
        effort=(model.Effort(Stage.DEMO, Role.AE, Decimal(1)),),
    )


def test_it_round_trips_the_example_plans(demo_plan: model.Plan, design_plan: model.Plan) -> None:
    for plan in (demo_plan, design_plan):
        assert to_plan(parse_plan_file(dump_plan(plan))) == plan


@settings(max_examples=100, deadline=None)
@given(plan_files(sequences=True))
def test_it_dumps_any_plan_so_that_parsing_gives_it_back(plan: model.Plan) -> None:
    text = dump_plan(plan)
    assert to_plan(parse_plan_file(text)) == plan
    assert dump_plan(to_plan(parse_plan_file(text))) == text  # the normal form: written again, word for word


# --- JSON Schema --------------------------------------------------------------------------------


def test_it_publishes_a_json_schema_of_the_plan_file() -> None:
    schema = json.loads(json_schema())

    assert {"plan", "objectives", "funnel", "team", "effort"} <= set(schema["properties"])
    assert schema["required"] == ["plan"]
    assert schema["additionalProperties"] is False  # unknown keys are refused, as in the parser
    assert schema["$schema"].startswith("https://json-schema.org/")


# --- hostile or out-of-range input ----------------------------------------------------------------


def test_it_refuses_yaml_aliases_which_can_blow_a_small_file_up() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nplan: *b\n"
    with pytest.raises(PlanFileError) as caught:
        parse_plan_file(bomb)
    issue = caught.value.issues[0]
    assert "aliases" in issue.message and issue.line == 2


def test_it_refuses_figures_the_database_could_not_keep() -> None:
    text = (
        "plan: {name: x, start: 2027-01-01, end: 2027-03-31}\n"
        "funnel:\n  average_deal: 1e20\n  stages: [{stage: demo, rate: 0.123456}, {stage: won}]\n"
    )
    with pytest.raises(PlanFileError) as caught:
        parse_plan_file(text)
    paths = {i.path for i in caught.value.issues}
    assert paths == {"funnel.average_deal", "funnel.stages[0].rate"}


def test_it_refuses_a_plan_longer_than_five_years() -> None:
    with pytest.raises(PlanFileError) as caught:
        parse_plan_file("plan: {name: x, start: 2027-01-01, end: 2035-01-01}\n")
    assert str(caught.value.issues[0]).startswith("plan.end: a plan covers at most 5 years")


@pytest.mark.parametrize("rule", ["FREQ=HOURLY", "FREQ=MINUTELY;INTERVAL=5", "FREQ=SECONDLY"])
def test_it_refuses_rituals_more_frequent_than_daily(rule: str) -> None:
    text = f'plan: {{name: x, start: 2027-01-01, end: 2027-03-31}}\nrituals: [{{id: r, name: R, rrule: "{rule}"}}]\n'
    with pytest.raises(PlanFileError) as caught:
        parse_plan_file(text)
    assert "FREQ must be one of DAILY, WEEKLY, MONTHLY, YEARLY" in str(caught.value)


# --- plan file crashes (issue 8): every bad input is a located error, never a traceback ----------


def _column_of(text: str, fragment: str) -> int:
    return text.splitlines()[_line_of(text, fragment) - 1].index(fragment) + 1


def test_it_locates_a_day_that_does_not_exist_in_february() -> None:
    text = _changed("start: 2027-01-04", "start: 2027-02-30")

    with pytest.raises(PlanFileError) as raised:
        parse_plan_file(text, "plan.yaml")

    (issue,) = raised.value.issues
    assert (issue.path, issue.line, issue.column) == ("plan.start", 1, _column_of(text, "start"))  # at its key
    assert issue.message == "2027-02-30 does not exist: month 02 of 2027 has 28 days"
    assert raised.value.lines() == [f"plan.yaml:1:{issue.column}: plan.start: {issue.message}"]


def test_it_locates_a_month_that_does_not_exist() -> None:
    text = _changed("deadline: 2027-01-31", "deadline: 2027-13-01")

    with pytest.raises(PlanFileError) as raised:
        parse_plan_file(text, "plan.yaml")

    (issue,) = raised.value.issues
    line, column = _line_of(text, "2027-13-01"), _column_of(text, "deadline")
    assert (issue.path, issue.line, issue.column) == ("objectives[0].deadline", line, column)
    assert issue.message == "2027-13-01 does not exist: the month (MM) goes from 01 to 12"
    assert raised.value.lines()[0].startswith(f"plan.yaml:{line}:{column}: objectives[0].deadline: 2027-13-01")


@pytest.mark.parametrize(
    "value", ["20270104", "2027-01-04 10:00:00", "2027-01-04T00:00:00Z", "04/01/2027", "!!timestamp 2027-02-30"]
)
def test_it_locates_a_date_not_written_yyyy_mm_dd(value: str) -> None:
    issue = _only_issue(_changed("start: 2027-01-04", f"start: {value}"))

    assert (issue.path, issue.line) == ("plan.start", 1)


RITUAL = """\
plan: {name: x, start: 2027-01-04, end: 2027-03-31}
rituals:
  - {id: r, name: R, rrule: FREQ=WEEKLY, time: %s}
"""


@pytest.mark.parametrize(
    ("written", "read"), [("9:00", dt.time(9)), ("10:30", dt.time(10, 30)), ('"07:45"', dt.time(7, 45))]
)
def test_it_reads_a_time_of_day_that_yaml_would_read_as_a_number(written: str, read: dt.time) -> None:
    assert parse_plan_file(RITUAL % written).rituals[0].time == read  # 9:00 is 540 in YAML 1.1


@pytest.mark.parametrize("value", ["25:00", "9:75", "540", "nine"])
def test_it_locates_a_time_of_day_that_does_not_exist(value: str) -> None:
    issue = _only_issue(RITUAL % value)

    assert (issue.path, issue.line, issue.column) == ("rituals[0].time", 3, _column_of(RITUAL % value, "time:"))


def test_it_reads_1_30_as_text_not_as_90_minutes() -> None:
    issue = _only_issue(_changed("hours: 1}", "hours: 1:30}"))

    assert (issue.path, issue.message) == ("effort[0].hours", "must be a number")


@pytest.mark.parametrize(
    ("value", "kind"), [("!!int abc", "int"), ("!!bool maybe", "bool"), ("9" * 5000, "int"), ("!!float x", "float")]
)
def test_it_locates_a_value_its_yaml_type_cannot_hold(value: str, kind: str) -> None:
    issue = _only_issue(_changed("target: 10", f"target: {value}"))

    assert (issue.path, issue.line, issue.column) == ("objectives[0].target", 3, _column_of(VALID, "target"))
    assert f"cannot be read as a YAML {kind}" in issue.message


def test_it_refuses_nesting_deeper_than_the_limit() -> None:
    depth = MAX_PLAN_DEPTH + 1
    issue = _only_issue(VALID + "x: " + "[" * depth + "]" * depth + "\n")

    assert issue.line == 10 and "nested more than" in issue.message


def test_it_refuses_a_file_with_too_many_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planfile, "MAX_PLAN_NODES", 30)

    issue = _only_issue(VALID)

    assert issue.line is not None and "more than 30 keys and values" in issue.message


def test_it_refuses_a_billion_laughs_at_once() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"b{i}: &b{i} [{', '.join(['*a' if i == 0 else f'*b{i - 1}'] * 9)}]\n" for i in range(30)
    )
    began = time.perf_counter()

    issue = _only_issue(bomb)

    assert time.perf_counter() - began < 1
    assert (issue.line, issue.column) == (2, bomb.splitlines()[1].index("*a") + 1)


def test_it_locates_a_character_yaml_does_not_allow() -> None:
    issue = _only_issue(_changed("name: Small", "name: Sm\x00all"))

    assert (issue.line, issue.column) == (1, _column_of(VALID, "Small") + 2)
    assert "U+0000" in issue.message


def test_it_locates_a_byte_that_is_not_utf8() -> None:
    with pytest.raises(PlanFileError) as raised:
        decode_plan_file(_changed("name: Small", "name: \u00c9t\u00e9").encode("latin-1"), "plan.yaml")

    (issue,) = raised.value.issues
    assert (issue.line, issue.column) == (1, _column_of(VALID, "Small"))
    assert issue.message == "byte 0xC9 is not UTF-8 text: save the file as UTF-8"


def test_it_translates_the_messages_that_have_a_template() -> None:
    with pytest.raises(PlanFileError) as raised:
        parse_plan_file(_changed("start: 2027-01-04", "start: 2027-02-30"), "plan.yaml")
    french = {"{value} does not exist: month {month:02d} of {year} has {days} days": "{value} : {days} jours"}

    (line,) = raised.value.lines(lambda text: french.get(text, text))

    assert line.endswith("plan.start: 2027-02-30 : 28 jours")


@settings(max_examples=100, deadline=None)
@given(malformed_plan_files(EXAMPLE_PLAN.read_text(encoding="utf-8")))
def test_a_malformed_plan_file_is_valid_or_a_located_error(data: bytes) -> None:
    try:
        doc = parse_plan_file(decode_plan_file(data, "plan.yaml"), "plan.yaml")
    except PlanFileError as error:
        assert error.issues
        for issue, line in zip(error.issues, error.lines(), strict=True):
            assert issue.line is not None and issue.column is not None, line
            assert line.startswith(f"plan.yaml:{issue.line}:{issue.column}: ") and f"(line {issue.line})" not in line
    else:
        to_plan(doc)


@pytest.mark.parametrize(
    ("nested", "line"),
    [
        ("x: " + "[" * 100_000 + "]" * 100_000, 10),  # flow brackets
        ("x: " + "{a: " * 100_000, 10),  # flow mappings, never closed
        ("x:\n" + "- " * 100_000 + "y\n", 11),  # block sequences on one line
    ],
)
def test_a_plan_nested_100_000_levels_deep_is_refused_within_a_second(nested: str, line: int) -> None:
    began = time.perf_counter()

    issue = _only_issue(VALID + nested)

    assert time.perf_counter() - began < 1
    assert issue.line == line and f"nested more than {MAX_PLAN_DEPTH} levels deep" in issue.message


def test_a_plan_of_900_000_values_is_refused_before_any_is_built() -> None:
    """Under the file size limit, a flow list of 900 000 numbers: counted on the parser's events (libyaml),
    refused at the first value beyond the limit, in a fraction of what composing them takes."""
    text = VALID + "x: [" + "1," * 900_000 + "]\n"
    began = time.perf_counter()

    issue = _only_issue(text)

    assert time.perf_counter() - began < 1
    assert issue.line == 10 and "more than 100000 keys and values" in issue.message


def test_the_plan_file_keeps_how_far_from_history_a_rate_may_be() -> None:
    text = VALID + "alerts: {history_gap: 0.1}\n"
    plan = to_plan(parse_plan_file(text))
    assert plan.alerts.history_gap == Decimal("0.1")
    assert "alerts:\n  history_gap: 0.1\n" in dump_plan(plan)
    assert to_plan(parse_plan_file(dump_plan(plan))) == plan
    assert to_plan(parse_plan_file(VALID)).alerts.history_gap == Decimal("0.2")  # the default: 20 %
    assert "alerts" not in dump_plan(to_plan(parse_plan_file(VALID)))
    refused = _only_issue(VALID + "alerts: {history_gap: 0}\n")
    assert refused.path == "alerts.history_gap"
