"""The CLI reference (docs/cli.md), written from the commands themselves so that it cannot drift: every
command and sub-command with its arguments, options, defaults and help, in the order ``pac --help``
lists them. ``make cli-doc`` writes it; a test fails when the committed file differs."""

from __future__ import annotations

from typing import Any

import typer

HEADER = """# `pac` — command reference

Generated from the code by `make cli-doc` (`python -m pac.cli.reference`); do not edit by hand. Each
command also answers `--help`, in French by default (`PAC_LANG=en` for English). Commands marked
*database* use the app database (`PAC_DATA_DIR`, `DATABASE_URL`); the others work on files alone.
"""
#: Commands that read or write the app database (they set Django up when they run).
DATABASE = frozenset(
    {
        "plan export",
        "plan import",
        "import",
        "migrate",
        "serve",
        "worker",
        "createuser",
        "demo",
        "export-team",
        "backup",
        "restore",
        "report",
        "alerts",
        "erase",
        "token",
    }
)


# Typer 0.29 carries its own copy of Click: its commands are read by what they have, not by their class.


def _default(param: Any) -> str:
    if (
        param.default is None
        or param.default is False
        or (isinstance(param.default, tuple | list) and not param.default)
    ):
        return ""
    return f" (default: `{param.default}`)"


def _param_line(param: Any) -> str:
    if param.param_type_name == "argument":
        needed = "" if param.required else ", optional"
        helped = f": {param.help}" if getattr(param, "help", None) else ""
        return f"- `{param.name.upper()}` (argument{needed}){helped}"
    names = ", ".join(f"`{n}`" for n in [*param.opts, *param.secondary_opts])
    helped = f": {param.help}" if param.help else ""
    return f"- {names}{helped}{_default(param)}"


def _uses_database(path: str) -> bool:
    return path in DATABASE or path.split(" ")[0] in DATABASE


def _subcommands(group: Any) -> list[tuple[str, Any]]:
    context = group.context_class(group)
    found = [(name, group.get_command(context, name)) for name in group.list_commands(context)]
    return [(name, command) for name, command in found if command is not None and not command.hidden]


def _command(path: str, command: Any, out: list[str]) -> None:
    if hasattr(command, "list_commands"):
        out.append(f"\n## `pac {path}` …\n")
        if command.help:
            out.append(command.help.strip().split("\n\n")[0] + "\n")
        for name, sub in _subcommands(command):
            _command(f"{path} {name}", sub, out)
        return
    level = "###" if " " in path else "##"
    out.append(f"\n{level} `pac {path}`{' — *database*' if _uses_database(path) else ''}\n")
    if command.help:
        out.append(" ".join(command.help.strip().split("\n\n")[0].split()) + "\n")
    params = [p for p in command.params if not getattr(p, "hidden", False) and p.name != "help"]
    if params:
        out.extend(_param_line(p) for p in params)


def reference_markdown(app: typer.Typer) -> str:
    """The whole reference, commands in the order ``pac --help`` lists them."""
    out = [HEADER]
    for name, command in _subcommands(typer.main.get_command(app)):
        _command(name, command, out)
    return "\n".join(out).rstrip() + "\n"


def main() -> None:
    import os
    import sys

    os.environ["PAC_LANG"] = "en"  # the reference is written in English, the code's language
    from pac.cli import app

    sys.stdout.write(reference_markdown(app))


if __name__ == "__main__":
    main()
