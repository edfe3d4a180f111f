"""``pac playbook list [--json]`` and ``pac playbook new NAME --set KEY=VALUE… [--out PLAN.yaml]``: the built-in
playbooks (engine.playbooks) and a complete plan file made from one (no database)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pac.cli.terminal import JsonFlag, _, cli_language, err, fail, out, print_json, writable, write_out
from pac.engine.labels import gettext_noop

#: Each parameter type as the table names it (the JSON keeps the code).
TYPE_LABELS = {
    "date": gettext_noop("date"),
    "money": gettext_noop("sum of money"),
    "integer": gettext_noop("whole number"),
    "rate": gettext_noop("rate"),
    "text": gettext_noop("text"),
    "dates": gettext_noop("dates"),
    "people": gettext_noop("usernames"),
}

playbook_app = typer.Typer(help=_("Playbooks: complete plans to start from (list, new)."), no_args_is_help=True)


@playbook_app.command("list")
def playbook_list(as_json: JsonFlag = False) -> None:
    """The built-in playbooks with their parameters (type, default, description)."""
    from pac.engine.playbooks import builtin_names, load_builtin, parameter_json

    playbooks = [load_builtin(name) for name in builtin_names()]
    if as_json:
        print_json(
            {
                "playbooks": [
                    {
                        "name": p.name,
                        "title": p.title,
                        "description": p.description,
                        "parameters": [parameter_json(q) for q in p.parameters],
                    }
                    for p in playbooks
                ]
            }
        )
        return
    from decimal import Decimal

    from pac.engine.formatting import Formatter
    from pac.engine.playbooks import ParamType

    language = cli_language()
    fmt = Formatter(language, "EUR")
    for playbook in playbooks:
        out.print(f"[bold]{playbook.name}[/bold] — {playbook.title[language]}", highlight=False)
        out.print(playbook.description[language], markup=False, highlight=False)
        table = Table(_("Parameter"), _("Type"), _("Default"), _("Description"))
        for parameter in playbook.parameters:
            document = parameter_json(parameter)
            default = document["default"]
            if default is None:
                shown = _("required")
            elif isinstance(default, list):
                shown = ", ".join(map(str, default))
            elif parameter.type is ParamType.MONEY:
                shown = fmt.money(Decimal(str(default)))
            else:
                shown = str(default)
            table.add_row(parameter.name, _(TYPE_LABELS[parameter.type]), shown, parameter.description[language])
        out.print(table)


def playbook_new(
    name: Annotated[str, typer.Argument(help="A built-in playbook's name (pac playbook list), or a playbook file.")],
    assignments: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="A parameter's value, KEY=VALUE, the value read as YAML (target=2400000); repeat for several."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--out", "-o", dir_okay=False, help="Write the plan file here (else on stdout).")
    ] = None,
) -> None:
    """Make a complete plan file from a playbook; its notes and diagnostics go to stderr."""
    from pac.engine.analysis import analyse
    from pac.engine.formatting import Formatter
    from pac.engine.labels import SEVERITY_LABELS
    from pac.engine.planfile import PlanFileError, dump_plan, to_plan
    from pac.engine.playbooks import PlaybookError, instantiate, load_builtin, load_playbook, read_assignments
    from pac.io.messages import catalogue

    if output is not None:
        writable(output)
    translate = catalogue(cli_language())
    try:
        given = read_assignments(list(assignments or ()))
        path = Path(name)
        playbook = load_playbook(path) if name.endswith((".yaml", ".yml")) and path.is_file() else load_builtin(name)
        instance = instantiate(playbook, given)
    except PlaybookError as error:
        for line in error.lines(translate):
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        raise fail(_("{count} problem(s): fix them and run again.").format(count=len(error.problems))) from None
    except PlanFileError as error:  # the playbook's own template made a plan that is not valid
        for line in error.lines(translate):
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        raise fail(_("The playbook made a plan that is not valid: the playbook needs fixing.")) from None
    plan = to_plan(instance.doc)
    text = dump_plan(plan)
    for note in instance.notes:
        err.print(note.explained(translate), markup=False, highlight=False, soft_wrap=True)
    if output is not None:
        write_out(output, text)
        out.print(
            _("{path}: plan written from playbook {name}.").format(path=output, name=playbook.name), soft_wrap=True
        )
    else:
        sys.stdout.write(text)
    fmt = Formatter(cli_language(), plan.currency)
    for diagnostic in analyse(plan).diagnostics:
        err.print(
            f"{_(SEVERITY_LABELS[diagnostic.severity])} {diagnostic.code}: {diagnostic.message(fmt, _)}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


playbook_app.command("new")(playbook_new)
