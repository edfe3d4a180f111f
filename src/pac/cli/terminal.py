"""What every ``pac`` command shares: the language, the terminal, the plan file loader, the JSON output,
and Django set up on demand (engine commands never pay for it)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pac.engine.labels import Message, language_code
from pac.engine.planfile import PlanFile, PlanFileError, load_plan_file
from pac.io.messages import catalogue


def cli_language() -> str:
    """PAC_LANG, else the POSIX locale's language; French when neither says English."""
    for name in ("PAC_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return language_code(value)
    return language_code(None)


def _(message: str) -> str:
    """Translate into the language asked for now: PAC_LANG is read at each call, not at import."""
    return catalogue(cli_language())(message)


class _Terminal:
    """A Rich console made when used, so that the terminal width (COLUMNS) is read when a command
    runs, not when the module is imported."""

    def __init__(self, stderr: bool = False) -> None:
        self.stderr = stderr

    def __getattr__(self, name: str) -> Any:
        # no emoji codes: a place such as ``plan.yaml:100:5`` must not print as ``plan.yaml💯5``
        return getattr(Console(stderr=self.stderr, emoji=False), name)


out = _Terminal()
err = _Terminal(stderr=True)

PlanPath = Annotated[Path, typer.Argument(help="Plan file (YAML).", dir_okay=False)]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
#: Where a command reads CRM data: a folder of canonical files, or a team's imported data (``crm_tables``).
CrmSource = Annotated[
    Path | None,
    typer.Option(
        help="A folder of canonical CSV/Parquet files (read with DuckDB) instead of the app database.",
        file_okay=False,
    ),
]
CrmTeam = Annotated[str | None, typer.Option(help="Team whose imported CRM data to use (app database).")]


def load_plan(path: Path) -> PlanFile:
    """The plan file, or every problem on stderr (one a line, with its place) and exit code 2."""
    try:
        return load_plan_file(path)
    except PlanFileError as error:
        for line in error.lines(catalogue(cli_language())):
            err.print(line, markup=False, highlight=False, soft_wrap=True)  # one issue, one line
        err.print(_("{count} problem(s): fix them and run again.").format(count=len(error.issues)))
        raise typer.Exit(2) from None


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def django_setup() -> None:
    """Django set up with PAC's settings; settings that refuse to start (a weak production secret key, a
    wildcard host) say why and how to fix it on stderr and exit with code 2, without a traceback."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pac.web.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as problem:
        err.print(_("PAC cannot start: {problem}").format(problem=problem), markup=False, highlight=False)
        raise typer.Exit(2) from None
    from django.utils import translation

    translation.activate(cli_language())  # what the app's services say, in the command's language


def stdout_kept_clean(work: Any) -> Any:
    """Run ``work()`` with the C-level stdout sent to stderr: HiGHS may print a debug line on large,
    hard plans, which would break the one-document rule of ``--json``."""
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        saved = os.dup(1)
    except (OSError, AttributeError, ValueError):  # no C library handle or no descriptor 1: run as is
        return work()
    sys.stdout.flush()
    libc.fflush(None)
    os.dup2(2, 1)
    try:
        return work()
    finally:
        libc.fflush(None)
        os.dup2(saved, 1)
        os.close(saved)


def fail(message: str) -> typer.Exit:
    """``message`` on stderr as it is (no markup): the exit to raise, code 2."""
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(2)


def writable(path: Path) -> Path:
    """``path`` if a file can be written there; else what is wrong, and exit 2 — before any work is done."""
    if path.is_dir():
        raise fail(_("{path} is a folder: give a file name.").format(path=path))
    if not path.parent.is_dir():
        raise fail(_("{path}: no such folder.").format(path=path.parent))
    return path


def write_out(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path``; a disk that refuses (full, read-only) is said, not raised."""
    try:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    except OSError as error:
        raise fail(_("{path}: cannot be written ({error}).").format(path=path, error=error.strerror)) from None


def source_tables(source: Path) -> Any:
    """The canonical tables of a ``--source`` folder; a folder that is none, or a file in it that is no
    table (binary garbage, an empty file), said with its name, and exit 2."""
    from pac.engine.kpis.tables import SourceFileError, tables_from_directory

    if not source.is_dir():
        raise fail(_("{path}: no such folder.").format(path=source))
    try:
        return tables_from_directory(source)
    except SourceFileError as error:
        message = error.args[0] if error.args else str(error)
        raise fail(message.explained(_) if isinstance(message, Message) else str(message)) from None


def crm_tables(source: Path | None, team: str | None) -> Any:
    """The canonical tables of ``--source FOLDER`` (DuckDB, no database) or of ``--team NAME`` (the app
    database); neither, or a team that does not exist, said on stderr, and exit 2."""
    if source is not None:
        return source_tables(source)
    django_setup()
    from pac.web.accounts.models import Team
    from pac.web.crm.kpi_tables import team_tables

    team_row = Team.objects.filter(name=team).first() if team else None
    if team_row is None:
        raise fail(_("Give --team NAME (a team with imported CRM data) or --source FOLDER."))
    return team_tables(team_row)


def progress_bar(*, disable: bool = False) -> Progress:
    """The bar long commands show on stderr (what is done, of how much, for how long), gone once done and
    silent when the output is JSON for a program."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=disable,
    )
