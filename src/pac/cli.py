"""The ``pac`` command. Engine commands (funnel, plan validate/schema/compile) need no database;
the others set up Django lazily so that ``pac funnel`` stays fast and works anywhere."""

from __future__ import annotations

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
from pac.io.messages import catalogue


def cli_language() -> str:
    """PAC_LANG, else the POSIX locale's language; French when neither says en."""
    for name in ("PAC_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return "en" if value.lower().startswith("en") else "fr"
    return "fr"


def _(message: str) -> str:
    """Translate into the language asked for now: PAC_LANG is read at each call, not at import."""
    return catalogue(cli_language())(message)


app = typer.Typer(help=_("PAC — plan d'action commercial."), no_args_is_help=True, pretty_exceptions_enable=False)
plan_app = typer.Typer(help=_("Plan files: validate, schema, compile, export, import."), no_args_is_help=True)
app.add_typer(plan_app, name="plan")


class _Terminal:
    """A Rich console made when used, so that the terminal width (COLUMNS) is read when a command
    runs, not when the module is imported."""

    def __init__(self, stderr: bool = False) -> None:
        self.stderr = stderr

    def __getattr__(self, name: str) -> Any:
        return getattr(Console(stderr=self.stderr), name)


out = _Terminal()
err = _Terminal(stderr=True)

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
            table.add_row(
                _stage(s.stage),
                fmt.number(s.volume),
                fmt.percent(s.rate) if s.rate is not None else "—",
                fmt.number(s.days_to_won),
            )
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
            table.add_row(_("Before the start"), *[fmt.number(before.get(s, 0)) for s in stages], style="yellow")
        for week in analysis.schedule.plan_weeks:
            table.add_row(week.label, *[fmt.number(analysis.schedule.volume(week, s, False)) for s in stages])
        out.print(table)
    if analysis.capacity:
        table = Table(title=_("Capacity per role"))
        for header in (
            _("Role"),
            _("Headcount"),
            _("Hours needed"),
            _("Hours available"),
            _("Utilisation"),
            _("Peak week"),
            _("Weeks over 100 %"),
            _("Headcount needed"),
        ):
            table.add_column(header, justify="right")
        for rc in analysis.capacity:
            table.add_row(
                rc.role.upper(),
                fmt.number(rc.headcount),
                fmt.number(rc.hours_needed),
                fmt.number(rc.hours_available),
                fmt.percent(rc.utilisation) if rc.utilisation is not None else "—",
                fmt.percent(rc.peak_utilisation) if rc.peak_utilisation is not None else "—",
                fmt.number(len(rc.weeks_over_capacity)),
                fmt.number(rc.headcount_needed),
            )
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


# --- pac calendar --------------------------------------------------------------------------------


def _calendar_title(item: Any, fmt: Formatter) -> str:
    """An item's title for people: campaigns say how many days before the event, weekly funnel
    milestones list their volumes with translated stage names."""
    from pac.engine.calendar import IsoWeek, ItemKind
    from pac.engine.model import Stage

    if item.kind is ItemKind.CAMPAIGN:
        title = _("{event} (D-{days})").format(event=item.title, days=item.offset_days)
    elif item.volumes:
        shown = [f"{fmt.number(volume)} {_stage(Stage(stage))}" for stage, volume in item.volumes if volume]
        title = _("Week {week}: {volumes}").format(week=IsoWeek.of(item.date).label, volumes=", ".join(shown) or "0")
    else:
        title = item.title
    if item.moved_from is not None:
        title += " " + _("(moved from {date}, not a business day)").format(date=fmt.date(item.moved_from))
    return str(title)


def _print_calendar(plan: Any, items: list[Any], first: Any, last: Any, fmt: Formatter) -> None:
    from pac.engine.calendar import ITEM_KIND_LABELS

    out.print(f"[bold]{plan.name}[/bold]  {fmt.date(first)} → {fmt.date(last)}")
    if not items:
        out.print(_("No item in this period."))
        return
    table = Table(title=_("Calendar"))
    for header in (_("Date"), _("Time"), _("Kind"), _("Title"), _("Who")):
        table.add_column(header)
    for item in items:
        day = fmt.date(item.date) + (f" → {fmt.date(item.end)}" if item.end and item.end != item.date else "")
        who = ", ".join(item.people) if item.people else (item.owner or "")
        table.add_row(
            day,
            item.at.strftime("%H:%M") if item.at else "",
            _(ITEM_KIND_LABELS[item.kind]),
            _calendar_title(item, fmt),
            who,
        )
    out.print(table)


@app.command("calendar")
def calendar_command(
    path: PlanPath,
    today: Annotated[
        str | None, typer.Option("--today", help="Show the rolling window that starts on this day (YYYY-MM-DD).")
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(
            "--days", min=1, help="Length of the rolling window in days: 90 (quarter, default), 30 (month), 7 (week)."
        ),
    ] = None,
    ics: Annotated[
        Path | None, typer.Option("--ics", dir_okay=False, help="Write the items to this iCalendar (.ics) file.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Dated items of a plan: events and their campaigns, rituals, deadlines, milestones, actions.

    Without --today: the whole plan (its dates, and its events and actions wherever they fall).
    With --today: the rolling window of --days days starting that day."""
    import datetime as dt

    from pac.engine.calendar import UnknownCountryError, calendar_items, item_to_json, plan_span, window

    if days is not None and today is None:
        raise typer.BadParameter(_("--days needs --today (the first day of the window)."), param_hint="--days")
    try:
        day = dt.date.fromisoformat(today) if today is not None else None
    except ValueError:
        raise typer.BadParameter(
            _("must be an ISO date (YYYY-MM-DD), not {value!r}.").format(value=today), param_hint="--today"
        ) from None
    plan = to_plan(_load(path))
    try:
        first, last = window(day, days or 90) if day is not None else plan_span(plan)
        items = calendar_items(plan, first, last, analyse(plan).schedule)
    except UnknownCountryError:
        err.print(
            _(
                "plan.country: no public-holiday calendar is known for {country}; use an ISO 3166 code such as FR."
            ).format(country=plan.country),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2) from None
    if ics is not None:
        try:
            from pac.io.ical import calendar_to_ics
        except ModuleNotFoundError as error:
            if error.name not in ("pac.io.ical", "pac.io"):
                raise
            err.print(_("The iCalendar export is not available in this installation."))
            raise typer.Exit(1) from None
        ics.write_bytes(calendar_to_ics(items, plan, language=cli_language()))
    if as_json:
        _print_json(
            {
                "window": {"start": first.isoformat(), "end": last.isoformat()},
                "items": [item_to_json(item) for item in items],
            }
        )
    elif ics is not None:
        out.print(
            _("{count} items written to {path}.").format(count=len(items), path=ics),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    else:
        _print_calendar(plan, items, first, last, Formatter(cli_language(), plan.currency))


@plan_app.command("validate")
def plan_validate(path: PlanPath, as_json: JsonFlag = False) -> None:
    """Check a plan file; every problem is listed with its path, line and column."""
    try:
        load_plan_file(path)
    except PlanFileError as error:
        if as_json:
            _print_json(
                {
                    "valid": False,
                    "issues": [
                        {"path": i.path, "message": i.message, "line": i.line, "column": i.column} for i in error.issues
                    ],
                }
            )
            raise typer.Exit(2) from None
        _load(path)
    if as_json:
        _print_json({"valid": True, "issues": []})
    else:
        out.print(_("{path}: valid plan file.").format(path=path), soft_wrap=True)


@plan_app.command("schema")
def plan_schema() -> None:
    """Print the JSON Schema of the plan file (v1)."""
    sys.stdout.write(json_schema() + "\n")


@plan_app.command("compile")
def plan_compile(path: PlanPath) -> None:
    """Print the plan file in its normal form (defaults filled in, keys in order)."""
    sys.stdout.write(dump_plan(to_plan(_load(path))))


# --- pac priorities ------------------------------------------------------------------------------


def _priority_cells(breakdown: Any, fmt: Formatter) -> list[str]:
    """Score, then each component as its raw figure and, dimmed, its 0–100 place."""
    from decimal import Decimal

    def money(value: Any) -> str:
        return fmt.money(value.quantize(Decimal(1))) if value is not None else "—"

    def place(component: Any) -> str:
        return f"\n[dim]→ {fmt.number(round(component.normalised))}[/dim]"

    days = fmt.number(breakdown.days) if breakdown.days is not None else "—"
    return [
        fmt.number(Decimal(f"{breakdown.score:.1f}")),
        money(breakdown.value.raw) + place(breakdown.value),
        days + place(breakdown.velocity),
        money(breakdown.cost.raw) + place(breakdown.cost),
    ]


def _print_priorities(plan: Any, ranks: Any, selection: Any, fmt: Formatter) -> None:
    from decimal import Decimal

    from pac.engine.model import Stage
    from pac.engine.priorities import NO_STAGE, effective_weights, left_out_message, violation_message

    out.print(f"[bold]{plan.name}[/bold]  {fmt.date(plan.start)} → {fmt.date(plan.end)}")
    shares = [fmt.percent(Decimal(str(w)), 0) for w in effective_weights(ranks.weights)]
    out.print(
        _(
            "Score = {value} value + {velocity} velocity + {cost} acquisition cost; each component is "
            "scaled 0–100 across the rows (min–max, the cheapest cost scores 100), shown under each figure."
        ).format(value=shares[0], velocity=shares[1], cost=shares[2]),
        soft_wrap=True,
    )
    components = (_("Score"), _("Value"), _("Days to win"), _("Cost"))
    if ranks.segments:
        table = Table(title=_("Segments"))
        for header in ("#", _("Segment"), *components):
            table.add_column(header, justify="left" if header == _("Segment") else "right")
        for r in ranks.segments:
            table.add_row(str(r.rank), r.name, *_priority_cells(r.breakdown, fmt))
        out.print(table)
    if ranks.accounts:
        table = Table(title=_("Accounts (strategic first)"))
        for header in ("#", _("Account"), _("Strategic"), *components):
            table.add_column(header, justify="left" if header == _("Account") else "right")
        for r in ranks.accounts:
            table.add_row(
                str(r.rank), r.name, "★" if r.group == "strategic" else "", *_priority_cells(r.breakdown, fmt)
            )
        out.print(table)
    if ranks.actions:
        table = Table(title=_("Actions by expected stage"))
        for header in (_("Stage"), "#", _("Action"), _("Score"), _("Expected value"), _("Days to win"), _("Cost")):
            table.add_column(header, justify="left" if header in (_("Stage"), _("Action")) else "right")
        for r in ranks.actions:
            stage = _stage(Stage(r.group)) if r.group != NO_STAGE else "—"
            table.add_row(stage, str(r.rank), r.name, *_priority_cells(r.breakdown, fmt))
        out.print(table)

    names = {a.id: a.name for a in plan.actions}
    forced = {d.action for d in selection.decisions if d.include}
    table = Table(title=_("Selection under the team's hours and the budget"))
    for header in (_("Action"), _("Expected value"), _("Selected"), _("Why")):
        table.add_column(header, justify="right" if header == _("Expected value") else "left")
    for action in plan.actions:
        value = selection.values.get(action.id)
        shown = fmt.money(value.quantize(Decimal(1))) if value is not None else "—"
        item = selection.left_out_reason(action.id)
        if item is None:
            why = _("included by decision") if action.id in forced else ""
            table.add_row(names[action.id], shown, "[green]✓[/green]", why)
        else:
            table.add_row(names[action.id], shown, "[red]✗[/red]", left_out_message(item, fmt, _))
    out.print(table)
    worth = {
        "count": len(selection.selected),
        "value": fmt.money(selection.total_value.quantize(Decimal(1))),
        "used": fmt.money(selection.budget_used),
    }
    if selection.budget_available is not None:
        out.print(
            _("{count} action(s) selected, worth {value}; budget used: {used} of {budget}.").format(
                budget=fmt.money(selection.budget_available), **worth
            ),
            soft_wrap=True,
        )
    else:
        out.print(
            _("{count} action(s) selected, worth {value}; budget used: {used} (the plan sets no budget).").format(
                **worth
            ),
            soft_wrap=True,
        )
    if not selection.optimal:
        gap = fmt.percent(Decimal(str(selection.gap)), 2) if selection.gap is not None else "?"
        out.print(
            _("The solver stopped at its time limit: this selection is within {gap} of the best one.").format(gap=gap),
            style="yellow",
        )
    for violation in selection.violations:
        out.print(violation_message(violation, fmt, _), style="red", markup=False, highlight=False, soft_wrap=True)
    cited = {b.constraint.key for item in selection.left_out for b in item.bindings}
    rows = [c for c in selection.constraints if (c.binding and c.used > 0) or c.constraint.key in cited]
    if rows:
        table = Table(title=_("Binding constraints"))
        for header in (_("Constraint"), _("Capacity"), _("Funnel work"), _("Available"), _("Used"), _("Left")):
            table.add_column(header, justify="left" if header == _("Constraint") else "right")
        for c in rows:

            def amount(value: float, key: str = c.constraint.key) -> str:
                figure = Decimal(f"{value:.1f}")
                return fmt.money(figure.quantize(Decimal(1))) if key == "budget" else fmt.number(figure)

            table.add_row(
                c.constraint.label(_),
                amount(c.capacity),
                amount(c.funnel_load),
                amount(c.available),
                amount(c.used),
                amount(c.slack),
            )
        out.print(table)
    else:
        out.print(_("No constraint binds: every action the team can carry is selected."))


def _stdout_kept_clean(work: Any) -> Any:
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


@app.command("priorities")
def priorities_command(
    path: PlanPath,
    include: Annotated[
        list[str] | None,
        typer.Option(
            "--include", help="Keep this action whatever it costs (a manager's decision); repeat for several."
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Leave this action out (a manager's decision); repeat for several."),
    ] = None,
    hourly_cost: Annotated[
        float, typer.Option("--hourly-cost", min=0, help="Cost of one hour of sales work, in the plan's currency.")
    ] = 60,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            min=0.01,
            help="Seconds the solver may take; past them the best selection found "
            "is given with its gap to the optimum.",
        ),
    ] = 10,
    as_json: JsonFlag = False,
) -> None:
    """Rank segments, accounts and actions (value, velocity, acquisition cost) and select the most
    valuable actions the team can carry with its hours per week and the budget."""
    from decimal import Decimal

    from pac.engine.priorities import rankings, select_actions
    from pac.engine.priorities import to_json as priorities_json

    plan = to_plan(_load(path))
    known = [a.id for a in plan.actions]
    both = sorted(set(include or ()) & set(exclude or ()))
    if both:
        err.print(_("Action {id} cannot be both included and excluded.").format(id=both[0]), markup=False)
        raise typer.Exit(2)
    for action_id in (*(include or ()), *(exclude or ())):
        if action_id not in known:
            err.print(
                _("Unknown action {id}; the plan's actions are: {ids}.").format(
                    id=action_id, ids=", ".join(known) or "—"
                ),
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(2)
    decisions = {**dict.fromkeys(include or (), True), **dict.fromkeys(exclude or (), False)}
    ranks = rankings(plan, Decimal(str(hourly_cost)))
    selection = _stdout_kept_clean(lambda: select_actions(plan, decisions=decisions, time_limit=time_limit))
    if as_json:
        document = priorities_json(ranks, selection, Formatter("en", plan.currency))
        _print_json(
            {
                "plan": {
                    "name": plan.name,
                    "start": plan.start.isoformat(),
                    "end": plan.end.isoformat(),
                    "currency": plan.currency,
                },
                **document,
            }
        )
    else:
        _print_priorities(plan, ranks, selection, Formatter(cli_language(), plan.currency))


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pac.web.settings")
    import django

    django.setup()


@plan_app.command("export")
def plan_export(
    plan_id: Annotated[int, typer.Argument(help="Plan number (as in the web app).")],
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
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
def plan_import(
    path: PlanPath,
    team: Annotated[str, typer.Option(help="Team name.")],
    owner: Annotated[str, typer.Option(help="Username of the plan's owner.")],
) -> None:
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


@app.command("import")
def import_command(
    kind: Annotated[
        str, typer.Argument(help="opportunities, accounts, contacts, leads, activities, subscriptions, costs")
    ],
    path: Annotated[Path, typer.Argument(help="CSV or XLSX export.", dir_okay=False, exists=True)],
    team: Annotated[str, typer.Option(help="Team whose CRM data this is.")],
    preset: Annotated[
        str | None,
        typer.Option(
            help="salesforce-opportunities, hubspot-deals, pipedrive-deals, "
            "maven-pipeline, olist-leads, … or a saved preset."
        ),
    ] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help='"Source column=field", repeatable.')] = None,
    values: Annotated[
        list[str] | None, typer.Option("--values", help='"field:Src=value,Src=value", repeatable.')
    ] = None,
    on_duplicate: Annotated[str, typer.Option(help="error or last")] = "error",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would change; write nothing.")] = False,
    user: Annotated[str | None, typer.Option(help="Importing user (default: a manager of the team).")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the validation report as CSV.")] = None,
    save_preset: Annotated[
        str | None,
        typer.Option(help="Keep --preset, --map and --values under this name for next time (--preset NAME)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Import a CRM export into the team's canonical tables: all rows or none, again without duplicates."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    _django()
    from pac.io.crm import parse_map, parse_values, write_report_csv
    from pac.web.accounts.models import Team, User
    from pac.web.crm.importing import import_file
    from pac.web.crm.presets import preset_save

    team_row = Team.objects.filter(name=team).first()
    importer = (
        User.objects.filter(username=user).first()
        if user
        else User.objects.filter(teams=team_row, role__in=["manager", "admin"]).order_by("pk").first()
    )
    if team_row is None or importer is None:
        err.print(_("Unknown team or no manager to import as: {team}.").format(team=team))
        raise typer.Exit(2)
    try:
        mapping, value_maps = dict(parse_map(map_ or [])), parse_values(values or [])
        if save_preset:
            preset_save(team=team_row, name=save_preset, kind=kind, base=preset, mapping=mapping, values=value_maps)
            err.print(_("Preset {name} saved.").format(name=save_preset))
    except (ValueError, KeyError) as error:
        err.print(str(error))
        raise typer.Exit(2) from None
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=as_json,
    ) as bar:
        checking = bar.add_task(_("Checking"), total=None)
        writing = bar.add_task(_("Writing"), total=None, visible=False)

        def checked(rows: int) -> None:
            bar.update(checking, completed=rows)

        def written(rows: int) -> None:
            bar.update(writing, completed=rows, visible=True)

        try:
            outcome = import_file(
                user=importer,
                team=team_row,
                kind=kind,
                source=path,
                preset=preset,
                mapping=mapping,
                values=value_maps,
                on_duplicate=on_duplicate,
                dry_run=dry_run,
                name=path.name,
                checked=checked,
                written=written,
            )
        except ValueError as error:
            err.print(str(error))
            raise typer.Exit(2) from None
    result = outcome.report
    if report is not None:
        with report.open("w", encoding="utf-8", newline="") as stream:
            write_report_csv(result, stream)
    if as_json:
        _print_json(
            {
                "kind": kind,
                "file": str(path),
                "dry_run": dry_run,
                "ok": result.ok,
                "rows_read": result.rows_read,
                "rows_rejected": result.rows_rejected,
                "rows_skipped": result.rows_skipped,
                "counts": outcome.counts.as_dict() if outcome.counts else None,
                "problems": [
                    {
                        "line": p.line,
                        "column": p.column,
                        "value": p.value,
                        "reason": str(p.reason),
                        "severity": p.severity,
                        "code": p.code,
                    }
                    for p in result.problems
                ],
            }
        )
    else:
        for problem in result.problems:
            err.print(problem.explained(_), markup=False, highlight=False, soft_wrap=True)
        if outcome.counts is not None:
            counts = outcome.counts
            fmt = Formatter(cli_language(), "EUR")
            line = _("{created} created, {updated} updated, {unchanged} unchanged, {rejected} rejected").format(
                **{name: fmt.number(n) for name, n in counts.as_dict().items()}
            )
            out.print((_("Dry run: ") if dry_run else "") + line)
    if not result.ok:
        raise typer.Exit(2)


@app.command("kpis")
def kpis_command(
    by: Annotated[str, typer.Option(help="Dimensions, comma-separated: owner, segment, channel, product…")] = "",
    period: Annotated[str | None, typer.Option(help="week, month or quarter")] = None,
    source: Annotated[
        Path | None,
        typer.Option(
            help="A folder of canonical CSV/Parquet files (read with DuckDB) instead of the app database.",
            file_okay=False,
        ),
    ] = None,
    team: Annotated[str | None, typer.Option(help="Team whose imported CRM data to use (app database).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Count up to this day (default: today).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Every KPI of docs/kpis.md, as tidy rows; a KPI that cannot be computed says why."""
    import datetime as dt

    from pac.engine.kpis import compute_kpis, tables_from_directory

    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        err.print(_("--as-of must be an ISO date (YYYY-MM-DD)."))
        raise typer.Exit(2) from None
    if source is not None:
        if not source.is_dir():
            err.print(_("{path}: no such folder.").format(path=source))
            raise typer.Exit(2)
        tables = tables_from_directory(source)
    else:
        _django()
        from pac.web.accounts.models import Team
        from pac.web.crm.kpi_tables import team_tables

        team_row = Team.objects.filter(name=team).first() if team else None
        if team_row is None:
            err.print(_("Give --team NAME (a team with imported CRM data) or --source FOLDER."))
            raise typer.Exit(2)
        tables = team_tables(team_row)
    try:
        rows = compute_kpis(tables, as_of=day, by=[d.strip() for d in by.split(",") if d.strip()], period=period)  # type: ignore[arg-type]
    except ValueError as error:
        err.print(str(error))
        raise typer.Exit(2) from None
    if as_json:
        _print_json({"kpis": rows})
        return
    table = Table(title=_("KPIs"))
    for header in (_("KPI"), _("Period"), _("By"), _("Value"), _("Why not")):
        table.add_column(header)
    for row in rows:
        value = "—" if row["value"] is None else f"{row['value']:.4g}"
        table.add_row(
            row["kpi"],
            row["period"] or "",
            ", ".join(f"{k}={v}" for k, v in row["by"].items()),
            value,
            row["reason"] or "",
        )
    out.print(table)


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
    """Serve with waitress, and run the background worker (CRM imports) beside it as a subprocess
    so that one command is enough on a laptop; a server deployment runs `pac worker` on its own."""
    import subprocess

    _django()
    from django.conf import settings
    from waitress import serve as waitress_serve

    from pac.web.wsgi import application

    host, _sep, port = address.rpartition(":")
    worker = None
    if "django_tasks_db" in settings.TASKS["default"]["BACKEND"] and not os.environ.get("PAC_NO_WORKER"):
        worker = subprocess.Popen([sys.executable, "-m", "pac.cli", "worker"])
    out.print(_("Serving on http://{address}/ (Ctrl+C to stop)").format(address=address))
    try:
        waitress_serve(application, host=host or "127.0.0.1", port=int(port), threads=8)
    finally:
        if worker is not None:
            worker.terminate()


@app.command()
def worker() -> None:
    """Run background tasks (CRM imports) as they are queued."""
    _django()
    from django.core.management import call_command

    call_command("db_worker", "--queue-name", "*", "--interval", "1")


@app.command()
def createuser(
    username: str,
    team: Annotated[str, typer.Option(help="Team name (created if new).")],
    role: Annotated[str, typer.Option(help="manager, sdr, ae, csm, marketing, executive, admin")] = "manager",
    email: Annotated[str, typer.Option()] = "",
    password: Annotated[
        str | None, typer.Option(help="Password; read from PAC_PASSWORD or asked when omitted.")
    ] = None,
) -> None:
    """Create a user in a team with a role."""
    _django()
    from django.core.exceptions import ValidationError

    from pac.web.accounts import services

    secret = (
        password
        or os.environ.get("PAC_PASSWORD")
        or typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    )
    try:
        user = services.user_create(username=username, password=secret, role=role, team_name=team, email=email)
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
    out.print(
        _("Demo ready: plan “{plan}”, and “{current}” measured against the CRM history.").format(
            plan=result.plan.name, current=result.current.name
        )
    )
    out.print(
        _("Open http://{address}/ and log in as {user} / {password} (manager), or as a rep: {reps}.").format(
            address=address,
            user=result.manager.username,
            password=result.password,
            reps=", ".join(u.username for u in result.reps),
        )
    )
    if not no_serve:
        _serve(address)


if __name__ == "__main__":
    app()
