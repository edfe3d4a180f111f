"""``pac plan from-history``: each learnt figure with its basis, the plan written with them applied, and
the plan's rates far from history; one JSON document with --json, clear errors on stderr."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pac.cli import app
from pac.engine.kpis import compute_kpis, tables_from_directory
from pac.engine.planfile import load_plan_file, to_plan

MAVEN = Path(__file__).resolve().parent.parent / "data" / "kpis" / "maven"
PLAN = Path(__file__).resolve().parents[2] / "src" / "pac" / "engine" / "examples" / "saas-midmarket.yaml"
RANGE = ("--from", "2017-01-01", "--to", "2017-06-30")


def pac(*args: str | Path, lang: str = "en") -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], env={"PAC_LANG": lang, "COLUMNS": "200"})


def test_it_prints_each_figure_with_its_basis_and_writes_the_plan(tmp_path: Path) -> None:
    target = tmp_path / "new.yaml"
    result = pac("plan", "from-history", PLAN, "--source", MAVEN, *RANGE, "--out", target)
    assert result.exit_code == 0, result.output
    text = re.sub(r"[\u202f\u00a0]", " ", result.output)
    engine = {
        r["kpi"]: r
        for r in compute_kpis(
            tables_from_directory(MAVEN),
            as_of=dt.date(2017, 6, 30),
            start=dt.date(2017, 1, 1),
            kpis=["win_rate", "average_deal"],
        )
    }
    win = engine["win_rate"]
    assert f"{round(100 * win['value'])}% over {win['basis']:,} closed deals since January 2017" in text
    assert f"€{round(engine['average_deal']['value']):,} over" in text
    assert "no leads table" in text  # MQL → SQL cannot be learnt from Maven: it says why
    # the plan written: the win rate on the step above « won », the average deal; the rest as typed
    written, typed = to_plan(load_plan_file(target)), to_plan(load_plan_file(PLAN))
    assert written.average_deal == round(Decimal(str(engine["average_deal"]["value"])), 2)
    assert [(s.stage, s.rate) for s in written.steps][-2][1] == round(Decimal(str(win["value"])), 4)
    assert written.steps[:-2] == typed.steps[:-2] and written.objectives == typed.objectives
    assert f"{target} written." in text.replace("\n", "")
    # the typed average deal (83 334 €) is far from history's: said
    assert "Average deal: the plan counts on €83,334, history gives" in text


def test_the_json_is_one_document_with_each_figure_and_its_basis() -> None:
    result = pac(
        "plan", "from-history", PLAN, "--source", MAVEN, *RANGE, "--by-segment", "--min-deals", "400", "--json"
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    figures = {(f["kpi"], f["segment"]): f for f in document["figures"]}
    assert figures["win_rate", None]["counts"] == "closed_deals" and figures["win_rate", None]["count"] > 2000
    assert figures["mql_to_sql", None]["reason"] == "no_table" and figures["mql_to_sql", None]["value"] is None
    assert document["period"] == {"from": "2017-01-01", "to": "2017-06-30"}
    assert set(document["segments"]) == {s for (_, s) in figures if s} != set()
    assert all(n >= 400 for n in document["segments"].values()) and all(n < 400 for n in document["too_small"].values())
    assert [d["code"] for d in document["differences"]] == ["average_deal_off_history"]
    assert document["funnel"]["stages"][-2]["rate"] == pytest.approx(figures["win_rate", None]["value"], abs=1e-4)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--from", "2017-01-01", "--to", "2017-06-30"), "--team"),
        (("--source", str(MAVEN), "--from", "2017-07-01", "--to", "2017-06-30"), "--from"),
        (("--source", str(MAVEN), "--from", "janvier", "--to", "2017-06-30"), "ISO"),
    ],
)
def test_it_says_what_to_fix(args: tuple[str, ...], said: str) -> None:
    result = pac("plan", "from-history", PLAN, *args, "--json")
    assert result.exit_code == 2 and result.stdout == ""
    assert said in result.stderr


@pytest.mark.django_db
def test_it_learns_from_a_teams_imported_history(settings: Any, tmp_path: Path) -> None:
    from pac.web.crm.kpi_tables import team_tables
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    demo = load_demo()
    end = dt.date.today()
    start = end - dt.timedelta(days=365)
    result = pac("plan", "from-history", PLAN, "--team", demo.team.name, "--from", start, "--to", end, "--json")
    assert result.exit_code == 0, result.output
    learnt = {f["kpi"]: f for f in json.loads(result.stdout)["figures"] if f["segment"] is None}
    (row,) = compute_kpis(team_tables(demo.team), as_of=end, start=start, kpis=["win_rate"])
    assert learnt["win_rate"]["value"] == pytest.approx(row["value"]) and learnt["win_rate"]["count"] == row["basis"]


def _gaps(*args: str | Path) -> list[float]:
    result = pac("plan", "from-history", *args, "--source", MAVEN, *RANGE, "--json")
    assert result.exit_code == 0, result.stderr
    return sorted(abs(d["params"]["difference"]) for d in json.loads(result.stdout)["differences"])


def test_the_threshold_is_the_plan_files_unless_given(tmp_path: Path) -> None:
    """Flagged beyond the plan file's ``alerts.history_gap`` (20 % when it sets none); --threshold (in per
    cent) overrides it."""
    default = _gaps(PLAN)
    strict_plan = tmp_path / "strict.yaml"
    strict_plan.write_text(PLAN.read_text(encoding="utf-8") + "\nalerts:\n  history_gap: 0.01\n", encoding="utf-8")
    strict = _gaps(strict_plan)
    assert all(d > 0.2 for d in default)
    assert all(d > 0.01 for d in strict) and len(strict) > len(default)
    assert any(0.01 < d <= 0.2 for d in strict)
    assert _gaps(strict_plan, "--threshold", "20") == default
