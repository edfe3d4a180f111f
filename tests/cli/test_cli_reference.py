"""docs/cli.md is the CLI as the code defines it: a command, option or help text changed without
``make cli-doc`` fails here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REFERENCE = Path(__file__).parents[2] / "docs" / "cli.md"


def test_the_committed_cli_reference_is_the_codes() -> None:
    # a process of its own: the help texts are read in the language set when the CLI is imported
    written = subprocess.run(
        [sys.executable, "-m", "pac.cli.reference"],
        env={**os.environ, "PAC_LANG": "en"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert written == REFERENCE.read_text(encoding="utf-8"), "run `make cli-doc` and commit docs/cli.md"


def test_the_reference_lists_every_command_and_sub_command() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    for command in ("pac funnel", "pac plan diff", "pac plan split", "pac playbook new", "pac sequences", "pac worker"):
        assert f"`{command}`" in text
    assert "`--set`" in text and "`--json`" in text


def test_the_web_page_table_names_only_commands_the_cli_has(monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from pac.cli import app, reference

    root = typer.main.get_command(app)
    table = "\n".join(reference.web_table(root))
    assert "| People | `/people/` | `pac people list`, `pac people role` |" in table
    monkeypatch.setattr(reference, "WEB_PAGES", (("Plans", "/plans/", ("plan list", "plan nothing")),))
    with pytest.raises(LookupError, match="plan nothing"):
        reference.web_table(root)
    text = REFERENCE.read_text(encoding="utf-8")
    assert "## Web page → command" in text and "`pac action status`" in text
