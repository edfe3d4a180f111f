"""The ``pac`` command. Engine commands (funnel, plan validate/schema/compile) need no database;
the others set up Django lazily so that ``pac funnel`` stays fast and works anywhere."""

from __future__ import annotations

import gettext
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pac.engine.analysis import PlanAnalysis, analyse, to_json
from pac.engine.diagnostics import STAGE_LABELS
from pac.engine.formatting import Formatter
from pac.engine.model import Severity
from pac.engine.planfile import PlanFileError, dump_plan, json_schema, load_plan_file, to_plan

LOCALE_DIR = Path(__file__).parent / "locale"


def cli_language() -> str:
    """PAC_LANG, else the POSIX locale's language; French when neither says en."""
    for name in ("PAC_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return "en" if value.lower().startswith("en") else "fr"
    return "fr"


def _(message: str) -> str:
    """Translate into the language asked for now: PAC_LANG is read at each call, not at import."""
    catalogue = gettext.translation("django", LOCALE_DIR, languages=[cli_language()], fallback=True)
    return catalogue.gettext(message)


app = typer.Typer(help=_("PAC — plan d'action commercial."), no_args_is_help=True,
                  pretty_exceptions_enable=False)
plan_app = typer.Typer(help=_("Plan files: validate, schema, compile, export, import."), no_args_is_help=True)
app.add_typer(plan_app, name="plan")
out = Console()
err = Console(stderr=True)

PlanPath = Annotated[Path, typer.Argument(help="Plan file (YAML).", dir_okay=False)]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def _load(path: Path) -> Any:
    try:
        return load_plan_file(path)
    except PlanFileError as error:
        for line in error.lines():
            err.print(line, markup=False, highlight=False, soft_wrap=True)  # one issue, one line
        err.print(_("{count} problem(s): fix them and run again.").format(count=len(error.issues)))
        raise typer.Exit(2) from None


def _print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _stage(stage: Any) -> str:
    return _(STAGE_LABELS[stage])


def _print_analysis(analysis: PlanAnalysis, fmt: Formatter) -> None:
    plan = analysis.plan
    out.print(f"[bold]{plan.name}[/bold]  {fmt.date(plan.start)} → {fmt.date(plan.end)}")
    if analysis.funnel is not None:
        table = Table(title=_("Reverse funnel"))
        for header in (_("Stage"), _("Volume needed"), _("Rate to next"), _("Days to won")):
            table.add_column(header, justify="right")
        for s in analysis.funnel.stages:
            table.add_row(_stage(s.stage), fmt.number(s.volume),
                          fmt.percent(s.rate) if s.rate is not None else "—", fmt.number(s.days_to_won))
        out.print(table)
        out.print(_("Lead time: {days} days").format(days=analysis.funnel.lead_time_days))
    if analysis.schedule is not None and analysis.funnel is not None:
        stages = [s.stage for s in analysis.funnel.stages]
        table = Table(title=_("Weekly schedule (volumes to produce each week)"))
        table.add_column(_("Week"))
        for stage in stages:
            table.add_column(_stage(stage), justify="right")
        before = analysis.schedule.before_plan()
        if before:
            table.add_row(_("Before the start"), *[fmt.number(before.get(s, 0)) for s in stages],
                          style="yellow")
        for week in analysis.schedule.plan_weeks:
            table.add_row(week.label, *[fmt.number(analysis.schedule.volume(week, s, False)) for s in stages])
        out.print(table)
    if analysis.capacity:
        table = Table(title=_("Capacity per role"))
        for header in (_("Role"), _("Headcount"), _("Hours needed"), _("Hours available"),
                       _("Utilisation"), _("Peak week"), _("Weeks over 100 %"), _("Headcount needed")):
            table.add_column(header, justify="right")
        for rc in analysis.capacity:
            table.add_row(rc.role.upper(), fmt.number(rc.headcount), fmt.number(rc.hours_needed),
                          fmt.number(rc.hours_available),
                          fmt.percent(rc.utilisation) if rc.utilisation is not None else "—",
                          fmt.percent(rc.peak_utilisation) if rc.peak_utilisation is not None else "—",
                          fmt.number(len(rc.weeks_over_capacity)), fmt.number(rc.headcount_needed))
        out.print(table)
    colours = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
    out.print(f"[bold]{_('Diagnostics')}[/bold]")
    if not analysis.diagnostics:
        out.print(_("No problem found."))
    for d in analysis.diagnostics:
        out.print(f"[{colours[d.severity]}]{_(d.severity.value)}[/] [dim]{d.code}[/dim] ", end="")
        out.print(d.message(fmt, _), markup=False, highlight=False, soft_wrap=True)


@app.command()
def funnel(path: PlanPath, as_json: JsonFlag = False) -> None:
    """Reverse funnel, weekly schedule, capacity and diagnostics of a plan file."""
    plan = to_plan(_load(path))
    fmt = Formatter(cli_language(), plan.currency)
    analysis = analyse(plan)
    if as_json:
        _print_json(to_json(analysis, Formatter("en", plan.currency)))
    else:
        _print_analysis(analysis, fmt)


@plan_app.command("validate")
def plan_validate(path: PlanPath, as_json: JsonFlag = False) -> None:
    """Check a plan file; every problem is listed with its path, line and column."""
    try:
        load_plan_file(path)
    except PlanFileError as error:
        if as_json:
            _print_json({"valid": False, "issues": [
                {"path": i.path, "message": i.message, "line": i.line, "column": i.column}
                for i in error.issues]})
            raise typer.Exit(2) from None
        _load(path)
    if as_json:
        _print_json({"valid": True, "issues": []})
    else:
        out.print(_("{path}: valid plan file.").format(path=path))


@plan_app.command("schema")
def plan_schema() -> None:
    """Print the JSON Schema of the plan file (v1)."""
    sys.stdout.write(json_schema() + "\n")


@plan_app.command("compile")
def plan_compile(path: PlanPath) -> None:
    """Print the plan file in its normal form (defaults filled in, keys in order)."""
    sys.stdout.write(dump_plan(to_plan(_load(path))))


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pac.web.settings")
    import django

    django.setup()


@plan_app.command("export")
def plan_export(plan_id: Annotated[int, typer.Argument(help="Plan number (as in the web app).")],
                output: Annotated[Path | None, typer.Option("--output", "-o")] = None) -> None:
    """Write a plan of the database as a YAML plan file."""
    _django()
    from pac.web.plans import adapters
    from pac.web.plans.models import Plan

    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is None:
        err.print(_("No plan number {id}.").format(id=plan_id))
        raise typer.Exit(1)
    text = dump_plan(adapters.to_engine(plan))
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@plan_app.command("import")
def plan_import(path: PlanPath, team: Annotated[str, typer.Option(help="Team name.")],
                owner: Annotated[str, typer.Option(help="Username of the plan's owner.")]) -> None:
    """Create a plan in the database from a plan file (all or nothing)."""
    doc = _load(path)
    _django()
    from pac.web.accounts.models import Team, User
    from pac.web.plans import services

    user = User.objects.filter(username=owner).first()
    team_row = Team.objects.filter(name=team).first()
    if user is None or team_row is None:
        err.print(_("Unknown user or team: {owner}, {team}.").format(owner=owner, team=team))
        raise typer.Exit(1)
    plan = services.plan_create_from_file(user=user, team=team_row, plan=to_plan(doc))
    out.print(_("Plan {id} created: {name}").format(id=plan.pk, name=plan.name))


def _manage(*args: str) -> None:
    _django()
    from django.core.management import call_command

    call_command(*args)


@app.command()
def migrate() -> None:
    """Create or update the database tables."""
    _manage("migrate", "--verbosity", "1")


@app.command()
def serve(address: Annotated[str, typer.Option(help="host:port")] = "127.0.0.1:8000") -> None:
    """Serve the web app (waitress, a production-grade WSGI server)."""
    _serve(address)


def _serve(address: str) -> None:
    _django()
    from waitress import serve as waitress_serve

    from pac.web.wsgi import application

    host, _sep, port = address.rpartition(":")
    out.print(_("Serving on http://{address}/ (Ctrl+C to stop)").format(address=address))
    waitress_serve(application, host=host or "127.0.0.1", port=int(port), threads=8)


@app.command()
def createuser(
    username: str,
    team: Annotated[str, typer.Option(help="Team name (created if new).")],
    role: Annotated[str, typer.Option(help="manager, sdr, ae, csm, marketing, executive, admin")] = "manager",
    email: Annotated[str, typer.Option()] = "",
    password: Annotated[str | None, typer.Option(
        help="Password; read from PAC_PASSWORD or asked when omitted.")] = None,
) -> None:
    """Create a user in a team with a role."""
    _django()
    from django.core.exceptions import ValidationError

    from pac.web.accounts import services

    secret = password or os.environ.get("PAC_PASSWORD") or typer.prompt(
        _("Password"), hide_input=True, confirmation_prompt=True)
    try:
        user = services.user_create(username=username, password=secret, role=role, team_name=team,
                                    email=email)
    except ValidationError as error:
        for message in error.messages:
            err.print(message)
        raise typer.Exit(2) from None
    out.print(_("User {name} created in team {team}.").format(name=user.username, team=team))


@app.command()
def demo(
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Set up the demo without serving.")] = False,
    address: Annotated[str, typer.Option(help="host:port")] = "127.0.0.1:8000",
) -> None:
    """Migrate, load the demo plan and team (again safely), then serve and print how to log in."""
    _django()
    from django.core.management import call_command

    from pac.web.plans.demo import load_demo

    call_command("migrate", "--verbosity", "0")
    result = load_demo()
    out.print(_("Demo ready: plan “{plan}”.").format(plan=result.plan.name))
    out.print(_("Open http://{address}/ and log in as {user} / {password} (manager), "
                "or as a rep: {reps}.").format(address=address, user=result.manager.username,
                                               password=result.password,
                                               reps=", ".join(u.username for u in result.reps)))
    if not no_serve:
        _serve(address)


if __name__ == "__main__":
    app()
