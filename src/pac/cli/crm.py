"""``pac import`` and ``pac kpis``: CRM exports into the team's canonical tables, and the KPIs computed on
them (or on a folder of canonical files, with no database)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pac.cli.render import print_kpis
from pac.cli.terminal import (
    CrmSource,
    CrmTeam,
    JsonFlag,
    _,
    cli_language,
    crm_tables,
    django_setup,
    err,
    out,
    print_json,
    progress_bar,
    writable,
)
from pac.engine.formatting import Formatter


def import_command(
    kind: Annotated[
        str,
        typer.Argument(
            help="opportunities, accounts, contacts, leads, activities, subscriptions, costs, opportunity_stages"
        ),
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
    max_size: Annotated[
        int | None,
        typer.Option(
            "--max-size",
            min=1,
            help="Largest file accepted, in MB (default: the web upload's limit, PAC_CRM_UPLOAD_MAX_BYTES).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Import a CRM export into the team's canonical tables: all rows or none, again without duplicates."""

    if report is not None:
        writable(report)
    django_setup()
    from django.conf import settings

    from pac.io.crm import BUILTIN_PRESETS, KINDS, get_preset, parse_map, parse_values, write_report_csv
    from pac.web.accounts.models import Team, User
    from pac.web.crm.importing import import_file
    from pac.web.crm.presets import preset_save, saved_presets

    team_row = Team.objects.filter(name=team).first()
    importer = (
        User.objects.filter(username=user).first()
        if user
        else User.objects.filter(teams=team_row, role__in=["manager", "admin"]).order_by("pk").first()
    )
    if team_row is None or importer is None:
        err.print(_("Unknown team or no manager to import as: {team}.").format(team=team))
        raise typer.Exit(2)
    limit = max_size * 1024**2 if max_size else settings.CRM_UPLOAD_MAX_BYTES
    size = path.stat().st_size
    if size > limit:  # the same bound as an upload: a larger export is split, or the limit raised on purpose
        err.print(
            _("{path}: the file is too large ({size} MB, at most {limit} MB); raise the limit with --max-size.").format(
                path=path.name, size=-(-size // 1024**2), limit=limit // 1024**2
            )
        )
        raise typer.Exit(2)
    saved = saved_presets(team_row)
    known = sorted({*BUILTIN_PRESETS, *saved})
    if preset and preset not in known:
        err.print(_("No export format named {name}. Known: {known}.").format(name=preset, known=", ".join(known)))
        raise typer.Exit(2)
    if preset and kind in KINDS and get_preset(preset, saved).kind != kind:
        err.print(
            _("The format {name} reads {its}, not {kind}: pick a format for {kind}.").format(
                name=preset, its=get_preset(preset, saved).kind, kind=kind
            )
        )
        raise typer.Exit(2)
    try:
        mapping, value_maps = dict(parse_map(map_ or [])), parse_values(values or [])
        if save_preset:
            preset_save(team=team_row, name=save_preset, kind=kind, base=preset, mapping=mapping, values=value_maps)
            err.print(_("Preset {name} saved.").format(name=save_preset))
    except (ValueError, KeyError) as error:
        err.print(str(error))
        raise typer.Exit(2) from None
    with progress_bar(disable=as_json) as bar:
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
        try:
            with report.open("w", encoding="utf-8", newline="") as stream:
                write_report_csv(result, stream)
        except OSError as error:
            err.print(_("{path}: cannot be written ({error}).").format(path=report, error=error.strerror))
            raise typer.Exit(2) from None
    if as_json:
        print_json(
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


def kpis_command(
    by: Annotated[str, typer.Option(help="Dimensions, comma-separated: owner, segment, product, business_unit…")] = "",
    period: Annotated[str | None, typer.Option(help="week, month or quarter")] = None,
    source: CrmSource = None,
    team: CrmTeam = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Count up to this day (default: today).")] = None,
    kpi: Annotated[
        str,
        typer.Option("--kpi", help="Only these KPIs, comma-separated (win_rate,average_deal); default: all."),
    ] = "",
    as_json: JsonFlag = False,
) -> None:
    """The KPIs of docs/kpis.md (all, or those of --kpi), as tidy rows; a KPI that cannot be computed says why."""
    import datetime as dt

    from pac.engine.kpis import KPIS, compute_kpis

    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        err.print(_("--as-of must be an ISO date (YYYY-MM-DD)."))
        raise typer.Exit(2) from None
    wanted = [name.strip() for name in kpi.split(",") if name.strip()] or None
    unknown = [name for name in wanted or () if name not in KPIS]
    if unknown:
        err.print(
            _("Unknown KPI: {names}. Known KPIs: {known}.").format(names=", ".join(unknown), known=", ".join(KPIS))
        )
        raise typer.Exit(2)
    tables = crm_tables(source, team)
    try:
        dims = [d.strip() for d in by.split(",") if d.strip()]
        rows = compute_kpis(tables, as_of=day, by=dims, period=period, kpis=wanted)  # type: ignore[arg-type]
    except ValueError as error:
        err.print(str(error))
        raise typer.Exit(2) from None
    if as_json:
        print_json({"kpis": rows})
        return
    print_kpis(rows, Formatter(cli_language(), "EUR"))
