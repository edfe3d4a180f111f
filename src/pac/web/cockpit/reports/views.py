"""The pack's downloads: the Monday review or the quarterly report of a plan, as PDF or Excel, for the
plans the user may see (an outsider gets a 404, as for every plan page), scoped to what the reader may
read (a rep gets their own figures), in the reader's language."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from pac.engine.analysis import analyse
from pac.web.accounts.abilities import Ability, requires
from pac.web.cockpit.overview import overview
from pac.web.cockpit.presenters import present_alerts, present_levers
from pac.web.cockpit.reports.pack import KINDS, Lever, ReviewPack, review_pack
from pac.web.cockpit.reports.pdf import pack_pdf
from pac.web.cockpit.reports.scope import TEAM, Reader, reader_of, tables_of
from pac.web.cockpit.reports.workbook import pack_workbook
from pac.web.cockpit.steering import steer
from pac.web.crm.kpi_tables import team_tables
from pac.web.language import formatter
from pac.web.plans import adapters, selectors
from pac.web.plans.models import Plan as PlanRow
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def plan_pack(row: PlanRow, *, kind: str, today: dt.date, reader: Reader = TEAM) -> ReviewPack:
    """The pack of a stored plan, measured on its team's CRM data (shared by the views and ``pac report``),
    with the cockpit's alerts and corrective levers for the same reader."""
    plan = adapters.to_engine(row)
    tables = team_tables(row.team) if today >= plan.start else {}
    analysis = analyse(plan)
    pack = review_pack(
        plan, team_name=row.team.name, tables=tables, kind=kind, today=today, reader=reader, analysis=analysis
    )
    if not tables:
        return pack
    mine = tables_of(reader, tables)
    fmt = formatter(plan.currency)
    steered = steer(analysis, mine, overview(analysis, mine, today), today, fmt, gettext, team_wide=reader == TEAM)
    if steered is None:
        return pack
    alerts = tuple(line for group in present_alerts(steered.alerts, fmt) for line, _key in group["lines"])
    levers = tuple(
        Lever(
            lever["message"], gettext("feasible") if lever["feasible"] else lever["why_not"] or gettext("not feasible")
        )
        for lever in present_levers(steered.levers, fmt)
    )
    return replace(pack, alerts=alerts, levers=levers if steered.team_wide else None)


def file_name(row: PlanRow, kind: str, today: dt.date, extension: str) -> str:
    """``point-du-lundi``-like names are the reader's words; the file's is plain ASCII for every system:
    ``<plan>-<kind>-<day>.<ext>``."""
    return f"{slugify(row.name) or 'plan'}-{kind}-{today.isoformat()}.{extension}"


def _download(request: HttpRequest, plan_id: int, kind: str, extension: str) -> HttpResponse:
    if kind not in KINDS:
        raise Http404
    user = current_user(request)
    row = selectors.plan_for(user, plan_id)
    if row.scenario_of_id is not None:  # a scenario is never applied: no review pack reports on it
        raise Http404
    today = timezone.localdate()
    pack = plan_pack(row, kind=kind, today=today, reader=reader_of(user, row))
    content, content_type = (pack_pdf(pack), "application/pdf") if extension == "pdf" else (pack_workbook(pack), XLSX)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name(row, kind, today, extension)}"'
    return response


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def pack_pdf_view(request: HttpRequest, plan_id: int, kind: str) -> HttpResponse:
    return _download(request, plan_id, kind, "pdf")


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def pack_xlsx_view(request: HttpRequest, plan_id: int, kind: str) -> HttpResponse:
    return _download(request, plan_id, kind, "xlsx")
