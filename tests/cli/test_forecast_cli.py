"""``pac forecast`` and ``pac backtest`` as scripts see them: one JSON document, clear one-line errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pac.cli import app

MAVEN = Path(__file__).resolve().parent.parent / "data" / "kpis" / "maven"
OCTOBER = ("--from", "2017-10-01", "--to", "2017-10-31", "--as-of", "2017-09-30")


def pac(*args: str | Path, lang: str = "en"):
    return CliRunner().invoke(app, [str(a) for a in args], env={"PAC_LANG": lang})


def test_the_forecast_is_one_json_document() -> None:
    result = pac("forecast", "--source", MAVEN, *OCTOBER, "--target", "1000000", "--draws", "2000", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) >= {
        "period",
        "as_of",
        "target",
        "closed_won",
        "open_pipeline",
        "new_business",
        "expected",
        "p10",
        "p50",
        "p90",
        "probability_of_target",
        "basis",
    }
    assert document["period"] == {"from": "2017-10-01", "to": "2017-10-31"}
    assert document["as_of"] == "2017-09-30"
    assert document["p10"] <= document["p50"] <= document["p90"]
    assert 0 <= document["probability_of_target"] <= 1
    assert document["expected"] == pytest.approx(
        document["closed_won"] + document["open_pipeline"] + document["new_business"], abs=0.05
    )
    assert document["basis"]["history"]["won"] > 0


def test_the_same_seed_gives_the_same_forecast_and_as_of_hides_later_facts() -> None:
    first = pac("forecast", "--source", MAVEN, *OCTOBER, "--draws", "1000", "--seed", "5", "--json")
    again = pac("forecast", "--source", MAVEN, *OCTOBER, "--draws", "1000", "--seed", "5", "--json")
    assert first.stdout == again.stdout
    document = json.loads(first.stdout)
    assert document["closed_won"] == 0  # as of 30 September nothing of October is won yet
    mid_month = pac(
        "forecast",
        "--source",
        MAVEN,
        "--from",
        "2017-10-01",
        "--to",
        "2017-10-31",
        "--as-of",
        "2017-10-15",
        "--draws",
        "1000",
        "--json",
    )
    assert json.loads(mid_month.stdout)["closed_won"] > 0


def test_one_forecast_per_segment() -> None:
    result = pac("forecast", "--source", MAVEN, *OCTOBER, "--by", "segment", "--draws", "500", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["by"] == "segment"
    assert {"retail", "software", "medical"} <= set(document["forecasts"])


def test_the_summary_gives_the_chance_and_the_range_in_french() -> None:
    result = pac("forecast", "--source", MAVEN, *OCTOBER, "--target", "1000000", "--draws", "1000", lang="fr")
    assert result.exit_code == 0, result.output
    text = result.stdout.replace("\u202f", " ").replace("\xa0", " ")
    assert "P10" in text and "P90" in text and " M €" in text and " %" in text


def test_the_backtest_replays_months_and_scores_the_baselines() -> None:
    result = pac("backtest", "--source", MAVEN, "--every", "month", "--draws", "500", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [p["period"]["from"] for p in document["periods"]][:2] == ["2017-05-01", "2017-06-01"]
    assert set(document["summary"]) == {"model", "pipeline", "run_rate"}
    assert document["summary"]["pipeline"]["coverage"] is None
    weekly = pac(
        "backtest",
        "--source",
        MAVEN,
        "--every",
        "week",
        "--from",
        "2017-11-01",
        "--to",
        "2017-11-30",
        "--draws",
        "200",
        "--json",
    )
    assert [p["period"]["from"] for p in json.loads(weekly.stdout)["periods"]] == [
        "2017-11-06",
        "2017-11-13",
        "2017-11-20",
    ]


@pytest.mark.parametrize(
    "args",
    [
        ("forecast", "--source", "/no/such/folder", *OCTOBER),
        ("forecast", "--source", MAVEN, "--from", "2017-10-31", "--to", "2017-10-01"),
        ("forecast", "--source", MAVEN, *OCTOBER, "--target", "-5"),
        ("forecast", "--source", MAVEN, *OCTOBER, "--draws", "0"),
        ("forecast", "--source", MAVEN, *OCTOBER, "--draws", "100001"),
        ("forecast", "--source", MAVEN, "--from", "2017-13-01", "--to", "2017-12-31"),
        ("forecast", "--source", MAVEN, *OCTOBER, "--by", "channel"),
        ("backtest", "--source", MAVEN, "--every", "day"),
        ("backtest", "--source", MAVEN, "--from", "2017-12-01", "--to", "2017-11-01"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str | Path, ...]) -> None:
    result = pac(*args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_a_forecast_needs_a_source_or_a_team() -> None:
    result = pac("forecast", "--from", "2027-01-01", "--to", "2027-03-31", "--json")
    assert result.exit_code == 2 and result.stdout == ""


@pytest.mark.django_db
def test_the_forecast_of_a_teams_imported_history(settings: Any, tmp_path: Path) -> None:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    demo = load_demo()
    today = dt.date.today()
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    result = pac("forecast", "--team", demo.team.name, "--from", start, "--to", end, "--draws", "500", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["as_of"] == today.isoformat()
    assert document["basis"]["history"]["won"] > 1000  # the demo's Maven history, shifted to end today
    assert document["p10"] <= document["p50"] <= document["p90"]


def test_a_folder_without_closed_deals_is_refused(tmp_path: Path) -> None:
    (tmp_path / "opportunities.csv").write_text(
        "external_id,outcome,amount,created\nA,open,1000,2027-01-05\n", encoding="utf-8"
    )
    result = pac(
        "forecast", "--source", tmp_path, "--from", "2027-02-01", "--to", "2027-02-28", "--as-of", "2027-01-31"
    )
    assert result.exit_code == 2
    assert "2027-01-31" in result.stderr and len(result.stderr.strip().splitlines()) == 1
