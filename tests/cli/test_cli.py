"""The ``pac`` engine commands, as scripts see them (DESIGN.md, "CLI contract")."""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from typer.testing import CliRunner

from pac.cli import app
from pac.engine.planfile import load_plan_file, to_plan
from pac.io.messages import catalogue

from ..conftest import EXAMPLE_PLAN
from ..engine.strategies import malformed_plan_files
from ..plans import DESIGN_PLAN

PLAN = DESIGN_PLAN

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
    message = catalogue("fr")("must be > {bound}").format(bound=0)  # « doit être > 0 » (the CLI speaks French)
    return f"{path}:{line}:{column}: objectives[1].target: {message}"


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
    path.write_text(
        PLAN.replace(
            "  - {id: nb, metric: revenue, target: 1000000, deadline: 2027-03-31, segment: saas-midmarket}\n", ""
        ),
        encoding="utf-8",
    )

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


def test_it_compiles_a_plan_into_a_file_that_validates_to_the_same_plan(plan_file: Path, tmp_path: Path) -> None:
    result = pac("plan", "compile", plan_file)
    assert result.exit_code == 0, result.output
    compiled = tmp_path / "compiled.yaml"
    compiled.write_text(result.stdout, encoding="utf-8")

    assert pac("plan", "validate", compiled).exit_code == 0
    assert to_plan(load_plan_file(compiled)) == to_plan(load_plan_file(plan_file))
    assert "hours_per_week" in result.stdout and "version: 1" in result.stdout  # defaults written out


@pytest.mark.parametrize("command", [["funnel"], ["plan", "validate"], ["plan", "schema"], ["plan", "compile"]])
def test_it_documents_every_engine_command(command: list[str]) -> None:
    result = pac(*command, "--help")

    assert result.exit_code == 0
    assert "Usage" in result.stdout


# --- pac calendar ------------------------------------------------------------------------------

CALENDAR_PLAN = """\
plan: {name: "Salon 2027", start: 2027-04-01, end: 2027-06-30, country: FR}
actions:
  - {id: salon-prep, type: event, name: "Préparer le salon", owner: sami, start: 2027-04-12, end: 2027-05-21,
     event: salon, raci: {R: [sami], A: manon}, milestones: [{name: "Stand réservé", date: 2027-04-30}]}
  - {id: relance, type: follow_up, name: "Relances", owner: alex, start: 2027-05-25, end: 2027-06-04}
events:
  - {id: salon, name: "Salon Santé", kind: trade_show, start: 2027-05-24, end: 2027-05-26, campaigns: [60, 30, 7]}
rituals:
  - {id: revue, name: "Revue pipeline", rrule: "FREQ=WEEKLY;BYDAY=MO", time: "09:00", minutes: 60, owner: manon,
     attendees: [sami, alex]}
deadlines:
  - {id: bilan, name: "Bilan", date: 2027-07-14, owner: manon}
"""


@pytest.fixture
def calendar_plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "calendar.yaml"
    path.write_text(CALENDAR_PLAN, encoding="utf-8")
    return path


def test_it_prints_the_calendar_items_of_the_whole_plan_as_json(calendar_plan_file: Path) -> None:
    result = pac("calendar", calendar_plan_file, "--json")

    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]
    assert Counter(i["kind"] for i in items) == {
        "ritual": 13,
        "campaign": 3,
        "event": 1,
        "action": 2,
        "milestone": 1,
        "deadline": 1,
    }
    assert all({"date", "kind", "title", "ref"} <= set(i) for i in items)
    campaigns = [(i["date"], i["offset_days"]) for i in items if i["kind"] == "campaign"]
    # 24 May - 60 = 25 March; - 30 = 24 April (Saturday → Friday 23); - 7 = 17 May, Pentecost Monday → Friday 14
    assert campaigns == [("2027-03-25", 60), ("2027-04-23", 30), ("2027-05-14", 7)]
    assert items[0]["date"] == "2027-03-25"  # before the plan's start, like the 14 July deadline after its end
    assert items[-1] == {
        "date": "2027-07-13",
        "kind": "deadline",
        "title": "Bilan",
        "ref": "bilan",
        "owner": "manon",
        "people": ["manon"],
        "moved_from": "2027-07-14",
    }
    ritual = next(i for i in items if i["kind"] == "ritual")
    assert (ritual["time"], ritual["owner"], ritual["people"]) == ("09:00", "manon", ["manon", "sami", "alex"])
    assert [i["date"] for i in items] == sorted(i["date"] for i in items)


