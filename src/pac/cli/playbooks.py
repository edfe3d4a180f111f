"""``pac playbook list [--json]``, ``pac playbook new NAME|--file FILE --set KEY=VALUE… [--out PLAN.yaml]``,
``pac playbook validate FILE [--json]`` and ``pac playbook save PLAN.yaml --name N [--out PB.yaml]``: the
built-in playbooks (engine.playbooks), a complete plan file made from one or from a file of one's own, a
custom playbook checked, and a plan file turned into a playbook (no database)."""

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

playbook_app = typer.Typer(
    help=_("Playbooks: complete plans to start from (list, new, validate, save)."), no_args_is_help=True
)


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
    name: Annotated[
        str | None, typer.Argument(help="A built-in playbook's name (pac playbook list), or a playbook file.")
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="A parameter's value, KEY=VALUE, the value read as YAML (target=2400000); repeat for several."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--out", "-o", dir_okay=False, help="Write the plan file here (else on stdout).")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", dir_okay=False, help="A playbook file of your own (instead of NAME).")
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
    if (name is None) == (file is None):
        raise fail(_("Give a playbook: its name (pac playbook list) or --file FILE, not both."))
    try:
        given = read_assignments(list(assignments or ()))
        if file is not None:
            playbook = load_playbook(file)
        else:
            assert name is not None
            path = Path(name)
            playbook = (
                load_playbook(path) if name.endswith((".yaml", ".yml")) and path.is_file() else load_builtin(name)
            )
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


@playbook_app.command("validate")
def playbook_validate(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="The playbook file to check.")],
    as_json: JsonFlag = False,
) -> None:
    """Check a playbook file as the web app does before storing it: its header and parameters against the
    schema, its defaults, and a trial plan made with them; every problem with its path, exit code 2."""
    from pac.engine.planfile import PlanFileError
    from pac.engine.playbooks import PlaybookError, load_playbook, validate_playbook
    from pac.io.messages import catalogue

    translate = catalogue(cli_language())
    problems: list[str] = []
    name = None
    try:
        playbook = load_playbook(file)
        name = playbook.name
        validate_playbook(playbook_text(file), str(file))
    except PlaybookError as error:
        problems = error.lines(translate)
    except PlanFileError as error:
        problems = [
            _("the plan the playbook makes is not valid: {problem}").format(problem=line)
            for line in error.lines(translate)
        ]
    if as_json:
        print_json({"file": str(file), "playbook": name, "valid": not problems, "problems": problems})
    else:
        for line in problems:
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        if not problems:
            out.print(_("{path}: playbook {name} is valid.").format(path=file, name=name), soft_wrap=True)
    if problems:
        if not as_json:
            err.print(_("{count} problem(s): fix them and run again.").format(count=len(problems)))
        raise typer.Exit(2)


def playbook_text(path: Path) -> str:
    """The file's text (already checked readable and bounded by ``load_playbook``)."""
    return path.read_text(encoding="utf-8-sig")


@playbook_app.command("save")
def playbook_save(
    plan_file: Annotated[Path, typer.Argument(dir_okay=False, help="The plan file to save as a playbook.")],
    name: Annotated[str, typer.Option("--name", help="The playbook's name: lower case, digits and dashes.")],
    title: Annotated[str | None, typer.Option("--title", help="Its title (the plan's name by default).")] = None,
    output: Annotated[
        Path | None, typer.Option("--out", "-o", dir_okay=False, help="Write the playbook here (else on stdout).")
    ] = None,
) -> None:
    """Turn a plan file into a playbook with parameters start, target and country: dates counted from the
    start, sums of money in proportion to the target."""
    from pac.cli.terminal import load_plan
    from pac.engine.planfile import to_plan
    from pac.engine.playbooks import PlaybookError
    from pac.engine.playbooks.saving import playbook_from_plan
    from pac.io.messages import catalogue

    if output is not None:
        writable(output)
    plan = to_plan(load_plan(plan_file))
    try:
        text = playbook_from_plan(plan, name, title or plan.name)
    except PlaybookError as error:
        for line in error.lines(catalogue(cli_language())):
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        raise fail(_("{count} problem(s): fix them and run again.").format(count=len(error.problems))) from None
    if output is None:
        sys.stdout.write(text)
        return
    write_out(output, text)
    out.print(_("{path}: playbook {name} written.").format(path=output, name=name), soft_wrap=True)
