"""The ``pac`` engine commands, as scripts see them (DESIGN.md, "CLI contract")."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pac.cli import app
from pac.engine.planfile import load_plan_file, to_plan

PLAN = """\
plan: {name: "PAC T1 2027", start: 2027-01-01, end: 2027-03-31, currency: EUR, country: FR}
objectives:
  - {id: nb, metric: revenue, target: 1000000, deadline: 2027-03-31, segment: saas-midmarket}
  - {id: demos, metric: demos, target: 30, per: week}
funnel:
  average_deal: 83334
  stages:
    - {stage: lead, rate: 0.25, days: 7}
    - {stage: mql, rate: 0.4, days: 7}
    - {stage: sql, rate: 0.5, days: 10}
    - {stage: demo, rate: 0.3, days: 14}
    - {stage: proposal, rate: 0.6, days: 21}
    - {stage: won}
team:   [{role: SDR, headcount: 3, hours_per_week: 35}, {role: AE, headcount: 4, hours_per_week: 35}]
effort: [{stage: lead, role: SDR, hours: 0.25}, {stage: demo, role: AE, hours: 1.5},
         {stage: proposal, role: AE, hours: 4}]
"""

BAD_PLAN = """\
plan:
  name: Bad
  start: 2027-01-01
  end: 2027-03-31
objectives:
  - {id: nb, metric: revenue, target: 1000000, deadline: 2027-03-31}
  - {id: demos, metric: demos, target: -5, per: week}
