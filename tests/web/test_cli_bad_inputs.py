"""No ``pac`` command prints a traceback for a bad input: each command that reads or writes a file is run
with a missing file, a folder, binary garbage, an empty file and a file over its size limit; each exits
with a code other than 0 and a message, and no « Traceback »."""

from __future__ import annotations

import random
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pac.cli import app
from pac.engine.planfile import MAX_PLAN_FILE_BYTES
from pac.web.crm.models import Opportunity

pytestmark = pytest.mark.django_db

BAD = ("missing", "folder", "garbage", "empty", "huge")


@pytest.fixture
def bad_file(tmp_path: Path) -> Callable[[str, int], Path]:
    """``bad_file(kind, limit)``: a path that is ``kind`` — a file over ``limit`` bytes for « huge »."""

    def make(kind: str, limit: int) -> Path:
        path = tmp_path / f"{kind}.input"
        if kind == "folder":
            path.mkdir()
        elif kind == "garbage":
            path.write_bytes(random.Random(11).randbytes(4096))  # NUL and bytes of no encoding
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "huge":
            path.write_bytes(b"external_id,outcome\n" + b"D1,won\n" * (limit // 7 + 1))
        return path

    return make


def _run(args: list[str]) -> Any:
    result = CliRunner().invoke(app, args)
    shown = result.output + (result.stderr if result.stderr_bytes is not None else "")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            "".join(traceback.format_exception(result.exception))
        )  # what a user would have seen as a traceback
    return result, shown


def _assert_refused(args: list[str]) -> str:
    result, shown = _run(args)
    assert result.exit_code != 0, shown
    assert shown.strip(), f"no message for {args}"
    assert "Traceback" not in shown
    return shown


PLAN_COMMANDS: list[list[str]] = [
    ["funnel", "{path}"],
    ["calendar", "{path}"],
    ["priorities", "{path}"],
    ["levers", "{path}", "--today", "2027-02-01"],
    ["plan", "validate", "{path}"],
    ["plan", "compile", "{path}"],
    ["plan", "import", "{path}", "--team", "Ventes SaaS", "--owner", "owner"],
]


@pytest.mark.parametrize("command", PLAN_COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("kind", BAD)
def test_a_plan_command_refuses_a_bad_plan_file_with_a_message(
    command: list[str], kind: str, bad_file: Callable[[str, int], Path], owner: Any
) -> None:
    path = bad_file(kind, MAX_PLAN_FILE_BYTES)
    _assert_refused([part.replace("{path}", str(path)) for part in command])


@pytest.mark.parametrize("kind", BAD)
def test_the_import_command_refuses_a_bad_export_with_a_message(
    kind: str, bad_file: Callable[[str, int], Path], owner: Any, team: Any, settings: Any
) -> None:
    settings.CRM_UPLOAD_MAX_BYTES = 10_000
    path = bad_file(kind, settings.CRM_UPLOAD_MAX_BYTES)
    shown = _assert_refused(["import", "opportunities", str(path), "--team", team.name])
    if kind == "huge":
        assert "--max-size" in shown


def test_the_import_size_limit_is_raised_on_purpose(
    bad_file: Callable[[str, int], Path], owner: Any, team: Any, settings: Any
) -> None:
    settings.CRM_UPLOAD_MAX_BYTES = 10_000
    path = bad_file("huge", settings.CRM_UPLOAD_MAX_BYTES)
    result, shown = _run(["import", "opportunities", str(path), "--team", team.name, "--max-size", "1"])
    assert result.exit_code == 0, shown  # read and imported: one deal, its identical repeats merged
    assert Opportunity.objects.get(team=team).external_id == "D1"


def test_the_import_command_refuses_a_format_of_another_kind(tmp_path: Path, owner: Any, team: Any) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("external_id,name\nA1,Acme\n", encoding="utf-8")
    shown = _assert_refused(["import", "accounts", str(path), "--team", team.name, "--preset", "hubspot-deals"])
    assert "hubspot-deals" in shown


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_the_import_report_cannot_be_written_over_a_folder_or_into_nothing(
    kind: str, tmp_path: Path, owner: Any, team: Any
) -> None:
    export = tmp_path / "deals.csv"
    export.write_text("external_id,outcome\nD1,won\n", encoding="utf-8")
    report = tmp_path / "folder" if kind == "folder" else tmp_path / "nowhere" / "report.csv"
    if kind == "folder":
        report.mkdir()
    _assert_refused(["import", "opportunities", str(export), "--team", team.name, "--report", str(report)])


@pytest.mark.parametrize(
    "command", [["kpis"], ["forecast", "--from", "2026-01-01", "--to", "2026-03-31"], ["backtest"]]
)
@pytest.mark.parametrize("kind", ["missing", "file", "garbage", "empty"])
def test_a_source_folder_that_is_not_one_of_canonical_files_is_refused(
    command: list[str], kind: str, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    if kind == "file":
        source.write_text("not a folder", encoding="utf-8")
    elif kind in ("garbage", "empty"):
        source.mkdir()
        content = random.Random(5).randbytes(4096) if kind == "garbage" else b""
        (source / "opportunities.csv").write_bytes(content)
    _assert_refused([*command, "--source", str(source)])


@pytest.mark.parametrize("kind", ["folder", "nowhere"])
def test_an_output_that_cannot_be_written_is_refused(kind: str, tmp_path: Path, plan: Any) -> None:
    target = tmp_path / "out" if kind == "folder" else tmp_path / "nowhere" / "out"
    if kind == "folder":
        target.mkdir()
    _assert_refused(["plan", "export", str(plan.pk), "--output", str(target)])
    _assert_refused(["report", "weekly", "--plan", str(plan.pk), "--pdf", str(target)])


def test_a_calendar_cannot_be_written_over_a_folder(tmp_path: Path, demo_plan_text: str) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(demo_plan_text, encoding="utf-8")
    (tmp_path / "cal.ics").mkdir()
    _assert_refused(["calendar", str(plan), "--ics", str(tmp_path / "cal.ics")])
    _assert_refused(["calendar", str(plan), "--ics", str(tmp_path / "nowhere" / "cal.ics")])


DEEP_PLAN = "plan: " + "[" * 100_000 + "]" * 100_000 + "\n"


def test_a_plan_nested_100_000_levels_deep_is_refused_in_under_a_second_from_the_page_and_the_cli(
    owner: Any, team: Any, tmp_path: Path
) -> None:
    import time

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from pac.web.plans.models import Plan

    from .conftest import login

    client = login(owner)
    client.post(reverse("plans:import"), {"file": SimpleUploadedFile("warm.yaml", b"plan: 1\n"), "team": team.pk})
    upload = SimpleUploadedFile("deep.yaml", DEEP_PLAN.encode(), content_type="application/yaml")
    began = time.perf_counter()
    response = client.post(reverse("plans:import"), {"file": upload, "team": team.pk})
    assert time.perf_counter() - began < 1
    assert response.status_code == 400 and not Plan.objects.exists()
    assert "deep.yaml:1:" in response.content.decode()  # the issue, located

    path = tmp_path / "deep.yaml"
    path.write_text(DEEP_PLAN, encoding="utf-8")
    began = time.perf_counter()
    shown = _assert_refused(["plan", "validate", str(path)])
    assert time.perf_counter() - began < 1
    assert "deep.yaml:1:" in shown


@pytest.mark.parametrize("kind", BAD)
def test_restore_refuses_what_is_not_a_backup_and_keeps_the_data(
    kind: str, bad_file: Callable[[str, int], Path], owner: Any, team: Any
) -> None:
    """``pac restore --yes`` with anything but a backup of this database: a message, and every row stays."""
    Opportunity.objects.create(team=team, external_id="D-kept", outcome="won")
    _assert_refused(["restore", str(bad_file(kind, 100_000)), "--yes"])
    assert Opportunity.objects.filter(team=team, external_id="D-kept").exists()


@pytest.mark.parametrize("kind", ["folder", "nowhere"])
def test_a_backup_or_a_team_export_that_cannot_be_written_is_refused(kind: str, tmp_path: Path, team: Any) -> None:
    target = tmp_path / "out.zip" if kind == "folder" else tmp_path / "nowhere" / "out.zip"
    if kind == "folder":
        target.mkdir()
    _assert_refused(["backup", str(target)])
    _assert_refused(["export-team", team.name, "--out", str(target)])


@pytest.mark.parametrize(
    "args",
    [
        ["token", "create", "nobody-here"],
        ["token", "revoke", "pac_nothing"],
        ["erase", "person", "nobody-here"],
        ["erase", "contact", "nobody@nowhere.example"],
        ["export-team", "No such team", "--out", "{tmp}/team.zip"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_an_unknown_person_token_contact_or_team_is_a_message(args: list[str], tmp_path: Path, team: Any) -> None:
    _assert_refused([a.replace("{tmp}", str(tmp_path)) for a in args])


@pytest.mark.parametrize("kind", BAD)
def test_the_opt_out_import_refuses_a_bad_file_and_records_nothing(
    kind: str, bad_file: Callable[[str, int], Path], plan: Any, tmp_path: Path
) -> None:
    from pac.web.sequences.models import OptOut
    from pac.web.sequences.optout_file import MAX_BYTES

    _assert_refused(["optout", "import", str(bad_file(kind, MAX_BYTES)), "--plan", str(plan.pk), "--as", "owner"])
    _assert_refused(["plan", "history", str(plan.pk), "--as", "owner", "--csv", str(tmp_path)])  # a folder
    assert not OptOut.objects.exists()
