"""``pac funnel``, ``pac calendar``, ``pac priorities`` and ``pac plan …``: the engine's commands on a plan
file (no database), and the plan's export from and import into the app database."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from pac.cli.render import print_analysis, print_calendar, print_parts, print_plan_diff, print_priorities
from pac.cli.terminal import (
    CrmSource,
    CrmTeam,
    JsonFlag,
    PlanPath,
    _,
    cli_language,
    django_setup,
    err,
    load_plan,
    out,
    print_json,
    stdout_kept_clean,
    writable,
    write_out,
)
from pac.engine.analysis import analyse, to_json
from pac.engine.formatting import Formatter
from pac.engine.planfile import PlanFileError, dump_plan, json_schema, load_plan_file, to_plan

plan_app = typer.Typer(
    help=_("Plan files: validate, schema, compile, diff, split, export, import."), no_args_is_help=True
)


def funnel(path: PlanPath, as_json: JsonFlag = False) -> None:
    """Reverse funnel, weekly schedule, capacity and diagnostics of a plan file."""
    plan = to_plan(load_plan(path))
    fmt = Formatter(cli_language(), plan.currency)
    analysis = analyse(plan)
    if as_json:
        print_json(to_json(analysis, Formatter("en", plan.currency)))
    else:
        print_analysis(analysis, fmt)


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

    from pac.engine.calendar import calendar_items, item_to_json, plan_span, window
    from pac.engine.workdays import UnknownCountryError

    if days is not None and today is None:
        raise typer.BadParameter(_("--days needs --today (the first day of the window)."), param_hint="--days")
    try:
        day = dt.date.fromisoformat(today) if today is not None else None
    except ValueError:
        raise typer.BadParameter(
            _("must be an ISO date (YYYY-MM-DD), not {value!r}.").format(value=today), param_hint="--today"
        ) from None
    if ics is not None:
        writable(ics)
    plan = to_plan(load_plan(path))
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
        write_out(ics, calendar_to_ics(items, plan, language=cli_language()))
    if as_json:
        print_json(
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
        print_calendar(plan, items, first, last, Formatter(cli_language(), plan.currency))


@plan_app.command("validate")
def plan_validate(path: PlanPath, as_json: JsonFlag = False) -> None:
    """Check a plan file; every problem is listed with its path, line and column."""
    try:
        load_plan_file(path)
    except PlanFileError as error:
        if as_json:
            print_json(
                {
                    "valid": False,
                    "issues": [
                        {"path": i.path, "message": i.message, "line": i.line, "column": i.column} for i in error.issues
                    ],
                }
            )
            raise typer.Exit(2) from None
        load_plan(path)
    if as_json:
        print_json({"valid": True, "issues": []})
    else:
        out.print(_("{path}: valid plan file.").format(path=path), soft_wrap=True)


@plan_app.command("schema")
def plan_schema() -> None:
    """Print the JSON Schema of the plan file (v1)."""
    sys.stdout.write(json_schema() + "\n")


@plan_app.command("compile")
def plan_compile(path: PlanPath) -> None:
    """Print the plan file in its normal form (defaults filled in, keys in order)."""
    sys.stdout.write(dump_plan(to_plan(load_plan(path))))


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

    plan = to_plan(load_plan(path))
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
    selection = stdout_kept_clean(lambda: select_actions(plan, decisions=decisions, time_limit=time_limit))
    if as_json:
        document = priorities_json(ranks, selection, Formatter("en", plan.currency))
        print_json(
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
        print_priorities(plan, ranks, selection, Formatter(cli_language(), plan.currency))


@plan_app.command("diff")
def plan_diff(
    old: Annotated[Path, typer.Argument(help="The plan file before (YAML).", dir_okay=False)],
    new: Annotated[Path, typer.Argument(help="The plan file after (YAML).", dir_okay=False)],
    as_json: JsonFlag = False,
) -> None:
    """List what changed from one plan file to another: objects added, removed and changed, with their path
    and old → new values. Both are compared in their normal form: a change of layout is no change."""
    from pac.engine import plandiff

    changes = plandiff.diff_plans(to_plan(load_plan(old)), to_plan(load_plan(new)))
    if as_json:
        print_json(plandiff.to_json(changes))
        return
    print_plan_diff(changes)


@plan_app.command("split")
def plan_split(
    path: PlanPath,
    by: Annotated[str, typer.Option("--by", help="quarter (fiscal) or month.")] = "quarter",
    seasonality: Annotated[
        str | None,
        typer.Option(
            "--seasonality", help="Twelve monthly weights, January first, comma-separated (equal when left out)."
        ),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Write each part as a plan file in this folder.", file_okay=False)
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Break a plan into quarters or months: the totals split by the season so that the parts add up
    exactly, each action, event and sequence in the part where it happens."""
    from decimal import Decimal, InvalidOperation

    from pac.engine.breakdown import By, break_down

    if by not in {b.value for b in By}:
        err.print(_("--by: quarter or month, not {value}.").format(value=by), markup=False)
        raise typer.Exit(2)
    weights = None
    if seasonality is not None:
        try:
            weights = [Decimal(w.strip()) for w in seasonality.split(",")]
        except InvalidOperation:
            weights = []
        if len(weights) != 12 or any(not w.is_finite() or w < 0 or w > 1000 for w in weights) or not any(weights):
            err.print(
                _("--seasonality: twelve numbers from 0 to 1000, January first, separated by commas, not all 0."),
                markup=False,
            )
            raise typer.Exit(2)
    plan = to_plan(load_plan(path))
    parts = break_down(plan, By(by), weights)
    written: list[Path] = []
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for part in parts:
            target = out_dir / f"{path.stem}-{part.key}.yaml"
            writable(target)
            write_out(target, dump_plan(part.plan))
            written.append(target)
    if as_json:
        print_json(
            {
                "parts": [
                    {
                        "key": part.key,
                        "start": part.start.isoformat(),
                        "end": part.end.isoformat(),
                        "share": float(round(part.share, 6)),
                        "objectives": [
                            {
                                "id": o.id,
                                "metric": o.metric.value if o.metric else None,
                                "target": float(o.target) if o.target is not None else None,
                                "deadline": o.deadline.isoformat() if o.deadline else None,
                            }
                            for o in part.plan.objectives
                        ],
                        "actions": len(part.plan.actions),
                        "file": str(written[n]) if written else None,
                    }
                    for n, part in enumerate(parts)
                ]
            }
        )
        return
    print_parts(parts, Formatter(cli_language(), plan.currency), written)