"""

VOLUMES = {"lead": 1340, "mql": 335, "sql": 134, "demo": 67, "proposal": 20, "won": 12}


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN, encoding="utf-8")
    return path


@pytest.fixture
def bad_plan_file(tmp_path: Path) -> Path:
    # a long directory name: an error line must not be wrapped to the terminal width
    folder = tmp_path / ("plans-of-the-sales-team-for-the-first-quarter-" * 2)
    folder.mkdir()
    path = folder / "bad.yaml"
    path.write_text(BAD_PLAN, encoding="utf-8")
    return path


def pac(*args: str | Path, lang: str = "fr"):
    return CliRunner().invoke(app, [str(a) for a in args], env={"PAC_LANG": lang})


def _spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _bad_target_line(path: Path) -> str:
    line = next(n for n, text in enumerate(BAD_PLAN.splitlines(), 1) if "target: -5" in text)
    column = BAD_PLAN.splitlines()[line - 1].index("target") + 1
    return f"{path}:{line}:{column}: objectives[1].target: must be > 0 (line {line})"


def test_it_prints_one_json_document_with_the_funnel(plan_file: Path) -> None:
    result = pac("funnel", plan_file, "--json")

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    document, end = json.JSONDecoder().raw_decode(result.stdout)
    assert result.stdout[end:].strip() == ""  # one document and nothing else
    assert {"stages", "lead_time_days", "weekly", "capacity", "diagnostics"} <= set(document)
    assert {s["stage"]: s["volume"] for s in document["stages"]} == VOLUMES
    assert document["lead_time_days"] == 59


def test_it_puts_every_stage_volume_in_the_json_weekly_rows(plan_file: Path) -> None:
    document = json.loads(pac("funnel", plan_file, "--json").stdout)

    totals: Counter[str] = Counter()
    for row in document["weekly"]:
        totals[row["stage"]] += row["volume"]
    assert dict(totals) == VOLUMES


def test_it_gives_capacity_and_diagnostics_in_the_json_contract_shape(plan_file: Path) -> None:
    document = json.loads(pac("funnel", plan_file, "--json").stdout)

    capacity = {c["role"]: c for c in document["capacity"]}
    assert set(capacity) == {"sdr", "ae"}
    for row in capacity.values():
        assert {"role", "hours_needed", "hours_available", "utilisation"} <= set(row)
        assert row["utilisation"] == pytest.approx(row["hours_needed"] / row["hours_available"], abs=1e-4)
    diagnostics = document["diagnostics"]
    assert {d["code"] for d in diagnostics} == {"activity_above_funnel", "pipeline_before_start"}
    for d in diagnostics:
        assert set(d) >= {"code", "severity", "message"}
        assert d["severity"] in {"error", "warning", "info"}
        assert d["message"] and "{" not in d["message"]


def test_it_still_gives_diagnostics_for_a_plan_without_a_volume_target(tmp_path: Path) -> None:
    path = tmp_path / "activity-only.yaml"
    path.write_text(PLAN.replace("  - {id: nb, metric: revenue, target: 1000000, deadline: 2027-03-31, "
                                 "segment: saas-midmarket}\n", ""), encoding="utf-8")

    document = json.loads(pac("funnel", path, "--json").stdout)

    assert document["stages"] == [] and document["lead_time_days"] is None
    assert [(d["code"], d["severity"]) for d in document["diagnostics"]] == [("funnel_no_target", "error")]


def test_it_prints_the_funnel_as_tables_with_french_numbers(plan_file: Path) -> None:
    result = pac("funnel", plan_file, lang="fr")

    assert result.exit_code == 0, result.output
    text = _spaces(result.stdout)
    assert "1 340" in text
    assert "25,0 %" in text
    assert "5,1 %" in text  # the demos objective's implied rate, in the diagnostics


def test_it_prints_english_numbers_when_pac_lang_is_en(plan_file: Path) -> None:
    result = pac("funnel", plan_file, lang="en")

    assert result.exit_code == 0, result.output
    assert "1,340" in result.stdout
    assert "1 340" not in _spaces(result.stdout)


def test_it_rejects_a_bad_plan_on_stderr_with_the_located_error(bad_plan_file: Path) -> None:
    result = pac("plan", "validate", bad_plan_file)

    assert result.exit_code != 0
    assert result.stdout == ""
    assert _bad_target_line(bad_plan_file) in result.stderr.splitlines()


def test_it_refuses_to_run_the_funnel_of_a_bad_plan(bad_plan_file: Path) -> None:
    result = pac("funnel", bad_plan_file, "--json")

    assert result.exit_code != 0
    assert result.stdout == ""
    assert _bad_target_line(bad_plan_file) in result.stderr.splitlines()


def test_it_explains_a_missing_plan_file(tmp_path: Path) -> None:
    result = pac("funnel", tmp_path / "absent.yaml")

    assert result.exit_code != 0
    assert result.stdout == ""
    assert "absent.yaml" in result.stderr and "cannot read the file" in result.stderr


def test_it_validates_a_good_plan(plan_file: Path) -> None:
    result = pac("plan", "validate", plan_file)

    assert result.exit_code == 0
    assert str(plan_file) in result.stdout
    assert result.stderr == ""


def test_it_lists_validation_issues_as_json(bad_plan_file: Path, plan_file: Path) -> None:
    bad = pac("plan", "validate", bad_plan_file, "--json")

    assert bad.exit_code != 0
    document = json.loads(bad.stdout)
    assert document["valid"] is False
    issues = [(i["path"], i["message"]) for i in document["issues"]]
    assert issues == [("objectives[1].target", "must be > 0")]

    good = pac("plan", "validate", plan_file, "--json")
    assert good.exit_code == 0
    assert json.loads(good.stdout) == {"valid": True, "issues": []}


def test_it_prints_the_plan_file_json_schema() -> None:
    result = pac("plan", "schema")

    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert {"plan", "objectives", "funnel", "team", "effort"} <= set(schema["properties"])


def test_it_compiles_a_plan_into_a_file_that_validates_to_the_same_plan(plan_file: Path,
                                                                         tmp_path: Path) -> None:
    result = pac("plan", "compile", plan_file)
    assert result.exit_code == 0, result.output
    compiled = tmp_path / "compiled.yaml"
    compiled.write_text(result.stdout, encoding="utf-8")

    assert pac("plan", "validate", compiled).exit_code == 0
    assert to_plan(load_plan_file(compiled)) == to_plan(load_plan_file(plan_file))
    assert "hours_per_week" in result.stdout and "version: 1" in result.stdout  # defaults written out


@pytest.mark.parametrize("command", [["funnel"], ["plan", "validate"], ["plan", "schema"],
                                     ["plan", "compile"]])
def test_it_documents_every_engine_command(command: list[str]) -> None:
    result = pac(*command, "--help")

    assert result.exit_code == 0
    assert "Usage" in result.stdout