def test_it_prints_the_rolling_window_from_today(calendar_plan_file: Path) -> None:
    week = json.loads(pac("calendar", calendar_plan_file, "--today", "2027-05-17", "--days", "7", "--json").stdout)
    default = json.loads(pac("calendar", calendar_plan_file, "--today", "2027-05-17", "--json").stdout)

    assert week["window"] == {"start": "2027-05-17", "end": "2027-05-23"}
    assert [(i["date"], i["kind"], i["ref"]) for i in week["items"]] == [
        ("2027-04-12", "action", "salon-prep"),  # still running
        ("2027-05-17", "ritual", "revue"),  # a ritual keeps its rule, even on Pentecost Monday
    ]
    assert default["window"] == {"start": "2027-05-17", "end": "2027-08-14"}  # 90 days
    assert {i["kind"] for i in default["items"]} == {"action", "ritual", "event", "deadline"}


def test_it_prints_the_calendar_as_a_table(calendar_plan_file: Path) -> None:
    result = pac("calendar", calendar_plan_file, "--today", "2027-05-10", "--days", "30", lang="en")

    assert result.exit_code == 0, result.output
    assert "Salon 2027" in result.stdout and "Revue pipeline" in result.stdout
    assert "D-7 · Salon Santé" in result.stdout
    assert "Campaign" in result.stdout and "Ritual" in result.stdout


def test_it_rejects_a_today_that_is_not_an_iso_date(calendar_plan_file: Path) -> None:
    result = pac("calendar", calendar_plan_file, "--today", "17/05/2027", "--json")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--today" in result.stderr and "YYYY-MM-DD" in result.stderr


def test_it_refuses_days_without_today(calendar_plan_file: Path) -> None:
    result = pac("calendar", calendar_plan_file, "--days", "7")

    assert result.exit_code == 2
    assert "--today" in result.stderr


def test_it_refuses_the_calendar_of_a_bad_plan(bad_plan_file: Path) -> None:
    result = pac("calendar", bad_plan_file, "--json")

    assert result.exit_code != 0
    assert result.stdout == ""
    assert _bad_target_line(bad_plan_file) in result.stderr.splitlines()


def test_it_says_when_the_plan_country_has_no_holiday_calendar(tmp_path: Path) -> None:
    path = tmp_path / "xx.yaml"
    path.write_text(CALENDAR_PLAN.replace("country: FR", "country: XX"), encoding="utf-8")

    result = pac("calendar", path, "--json", lang="en")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "XX" in result.stderr and "plan.country" in result.stderr


def test_it_documents_the_calendar_command() -> None:
    result = pac("calendar", "--help", lang="en")

    assert result.exit_code == 0
    assert "--today" in result.stdout and "--ics" in result.stdout and "--days" in result.stdout


