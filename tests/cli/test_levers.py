"""``pac levers``: the corrective levers of a plan file from figures given on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pac.cli import app

QUARTER = """\
plan: {name: "Q1", start: 2027-01-04, end: 2027-03-28}
objectives: [{id: rev, metric: revenue, target: 1200000, deadline: 2027-03-28}]
funnel:
  average_deal: 20000
  stages:
    - {stage: sql, rate: 0.5, days: 24}
    - {stage: demo, rate: 0.5, days: 14}
    - {stage: proposal, rate: 0.25, days: 21}
    - {stage: won}
team: [{role: SDR, headcount: 2, hours_per_week: 35}, {role: AE, headcount: 2, hours_per_week: 35}]
effort: [{stage: sql, role: SDR, hours: 1}, {stage: demo, role: AE, hours: 1.5}, {stage: proposal, role: AE, hours: 3}]
"""

FIGURES = ["--today", "2027-01-11", "--booked", "200000", "--open", "proposal=40", "--open", "demo=40"]
FIGURES += ["--open", "SQL=25", "--inflow", "demo=32"]


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "quarter.yaml"
    path.write_text(QUARTER, encoding="utf-8")
    return path


def pac(*args: str | Path, lang: str = "en"):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, [str(a) for a in args], env={"PAC_LANG": lang, "COLUMNS": "80"})


def test_it_prints_the_gap_and_one_line_per_lever(plan_file: Path) -> None:
    result = pac("levers", plan_file, *FIGURES)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("10 wins short: 50 still to win")
    assert any("Add 176 SQLs in the next 3 weeks" in line and "59-day lead time" in line for line in lines)
    assert any(line.startswith("✓ Raise the proposals → wins rate from 25.0% to 31.3%") for line in lines)


def test_it_prints_the_levers_as_json(plan_file: Path) -> None:
    result = pac("levers", plan_file, *FIGURES, "--json", lang="fr")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["wins_needed"] == 50 and document["wins_short"] == pytest.approx(10.0089, abs=1e-3)
    codes = {row["code"] for row in document["levers"]}
    assert {"volume", "conversion", "deal_size", "cycle"} <= codes
    volume = next(row for row in document["levers"] if row["code"] == "volume")
    assert volume["actions"][0]["stage"] == "sql" and volume["actions"][0]["volume"] == 176


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--open", "foo=3"),
        ("--open", "sql=-1"),
        ("--inflow", "demo=lots"),
        ("--today", "2027-02-30"),
        ("--booked", "x"),
    ],
)
def test_bad_figures_are_refused_with_exit_code_2(plan_file: Path, option: str, value: str) -> None:
    args = ["levers", plan_file, "--today", "2027-01-11", option, value]
    result = pac(*args)
    assert result.exit_code == 2
    assert option in result.output