@plan_app.command("export")
def plan_export(
    plan_id: Annotated[int, typer.Argument(help="Plan number (as in the web app).")],
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Write a plan of the database as a YAML plan file."""
    django_setup()
    from pac.web.plans.filesections import plan_for_file
    from pac.web.plans.models import Plan

    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is None:
        err.print(_("No plan number {id}.").format(id=plan_id))
        raise typer.Exit(1)
    if output:
        writable(output)
    text = dump_plan(plan_for_file(plan))
    if output:
        write_out(output, text)
    else:
        sys.stdout.write(text)
    # on stderr: stdout may be the file itself
    err.print(
        _(
            "Plan {id} at version {version}: to apply your changes, "
            "pac plan apply FILE --plan {id} --base-version {version}"
        ).format(id=plan.pk, version=plan.version),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@plan_app.command("apply")
def plan_apply(
    path: PlanPath,
    plan_id: Annotated[int, typer.Option("--plan", help="Plan number (as in the web app) the file is applied to.")],
    base_version: Annotated[
        int,
        typer.Option("--base-version", help="The plan's version the file was exported from (pac plan export says it)."),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Apply a plan file to a plan of the database in place: objects matched by their id, all or nothing,
    nothing written when the plan already says it; refused when the plan changed since --base-version."""
    doc = load_plan(path)
    django_setup()
    from django.core.exceptions import PermissionDenied, ValidationError

    from pac.engine.plandiff import to_json
    from pac.web.plans.applying import plan_apply as apply
    from pac.web.plans.models import Plan
    from pac.web.plans.recorded import CLI, recorded_as
    from pac.web.plans.versioning import PlanConflict

    plan = Plan.objects.filter(pk=plan_id, scenario_of__isnull=True).select_related("owner").first()
    if plan is None:
        err.print(_("No plan number {id}.").format(id=plan_id))
        raise typer.Exit(1)
    try:
        with recorded_as(None, CLI):  # nobody logged in: the plan's history says the command line did it
            changes = apply(user=plan.owner, plan=plan, source=to_plan(doc), base_version=base_version)
    except PlanConflict:
        plan.refresh_from_db()
        err.print(
            _(
                "Plan {id} is at version {version}, your file was made from version {base}: export it again "
                "(pac plan export {id}), redo your change there and apply it with --base-version {version}."
            ).format(id=plan.pk, version=plan.version, base=base_version),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2) from None
    except (PermissionDenied, ValidationError) as refused:
        for message in getattr(refused, "messages", [str(refused)]):
            err.print(message, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    plan.refresh_from_db()
    if as_json:
        print_json({**to_json(changes), "plan": plan.pk, "version": plan.version})
        return
    if not changes:
        out.print(_("Plan {id} already says what the file says: nothing changed.").format(id=plan.pk))
        return
    print_plan_diff(changes)
    out.print(_("Plan {id} is now at version {version}.").format(id=plan.pk, version=plan.version))


@plan_app.command("import")
def plan_import(
    path: PlanPath,
    team: Annotated[str, typer.Option(help="Team name.")],
    owner: Annotated[str, typer.Option(help="Username of the plan's owner.")],
) -> None:
    """Create a plan in the database from a plan file (all or nothing)."""
    doc = load_plan(path)
    django_setup()
    from pac.web.accounts.models import Team, User
    from pac.web.plans import services
    from pac.web.plans.recorded import CLI, recorded_as

    user = User.objects.filter(username=owner).first()
    team_row = Team.objects.filter(name=team).first()
    if user is None or team_row is None:
        err.print(_("Unknown user or team: {owner}, {team}.").format(owner=owner, team=team))
        raise typer.Exit(1)
    from django.core.exceptions import PermissionDenied, ValidationError

    try:
        with recorded_as(None, CLI):  # nobody logged in: the plan's history says the command line did it
            plan = services.plan_create_from_file(user=user, team=team_row, plan=to_plan(doc))
    except PermissionDenied as refused:  # a rep as the owner, or someone outside the team
        err.print(str(refused))
        raise typer.Exit(1) from None
    except ValidationError as refused:  # a section kept by another app (sequences) refused: nothing saved
        for message in refused.messages:
            err.print(message, markup=False, highlight=False)
        raise typer.Exit(1) from None
    out.print(_("Plan {id} created: {name}").format(id=plan.pk, name=plan.name))


@plan_app.command("from-history")
def plan_from_history(
    path: PlanPath,
    date_from: Annotated[str, typer.Option("--from", help="First day of the history to learn from (ISO date).")],
    date_to: Annotated[str, typer.Option("--to", help="Last day of the history to learn from (ISO date).")],
    source: CrmSource = None,
    team: CrmTeam = None,
    by_segment: Annotated[
        bool, typer.Option("--by-segment", help="Also learn each CRM segment's figures, where it has enough deals.")
    ] = False,
    min_deals: Annotated[
        int, typer.Option("--min-deals", min=1, help="Closed deals a segment needs for figures of its own.")
    ] = 30,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the plan with history's figures applied to this file.")
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            min=0.1,
            max=2000,
            help="Flag the plan's rates more than this many per cent away from history "
            "(default: the plan file's alerts.history_gap, 20 % unless it sets one).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The funnel rates, stage days, average deal, cycle and no-show rate of the team's CRM history over
    --from…--to, each with its basis and computed as the KPIs are; the plan with them applied (--out), and
    its rates that differ from history by more than the plan's threshold (--threshold, in per cent)."""
    import datetime as dt

    from pac.cli.render import print_learned
    from pac.cli.terminal import crm_tables
    from pac.engine.learned import apply_learned, compare, gap_text, learn
    from pac.engine.planfile import plan_data

    try:
        start, end = dt.date.fromisoformat(date_from), dt.date.fromisoformat(date_to)
    except ValueError:
        err.print(_("--from and --to must be ISO dates (YYYY-MM-DD)."))
        raise typer.Exit(2) from None
    if end < start:
        err.print(_("--from must not be after --to."))
        raise typer.Exit(2)
    plan = to_plan(load_plan(path))
    if out_file is not None:
        writable(out_file)
    tables = crm_tables(source, team)
    learned = learn(tables, start, end, by_segment=by_segment, min_deals=min_deals)
    applied = apply_learned(plan, learned)
    fmt = Formatter(cli_language(), plan.currency)
    gaps = compare(plan, learned, None if threshold is None else Decimal(str(threshold)) / 100)
    if out_file is not None:
        write_out(out_file, dump_plan(applied))
    if as_json:
        from pac.engine.labels import STAGE_NAMES
        from pac.engine.learned import basis_text
        from pac.engine.model import Stage

        def stage_label(code: str) -> str:
            return _(STAGE_NAMES[Stage(code)]) if code in set(Stage) else code

        def plain(value: object) -> object:
            return (
                float(value)
                if hasattr(value, "is_finite")
                else value.isoformat()
                if isinstance(value, dt.date)
                else value
            )

        print_json(
            {
                "period": {"from": start.isoformat(), "to": end.isoformat()},
                "figures": [{**f.data(), "text": basis_text(f, fmt, _)} for f in learned.figures],
                "segments": dict(learned.segments),
                "too_small": dict(learned.too_small),
                "min_deals": learned.min_deals,
                "differences": [
                    {
                        "code": code,
                        "params": {k: plain(v) for k, v in params.items()},
                        "message": gap_text(code, params, fmt, _, stage_label),
                    }
                    for code, params in gaps
                ],
                "funnel": plan_data(applied).get("funnel"),
                "file": str(out_file) if out_file is not None else None,
            }
        )
        return
    print_learned(learned, gaps, fmt, out_file)