def test_it_writes_the_calendar_to_an_ics_file(calendar_plan_file: Path, tmp_path: Path) -> None:
    pytest.importorskip("pac.io.ical")
    target = tmp_path / "plan.ics"

    result = pac("calendar", calendar_plan_file, "--ics", target, "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["items"]  # --json still prints the document, and only it
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR") and "Salon Santé" in text


# --- pac priorities ------------------------------------------------------------------------------


def _wide(*args: str | Path, lang: str = "fr"):
    """A terminal wide enough for table cells not to wrap (Rich reads COLUMNS)."""
    return CliRunner().invoke(app, [str(a) for a in args], env={"PAC_LANG": lang, "COLUMNS": "300"})


def _demo_plan_file(path: Path, text: str, budget: int | None) -> Path:
    """The demo plan with its team and budget pinned (3 SDRs, 4 AEs), so the expected selections
    stay true if the example changes them."""
    import dataclasses
    from decimal import Decimal

    from pac.engine.model import Role, TeamRole
    from pac.engine.planfile import dump_plan, parse_plan_file

    plan = dataclasses.replace(
        to_plan(parse_plan_file(text)),
        budget=Decimal(budget) if budget is not None else None,
        team=(TeamRole(Role.SDR, 3, Decimal(35)), TeamRole(Role.AE, 4, Decimal(35))),
    )
    path.write_text(dump_plan(plan), encoding="utf-8")
    return path


@pytest.fixture
def demo_plan_file(tmp_path: Path, demo_plan_text: str) -> Path:
    return _demo_plan_file(tmp_path / "demo.yaml", demo_plan_text, None)


@pytest.fixture
def short_budget_plan_file(tmp_path: Path, demo_plan_text: str) -> Path:
    return _demo_plan_file(tmp_path / "short-budget.yaml", demo_plan_text, 8000)


def test_it_prints_the_priorities_as_one_json_document(demo_plan_file: Path) -> None:
    result = pac("priorities", demo_plan_file, "--json")

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    document, end = json.JSONDecoder().raw_decode(result.stdout)
    assert result.stdout[end:].strip() == ""
    assert [s["id"] for s in document["segments"]] == ["saas-midmarket", "sante", "industrie"]
    assert document["accounts"][0]["group"] == "strategic"
    action = document["actions"][0]
    assert {"id", "group", "rank", "score", "components", "inputs", "flags"} <= set(action)
    assert sum(c["points"] for c in action["components"].values()) == pytest.approx(action["score"], abs=1e-3)
    selection = document["selection"]
    assert selection["selected"] == ["seq-icp-q1", "abm-strategiques", "demos-semaine", "webinaire-cfo"]
    assert {i["id"]: i["reason"] for i in selection["left_out"]} == {
        "salon-santexpo": "no_such_role",
        "upsell-base": "no_such_role",
    }
    assert selection["optimal"] is True and selection["budget_available"] is None
    assert {"constraint", "used", "available", "slack"} <= set(selection["constraints"][0])


def test_it_names_the_binding_constraint_of_a_left_out_action(short_budget_plan_file: Path) -> None:
    document = json.loads(pac("priorities", short_budget_plan_file, "--json").stdout)

    selection = document["selection"]
    assert selection["budget_used"] == 8000 and selection["budget_available"] == 8000
    webinar = next(i for i in selection["left_out"] if i["id"] == "webinaire-cfo")
    assert webinar["reason"] == "lower_value"
    assert [c["constraint"] for c in webinar["constraints"]] == ["budget"]
    assert webinar["constraints"][0]["needed"] == 1500 and webinar["constraints"][0]["available"] == 0

    text = _wide("priorities", short_budget_plan_file).stdout
    assert "budget : il faut 1 500 €, il reste 0 €" in _spaces(text)


def test_it_applies_the_include_and_exclude_decisions(demo_plan_file: Path) -> None:
    result = pac(
        "priorities",
        demo_plan_file,
        "--json",
        "--exclude",
        "demos-semaine",
        "--include",
        "upsell-base",
        "--include",
        "salon-santexpo",
    )

    assert result.exit_code == 0, result.output
    selection = json.loads(result.stdout)["selection"]
    assert "demos-semaine" not in selection["selected"]
    assert {"upsell-base", "salon-santexpo"} <= set(selection["selected"])
    excluded = next(i for i in selection["left_out"] if i["id"] == "demos-semaine")
    assert excluded["reason"] == "excluded_by_decision" and excluded["decision"]["include"] is False
    assert sorted(v["actions"][0] for v in selection["violations"]) == ["salon-santexpo", "upsell-base"]
    assert {v["code"] for v in selection["violations"]} == {"no_such_role"}


def test_it_refuses_a_decision_about_an_unknown_action(demo_plan_file: Path) -> None:
    result = pac("priorities", demo_plan_file, "--exclude", "nope", lang="en")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "nope" in result.stderr and "seq-icp-q1" in result.stderr

    both = pac("priorities", demo_plan_file, "--include", "seq-icp-q1", "--exclude", "seq-icp-q1", lang="en")
    assert both.exit_code == 2 and "seq-icp-q1" in both.stderr


def test_it_prints_the_rankings_and_the_selection_as_french_tables(demo_plan_file: Path) -> None:
    result = _wide("priorities", demo_plan_file)

    assert result.exit_code == 0, result.output
    text = _spaces(result.stdout)
    assert "Segments" in text and "Comptes (stratégiques d'abord)" in text
    assert "16 000 000 €" in text
    assert "Sélection" in text and "CSM" in text and "n'est pas dans l'équipe" in text


def test_it_takes_the_hourly_cost_into_the_action_costs(demo_plan_file: Path) -> None:
    document = json.loads(pac("priorities", demo_plan_file, "--json", "--hourly-cost", "100").stdout)

    sequence = next(a for a in document["actions"] if a["id"] == "seq-icp-q1")
    assert sequence["components"]["cost"]["raw"] == 2000 + 120 * 100
    assert document["hourly_cost"] == 100


def test_it_documents_the_priorities_command() -> None:
    result = pac("priorities", "--help", lang="en")

    assert result.exit_code == 0
    assert "--include" in result.stdout and "--exclude" in result.stdout and "--json" in result.stdout


def test_it_prints_the_kpis_of_a_folder_of_canonical_files_as_json() -> None:
    from pathlib import Path as _Path

    folder = _Path(__file__).resolve().parent.parent / "data" / "kpis" / "maven"
    result = pac("kpis", "--source", str(folder), "--as-of", "2017-12-31", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["kpi"]: r for r in json.loads(result.stdout)["kpis"] if not r["by"] and r["period"] is None}
    assert rows["win_rate"]["value"] == pytest.approx(4238 / (4238 + 2473))
    assert rows["win_rate_value"]["status"] == "not_computable" and rows["win_rate_value"]["value"] is None
    assert rows["mql"]["status"] == "not_computable" and "leads" in rows["mql"]["reason"]


def test_it_refuses_kpis_without_a_source_or_a_team() -> None:
    result = pac("kpis", "--json")
    assert result.exit_code == 2 and result.stdout == ""


MAVEN_KPIS = Path(__file__).resolve().parent.parent / "data" / "kpis" / "maven"


def test_it_computes_only_the_kpis_asked_for() -> None:
    result = pac("kpis", "--source", MAVEN_KPIS, "--as-of", "2017-12-31", "--kpi", "win_rate,average_deal", "--json")

    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["kpis"]
    assert [r["kpi"] for r in rows] == ["win_rate", "average_deal"]
    assert rows[0]["value"] == pytest.approx(4238 / (4238 + 2473))


def test_it_refuses_an_unknown_kpi_and_names_the_known_ones() -> None:
    result = pac("kpis", "--source", MAVEN_KPIS, "--kpi", "win_rat", lang="en")

    assert result.exit_code == 2 and result.stdout == ""
    assert "win_rat" in result.stderr and "win_rate" in result.stderr


def test_it_prints_the_kpis_in_french_with_their_labels_units_and_reasons() -> None:
    result = _wide("kpis", "--source", MAVEN_KPIS, "--as-of", "2017-12-31", "--kpi", "win_rate,revenue,win_rate_value")

    assert result.exit_code == 0, result.output
    text = _spaces(result.stdout)
    assert "Taux de signature" in text and "63,2 %" in text
    assert "10 005 534 €" in text
    assert "win_rate" not in text and "lost amounts" not in text


def test_it_locates_a_day_that_does_not_exist_in_french_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    text = PLAN.replace("2027-03-31", "2027-02-30", 1)
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "2027-02-30" in row)

    result = pac("plan", "validate", path)

    assert result.exit_code == 2
    assert result.stdout == ""
    (located,) = [row for row in result.stderr.splitlines() if row.startswith(f"{path}:{line}:")]
    assert "2027-02-30" in located and "28" in located and "Traceback" not in result.stderr
    assert "does not exist" not in located  # said in French


