"""« Historique »: the plan's history page (all changes, newest first, 50 a page, by kind of object and by
person), one object's history, and the history as CSV and .xlsx. Anyone of the plan's team reads it;
nobody changes it (GET only)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from xlsxwriter import Workbook  # type: ignore[import-untyped]

from pac.io.xlsx import DATE, TIME, Column, SheetWriter, safe_text
from pac.web.accounts.abilities import Ability, requires
from pac.web.language import language
from pac.web.paging import paging
from pac.web.plans import history, selectors
from pac.web.plans.history_values import local_when
from pac.web.plans.recorded import CLI
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user


def _shown(entries: Iterable[history.Entry]) -> list[dict[str, Any]]:
    return [{"entry": e, "when": local_when(e.when)} for e in entries]


def _people(plan: Any) -> list[tuple[str, str]]:
    """The person filter's choices: the team by name, and the command line."""
    members = sorted(plan.team.members.all(), key=lambda user: user.get_full_name() or user.username)
    return [(str(user.pk), user.get_full_name() or user.username) for user in members] + [(CLI, _("command line"))]


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def plan_history(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for(current_user(request), plan_id)
    filters = history.filters_from(request.GET)
    total = history.plan_history_count(plan, filters)
    query = {k: v for k, v in (("kind", filters.kind), ("person", filters.person)) if v}
    pages = paging(request, total, history.PAGE_SIZE, query)
    return render(
        request,
        "plans/history.html",
        {
            "plan": plan,
            "entries": _shown(history.plan_history(plan, filters, pages.start, pages.end)),
            "kinds": [(k.key, k.label) for k in history.KINDS.values()],
            "people": _people(plan),
            "filters": filters,
            "total": total,
            "paging": pages,
            "export_query": urlencode(query),
        },
    )


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def object_history(request: HttpRequest, plan_id: int, kind: str, pk: int) -> HttpResponse:
    plan = selectors.plan_for(current_user(request), plan_id)
    if kind not in history.KINDS:
        raise Http404
    entries = history.object_history(plan, history.KINDS[kind], pk)
    if entries is None:
        raise Http404
    return render(
        request,
        "plans/object_history.html",
        {
            "plan": plan,
            "kind": history.KINDS[kind],
            "title": entries[0].title,
            "entries": _shown(entries),
        },
    )


#: The exports' headers, translated when written.
HEADERS = (
    *(gettext_noop("Date"), gettext_noop("Time"), gettext_noop("Who"), gettext_noop("Kind"), gettext_noop("Object")),
    *(gettext_noop("What changed"), gettext_noop("Field"), gettext_noop("Before"), gettext_noop("After")),
)


def _headers() -> list[str]:
    return [_(word) for word in HEADERS]


def _lines(entries: Iterable[history.Entry]) -> Iterator[list[Any]]:
    """One line per field changed (one per creation or deletion), the date and time in local time."""
    for e in entries:
        moment = timezone.localtime(e.when)
        head = [moment.date(), moment.time().replace(microsecond=0), e.who, e.kind_label, e.title, e.type_label]
        if not e.changes:
            yield [*head, "", "", ""]
        for change in e.changes:
            yield [*head, change.field, change.before, change.after]


def _filename(plan: Any, extension: str) -> str:
    return f"{slugify(plan.name) or 'plan'}-{slugify(_('history')) or 'history'}.{extension}"


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def history_csv(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The history as CSV for a spreadsheet: UTF-8 with a BOM, « ; » in French (Excel's list separator
    there), every text neutralised against formulas."""
    plan = selectors.plan_for(current_user(request), plan_id)
    fmt_date = "%d/%m/%Y" if language() == "fr" else "%Y-%m-%d"
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";" if language() == "fr" else ",", lineterminator="\r\n")
    writer.writerow([safe_text(h) for h in _headers()])
    for line in _lines(history.export_entries(plan, history.filters_from(request.GET))):
        day, time, *words = line
        writer.writerow([day.strftime(fmt_date), time.strftime("%H:%M:%S"), *(safe_text(str(w)) for w in words)])
    return _attachment(("\ufeff" + text.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", _filename(plan, "csv"))


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def history_xlsx(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The history as a workbook: real dates and times, translated headers, no cell a spreadsheet would run."""
    plan = selectors.plan_for(current_user(request), plan_id)
    buffer = io.BytesIO()
    workbook = Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    workbook.set_properties({"title": safe_text(f"{_('History')} · {plan.name}"), "subject": "PAC"})
    out = SheetWriter(workbook, language(), plan.currency)
    sheet = workbook.add_worksheet(_("History")[:31])
    headers = _headers()
    columns = [Column(headers[0], DATE), Column(headers[1], TIME), *(Column(h) for h in headers[2:6])]
    columns += [Column(headers[6]), Column(headers[7], width=40), Column(headers[8], width=40)]
    out.table(sheet, columns, _lines(history.export_entries(plan, history.filters_from(request.GET))))
    workbook.close()
    return _attachment(
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _filename(plan, "xlsx"),
    )
