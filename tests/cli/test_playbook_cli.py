"""``pac playbook list [--json]`` and ``pac playbook new NAME --set KEY=YAML… --out PLAN.yaml`` (issue 13)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from pac.cli import app


def pac(*args: str | Path, lang: str = "en"):
    return CliRunner().invoke(app, [str(a) for a in args], env={"PAC_LANG": lang, "COLUMNS": "200"})


def test_list_json_gives_each_playbook_with_its_parameters() -> None:
    result = pac("playbook", "list", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [p["name"] for p in document["playbooks"]] == ["channel-hardware", "key-accounts", "saas-midmarket"]
    for playbook in document["playbooks"]:
        assert set(playbook) == {"name", "title", "description", "parameters"}
        assert set(playbook["title"]) == {"fr", "en"}
        for parameter in playbook["parameters"]:
            assert set(parameter) == {"name", "type", "required", "default", "min", "max", "description"}
    channel = {p["name"]: p for p in document["playbooks"][0]["parameters"]}
    assert channel["trade_shows"]["type"] == "dates" and channel["trade_shows"]["required"] is True
    assert channel["target"] == {
        **channel["target"],
        "type": "money",
        "default": 1500000,
        "required": False,
    }


def test_list_shows_a_table_in_the_readers_language() -> None:
    result = pac("playbook", "list", lang="fr")
    assert result.exit_code == 0, result.output
    shown = result.stdout.replace("\u202f", " ").replace("\xa0", " ")  # French spaces in numbers
    assert "Lancement matériel industriel via partenaires" in shown and "1 500 000 €" in shown


def test_new_writes_a_plan_file_that_validates(tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    result = pac(
        "playbook",
        "new",
        "channel-hardware",
        "--set",
        "start=2027-01-01",
        "--set",
        "trade_shows=[2027-10-12]",
        "--set",
        "target=2400000",
        "--set",
        "partner_managers=[paul, lea, ana]",
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    assert "moved to the next one, 2027-01-04" in result.stderr
    assert "pipeline_before_start" in result.stderr  # the diagnostics come with it
    assert pac("plan", "validate", out).exit_code == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert str(data["plan"]["start"]) == "2027-01-04"
    assert [str(e["start"]) for e in data["events"]] == ["2027-10-12"]
    assert next(o for o in data["objectives"] if o["id"] == "revenue-channel")["target"] == 2400000
    assert next(t for t in data["team"] if t["role"] == "AE")["headcount"] == 3


def test_new_without_out_prints_the_plan_on_stdout() -> None:
    result = pac("playbook", "new", "key-accounts", "--set", "start=2027-01-04")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout)["plan"]["name"] == "Grands comptes : fidélisation et expansion · 2027"


def test_new_says_what_is_wrong_and_exits_2() -> None:
    unknown = pac("playbook", "new", "saas", "--set", "start=2027-01-04")
    assert unknown.exit_code == 2 and "unknown playbook 'saas'" in unknown.stderr
    wrong = pac(
        "playbook", "new", "saas-midmarket", "--set", "start=2027-01-04", "--set", "target=abc", "--set", "foo=1"
    )
    assert wrong.exit_code == 2
    assert "target: must be a number" in wrong.stderr and "foo: unknown parameter" in wrong.stderr
    assert wrong.stdout == ""
    unreadable = pac("playbook", "new", "saas-midmarket", "--set", "start")
    assert unreadable.exit_code == 2 and "must be written KEY=VALUE" in unreadable.stderr
    missing = pac("playbook", "new", "saas-midmarket")
    assert missing.exit_code == 2 and "start: required" in missing.stderr
    assert "Traceback" not in wrong.output + unreadable.output + missing.output


def test_new_takes_a_playbook_file_of_ones_own_checked_as_the_built_ins(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "playbook: {name: mine, title: {fr: Le mien, en: Mine}, description: {fr: Court, en: Short}}\n"
        "parameters:\n"
        "  - {name: start, type: date, business_day: true, description: {fr: Début, en: Start}}\n"
        "  - {name: wins, type: integer, default: 4, min: 1, max: 50, description: {fr: Signatures, en: Wins}}\n"
        "plan: |\n"
        "  plan: {name: Mine, start: {{ start }}, end: {{ start | add_months(2) | business_day_before(1) }}}\n"
        "  objectives: [{id: nb, metric: wins, target: {{ wins }}, deadline: {{ start | quarter_end }}}]\n",
        encoding="utf-8",
    )
    result = pac("playbook", "new", mine, "--set", "start=2027-05-01", "--set", "wins=7")
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.stdout)
    assert (str(data["plan"]["start"]), str(data["plan"]["end"])) == ("2027-05-03", "2027-07-02")
    assert data["objectives"] == [{"id": "nb", "metric": "wins", "target": 7, "deadline": dt.date(2027, 6, 30)}]
    mine.write_text("playbook: {name: Mine}\nplan: x\n", encoding="utf-8")
    broken = pac("playbook", "new", mine, "--set", "start=2027-05-03")
    assert broken.exit_code == 2 and "playbook.title" in broken.stderr and "Traceback" not in broken.output


def test_save_then_new_from_the_file_gives_the_plan_back_and_validate_accepts_it(tmp_path: Path) -> None:
    plan_path, playbook_path = tmp_path / "plan.yaml", tmp_path / "mine.yaml"
    made = pac("playbook", "new", "channel-hardware", "--set", "start=2027-01-04", "--set", "trade_shows=[2027-04-13]",
               "--out", plan_path)  # fmt: skip
    assert made.exit_code == 0, made.output
    saved = pac("playbook", "save", plan_path, "--name", "mon-lancement", "--out", playbook_path)
    assert saved.exit_code == 0, saved.output
    checked = pac("playbook", "validate", playbook_path, "--json")
    assert checked.exit_code == 0 and json.loads(checked.stdout)["valid"] is True
    again = pac("playbook", "new", "--file", playbook_path)
    assert again.exit_code == 0, again.output
    assert yaml.safe_load(again.stdout) == yaml.safe_load(plan_path.read_text(encoding="utf-8"))
    later = pac("playbook", "new", "--file", playbook_path, "--set", "start=2027-02-01")
    assert yaml.safe_load(later.stdout)["plan"]["start"] in ("2027-02-01", dt.date(2027, 2, 1))


def test_validate_lists_every_problem_with_its_path_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("playbook: {name: Mauvais}\nparameters: [{name: start, type: day}]\nplan: x\n", encoding="utf-8")
    result = pac("playbook", "validate", bad, "--json")
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    assert any("playbook.name" in p for p in problems) and any("parameters[0].type" in p for p in problems)
    broken = tmp_path / "broken.yaml"  # the schema is right but the plan it makes is not valid
    broken.write_text(
        "playbook: {name: casse, title: {fr: C, en: C}, description: {fr: C, en: C}}\n"
        "parameters: [{name: start, type: date, default: 2027-01-04, description: {fr: D, en: S}}]\n"
        "plan: |\n  version: 1\n  plan: {name: X, start: {{ start }}, end: 2026-01-01}\n",
        encoding="utf-8",
    )
    result = pac("playbook", "validate", broken)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "plan.end" in result.output


def test_save_refuses_a_wrong_name_without_a_traceback(tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.yaml"
    pac("playbook", "new", "saas-midmarket", "--set", "start=2027-01-04", "--out", plan_path)
    result = pac("playbook", "save", plan_path, "--name", "Mon Plan")
    assert result.exit_code == 2 and "name:" in result.output and "Traceback" not in result.output
