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
        "plan versions",
        "plan version-diff",
        "plan baseline",
        "plan scenario",
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
        "plan list",
        "plan show",
        "plan history",
        "action",
        "decisions",
        "meeting",
        "people",
        "optout",
        "enrol",
        "forecast-call",
        "today",
        "touch",
        "plan thresholds",
        "feed",
    }
)

#: Each page of the web app and the commands that do what it does: ``()`` when none does yet. Commands
#: marked *file* work on a plan file (``pac plan export ID`` writes it). Written into docs/cli.md, and
#: checked when it is: a command named here that the CLI lacks fails the generation (and the drift test).
WEB_PAGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Plans", "/plans/", ("plan list",)),
    ("New plan, import a plan file", "/plans/new/, /plans/import/", ("plan import",)),
    ("Plan page (objectives, funnel, diagnostics)", "/plans/ID/", ("plan show", "funnel")),
    ("Plan edit and its sections", "/plans/ID/edit/, /plans/ID/SECTION/", ("plan export", "plan apply")),
    ("Export as YAML", "/plans/ID/export.yaml", ("plan export",)),
    ("Actions and their status", "/plans/ID/actions/", ("action list", "action status")),
    ("Roadmap, month, week; .ics", "/plans/ID/roadmap/, /plans/ID/calendar.ics", ("calendar",)),
    ("Priorities", "/plans/ID/priorities/", ("priorities",)),
    ("History (and its CSV)", "/plans/ID/history/", ("plan history",)),
    ("Decision log", "/plans/ID/decisions/", ("decisions",)),
    ("A ritual's meeting (agenda)", "/cockpit/plans/ID/rituals/R/DAY/", ("meeting agenda",)),
    ("Cockpit: alerts, set aside", "/cockpit/", ("alerts list", "alerts dismiss")),
    ("Alert delivery", "/cockpit/plans/ID/alerts/delivery/", ("alerts send",)),
    ("Corrective levers", "/cockpit/", ("levers",)),
    ("KPIs", "/cockpit/kpis/", ("kpis",)),
    ("Forecast", "/cockpit/forecast/", ("forecast", "backtest")),
    ("Review pack (PDF, Excel)", "/cockpit/plans/ID/report/KIND.pdf", ("report weekly", "report quarterly")),
    ("CRM import", "/crm/import/", ("import",)),
    ("Sequences (schedule)", "/plans/ID/sequences/", ("sequences", "sequences-send")),
    ("Enrolment and its preview", "/plans/ID/sequences/S/enrol/", ("enrol",)),
    ("Opt-outs", "/plans/ID/sequences/opt-outs/", ("optout list", "optout add", "optout import")),
    ("People", "/people/", ("people list", "people role")),
    ("Team data: export, erasure", "/privacy/teams/T/", ("export-team", "erase person", "erase contact")),
    ("API tokens", "/api-tokens/", ("token create", "token revoke")),
    (
        "Forecast call (submit, adjust, audit)",
        "/cockpit/forecast/",
        ("forecast-call submit", "forecast-call adjust", "forecast-call list"),
    ),
    ("« Today » (the rep's queue) and a touch's outcome", "/today/", ("today", "touch done")),
    ("Sequence builder (the plan file's `sequences`)", "/plans/ID/sequences/…", ("plan export", "plan apply")),
    (
        "Versions: list, compared, baseline",
        "/plans/ID/versions/",
        ("plan versions", "plan version-diff", "plan baseline"),
    ),
    (
        "Scenarios: list, new, compared, promoted",
        "/plans/ID/scenarios/, /cockpit/plans/ID/scenarios/compare/",
        ("plan scenario list", "plan scenario new", "plan scenario compare", "plan scenario promote"),
    ),
    (
        "A ritual's meeting: minutes, decisions",
        "/cockpit/plans/ID/rituals/R/DAY/",
        ("meeting minutes", "meeting decide"),
    ),
    ("Alert thresholds", "/cockpit/plans/ID/alerts/thresholds/", ("plan thresholds",)),
    ("Calendar feeds (secret links)", "/plans/ID/feeds/", ("feed create", "feed list", "feed revoke")),
    (
        "Playbooks: list, new plan, upload, save as",
        "/playbooks/",
        ("playbook list", "playbook new", "playbook validate", "playbook save"),
    ),
    ("Plan broken into parts", "/cockpit/plans/ID/split/", ("plan split", "plan import")),
    ("Partners (the plan file's `partners`)", "/plans/ID/partners/", ("plan export", "plan apply")),
    ("Plan from history", "/plans/ID/ (card), /playbooks/", ("plan from-history",)),
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
    words = path.split(" ")
    return any(" ".join(words[:n]) in DATABASE for n in range(1, len(words) + 1))


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


def _find(root: Any, path: str) -> Any:
    """The command at ``path`` (``plan list``) under ``root``, or None."""
    found = root
    for name in path.split(" "):
        if not hasattr(found, "get_command"):
            return None
        found = found.get_command(found.context_class(found), name)
        if found is None:
            return None
    return found


def web_table(root: Any) -> list[str]:
    """The table « web page → command »; a command it names that the CLI lacks is an error."""
    missing = [c for _page, _url, commands in WEB_PAGES for c in commands if _find(root, c) is None]
    if missing:
        raise LookupError(f"WEB_PAGES names commands the CLI lacks: {', '.join(missing)}")
    lines = [
        "\n## Web page → command\n",
        "What each page of the web app does, from the command line. Database commands act as a user "
        "(`--as USERNAME`) with that user's rights; the others read a plan file, which "
        "`pac plan export ID -o plan.yaml` writes.\n",
        "| Web page | URL | Command |",
        "|---|---|---|",
    ]
    for page, url, commands in WEB_PAGES:
        shown = ", ".join(f"`pac {c}`" for c in commands) or "— (web only for now)"
        lines.append(f"| {page} | `{url}` | {shown} |")
    return lines


def reference_markdown(app: typer.Typer) -> str:
    """The whole reference, commands in the order ``pac --help`` lists them."""
    root = typer.main.get_command(app)
    out = [HEADER, *web_table(root)]
    for name, command in _subcommands(root):
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
