"""``pac report weekly|quarterly``: a plan's Monday review or quarterly report written as PDF and/or Excel
from the app database (Django set up when the command runs), as the cockpit's download links do."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from pac.cli.terminal import _, cli_language, django_setup, err, out, writable, write_out

report_app = typer.Typer(help=_("The review pack of a plan: the Monday review or the quarterly report."))

PlanOption = Annotated[str, typer.Option("--plan", help="The plan's id or name.")]
TeamOption = Annotated[str | None, typer.Option(help="The plan's team (when several teams have a plan of that name).")]
PdfOption = Annotated[Path | None, typer.Option("--pdf", help="Write the PDF here.", dir_okay=False)]
XlsxOption = Annotated[Path | None, typer.Option("--xlsx", help="Write the Excel workbook here.", dir_okay=False)]
LangOption = Annotated[str | None, typer.Option("--lang", help="fr or en (default: PAC_LANG, else French).")]
TodayOption = Annotated[str | None, typer.Option("--today", help="The day of the report (YYYY-MM-DD; default: today).")]
UserOption = Annotated[
    str | None, typer.Option("--user", help="Write it as this user would read it (a rep gets their own figures).")
]


@report_app.command("weekly")
def weekly(
    plan: PlanOption,
    team: TeamOption = None,
    pdf: PdfOption = None,
    xlsx: XlsxOption = None,
    lang: LangOption = None,
    today: TodayOption = None,
    user: UserOption = None,
) -> None:
    """The Monday review: where the plan stands, what changed in the week, then the details."""
    _report("weekly", plan, team, pdf, xlsx, lang, today, user)


@report_app.command("quarterly")
def quarterly(
    plan: PlanOption,
    team: TeamOption = None,
    pdf: PdfOption = None,
    xlsx: XlsxOption = None,
    lang: LangOption = None,
    today: TodayOption = None,
    user: UserOption = None,
) -> None:
    """The quarterly report: the whole plan against its targets, month by month."""
    _report("quarterly", plan, team, pdf, xlsx, lang, today, user)


def _fail(message: str) -> typer.Exit:
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _report(
    kind: str,
    plan: str,
    team: str | None,
    pdf: Path | None,
    xlsx: Path | None,
    lang: str | None,
    today: str | None,
    user: str | None,
) -> None:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    if pdf is None and xlsx is None:
        raise _fail(_("Give --pdf FILE, --xlsx FILE or both."))
    if lang is not None and lang not in ("fr", "en"):
        raise _fail(_("--lang must be fr or en."))
    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError:
        raise _fail(_("--today must be an ISO date (YYYY-MM-DD).")) from None
    for path in (p for p in (pdf, xlsx) if p is not None):
        writable(path)
    language = lang or cli_language()
    django_setup()
    from django.utils import translation

    from pac.web.accounts.models import User
    from pac.web.cockpit.reports.pdf import pack_pdf
    from pac.web.cockpit.reports.scope import TEAM, reader_of
    from pac.web.cockpit.reports.views import plan_pack
    from pac.web.cockpit.reports.workbook import pack_workbook

    row = _plan_row(plan, team)
    reader = TEAM
    if user is not None:
        person = User.objects.filter(username=user, teams=row.team).first()
        if person is None:
            raise _fail(_("Unknown user in the plan's team: {user}.").format(user=user))
        reader = reader_of(person, row)
    with (
        translation.override(language),
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar,
    ):
        task = bar.add_task(_("Measuring the plan"), total=None)
        pack = plan_pack(row, kind=kind, today=day, reader=reader)
        written: list[tuple[Path, Any]] = []
        if pdf is not None:
            bar.update(task, description=_("Drawing the PDF"))
            written.append((pdf, pack_pdf(pack)))
        if xlsx is not None:
            bar.update(task, description=_("Writing the workbook"))
            written.append((xlsx, pack_workbook(pack)))
    for path, content in written:
        write_out(path, content)
        out.print(_("{path} written.").format(path=path), markup=False, highlight=False)


def _plan_row(plan: str, team: str | None) -> Any:
    """The plan by id, or by name (within ``team`` when given); exit 2 when none or several match."""
    from pac.web.plans.models import Plan

    rows = Plan.objects.filter(scenario_of__isnull=True).select_related("team", "owner")
    if team is not None:
        rows = rows.filter(team__name=team)
    found = list(rows.filter(pk=int(plan))) if plan.isdigit() else []
    found = found or list(rows.filter(name=plan)[:10])
    if not found:
        raise _fail(_("Unknown plan: {plan}.").format(plan=plan))
    if len(found) > 1:
        teams = ", ".join(sorted({p.team.name for p in found}))
        raise _fail(
            _("Several plans are named {plan} (teams: {teams}): give --team or the plan's id.").format(
                plan=plan, teams=teams
            )
        )
    return found[0]