@settings(max_examples=60, deadline=None)
@given(malformed_plan_files(EXAMPLE_PLAN.read_text(encoding="utf-8")))
def test_validate_answers_a_malformed_plan_file_with_located_errors_only(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.yaml"
        path.write_bytes(data)
        result = pac("plan", "validate", path)
    assert result.exit_code in (0, 2), result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code == 2:
        problems, summary = result.stderr.splitlines()[:-1], result.stderr.splitlines()[-1]
        assert problems and "problème" in summary
        for line in problems:
            assert re.match(rf"{re.escape(str(path))}(:\d+:\d+)?: \S", line), line


def test_a_place_at_line_100_is_printed_as_it_is_not_as_an_emoji(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    lines = PLAN.splitlines()
    path.write_text("\n".join(lines[:1] + ["#"] * 98 + ["plan: {}"] + lines[1:]) + "\n", encoding="utf-8")
    result = pac("plan", "validate", path)  # a second plan key, on line 100
    assert result.exit_code == 2
    assert f"{path}:100:1: " in result.stderr and "💯" not in result.stderr


def test_plan_diff_lists_the_objects_that_changed_in_words_and_in_json(tmp_path: Path) -> None:
    text = EXAMPLE_PLAN.read_text(encoding="utf-8")
    before, after = tmp_path / "a.yaml", tmp_path / "b.yaml"
    before.write_text(text, encoding="utf-8")
    after.write_text(
        text.replace("owner: alex, stage: demo", "owner: lea, stage: demo", 1).replace(
            "{stage: mql, rate: 0.4, days: 7}", "{stage: mql, rate: 0.45, days: 7}"
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["plan", "diff", str(before), str(after)], env={"PAC_LANG": "fr", "COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "~ funnel.stages[mql].rate: 0.4 → 0.45" in result.stdout
    assert "~ accounts[clinique-saint-roch].owner: alex → lea" in result.stdout
    assert "2 changement(s) : 0 ajouté(s), 0 retiré(s), 2 modifié(s)." in result.stdout
    document = json.loads(
        CliRunner().invoke(app, ["plan", "diff", str(before), str(after), "--json"], env={"PAC_LANG": "fr"}).stdout
    )
    assert [(c["change"], c["path"], c["old"], c["new"]) for c in document["changes"]] == [
        ("changed", ["funnel", "stages", "mql", "rate"], 0.4, 0.45),
        ("changed", ["accounts", "clinique-saint-roch", "owner"], "alex", "lea"),
    ]
    same = CliRunner().invoke(app, ["plan", "diff", str(before), str(before)], env={"PAC_LANG": "en"})
    assert same.exit_code == 0 and "No difference." in same.stdout


def test_plan_split_writes_one_valid_plan_file_a_month_whose_targets_add_up(tmp_path: Path) -> None:
    env = {"PAC_LANG": "fr", "COLUMNS": "200"}
    result = CliRunner().invoke(
        app, ["plan", "split", str(EXAMPLE_PLAN), "--by", "month", "--out-dir", str(tmp_path), "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    parts = json.loads(result.stdout)["parts"]
    assert [p["key"] for p in parts] == ["2027-01", "2027-02", "2027-03"]
    revenue = [o["target"] for p in parts for o in p["objectives"] if o["metric"] == "revenue"]
    assert sum(revenue) == 1_000_000 and len(revenue) == 3
    for part in parts:
        checked = CliRunner().invoke(app, ["plan", "validate", part["file"]], env=env)
        assert checked.exit_code == 0, checked.output
    table = CliRunner().invoke(app, ["plan", "split", str(EXAMPLE_PLAN), "--by", "month"], env=env)
    text = table.stdout.replace("\u202f", " ").replace("\xa0", " ")
    assert "janvier 2027" in text and "333 333 €" in text and "33,3 %" in text


def test_plan_split_refuses_a_bad_season_and_says_how_to_write_it() -> None:
    result = CliRunner().invoke(
        app, ["plan", "split", str(EXAMPLE_PLAN), "--seasonality", "1,2,x"], env={"PAC_LANG": "en"}
    )
    assert result.exit_code == 2
    assert "twelve numbers from 0 to 1000, January first" in result.output
