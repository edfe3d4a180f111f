"""``pac sequences PLAN.yaml [--from DATE] [--json]``: the CLI contract of issue 12."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import pac.engine
from pac.cli import app

EXAMPLE = Path(pac.engine.__file__).parent / "examples" / "sequences.yaml"


def pac(*args: str | Path, lang: str = "fr"):
    return CliRunner().invoke(app, [str(a) for a in args], env={"PAC_LANG": lang, "COLUMNS": "200"})


def test_json_gives_the_touches_and_the_overflow_with_exactly_the_contract_keys() -> None:
    result = pac("sequences", EXAMPLE, "--from", "2027-04-01", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"touches", "overflow"}
    assert all(
        set(t) == {"date", "owner", "contact", "sequence", "step", "channel", "variant"} for t in document["touches"]
    )
    assert len(document["touches"]) == 4 * 4 + 3  # 4 contacts × 4 touches, 1 × the event's 3
    first = [t for t in document["touches"] if t["contact"] == "acme-daf"]
    assert [(t["date"], t["channel"], t["step"]) for t in first] == [
        ("2027-04-30", "email", 1),
        ("2027-05-05", "phone", 2),  # 30 April + 3 business days, 1 May (Saturday) in between
        ("2027-05-13", "social", 3),  # Ascension, 6 May, skipped
        ("2027-06-02", "email", 4),  # Whit Monday, 17 May, skipped
    ]
    assert document["overflow"] == [{"date": "2027-04-30", "owner": "alex", "count": 1}]  # alex: 2 a day
    assert {t["variant"] for t in document["touches"] if t["sequence"] == "icp-21"} <= {"A", "B"}


def test_the_table_lists_the_touches_and_where_capacity_runs_out() -> None:
    result = pac("sequences", EXAMPLE, "--from", "2027-04-01", lang="en")
    assert result.exit_code == 0, result.output
    assert "umbrella-daf" in result.stdout and "Capacity runs out" in result.stdout


def test_a_wrong_date_or_plan_is_a_located_message_not_a_traceback(tmp_path: Path) -> None:
    result = pac("sequences", EXAMPLE, "--from", "2027-13-01")
    assert result.exit_code == 2 and "--from" in result.output and "Traceback" not in result.output
    bad = tmp_path / "plan.yaml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("channel: social", "channel: fax"), encoding="utf-8")
    result = pac("sequences", bad)
    assert result.exit_code == 2 and "sequences[0].steps[2].channel" in result.output
