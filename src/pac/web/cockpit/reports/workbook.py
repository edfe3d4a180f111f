"""The pack as an Excel workbook: one sheet per section, the figures as numbers, dates and percentages of
their kind (so the manager can keep computing), every text neutralised the way the plan workbook does
(``pac.io.xlsx``: no cell a spreadsheet would run). The workbook carries every row the PDF cuts."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from django.utils.translation import gettext as _
from xlsxwriter import Workbook  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from pac.io.xlsx import DATE, INT, MONEY, NUMBER, PERCENT, TEXT, Column, SheetWriter, Typed, safe_text
from pac.web.cockpit.reports import figures as kinds
from pac.web.cockpit.reports.figures import Figure
from pac.web.cockpit.reports.pack import ReviewPack

CELL_KINDS = {
    kinds.MONEY: MONEY,
    kinds.PERCENT: PERCENT,
    kinds.NUMBER: NUMBER,
    kinds.INT: INT,
    kinds.DAYS: NUMBER,
    kinds.DATE: DATE,
    kinds.TEXT: TEXT,
}
#: Characters Excel refuses in a sheet name, and its length limit.
SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def cell(figure: Figure) -> Typed:
    """A figure as a typed cell: its value in its kind, blank when there is none."""
    if not figure.known:
        return Typed(None, TEXT)
    return Typed(figure.value, CELL_KINDS.get(figure.kind, TEXT))


def _flag(value: bool | None) -> str:
    return "" if value is None else _("yes") if value else _("no")


def pack_workbook(pack: ReviewPack) -> bytes:
    """The pack as .xlsx bytes."""
    buffer = io.BytesIO()
    workbook = Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    workbook.set_properties({"title": safe_text(f"{pack.title} · {pack.plan_name}"), "subject": "PAC"})
    out = SheetWriter(workbook, pack.language, pack.currency)
    sheets: list[tuple[str, Callable[[Worksheet], object]]] = [
        (_("Summary"), lambda sheet: _summary(out, sheet, pack)),
        (
            _("Objectives"),
            lambda sheet: out.table(
                sheet,
                [
                    Column(_("Objective")),
                    Column(_("Deadline"), DATE),
                    Column(_("Target")),
                    Column(_("Actual")),
                    Column(_("Share of target"), PERCENT),
                    Column(_("Expected by now"), PERCENT),
                    Column(_("On track")),
                    Column(_("A week earlier") if pack.kind == "weekly" else _("Four weeks earlier")),
                    Column(_("Change")),
                    Column(_("Why no actual"), width=50),
                ],
                [
                    [
                        o.name,
                        cell(o.due),
                        cell(o.target),
                        cell(o.actual),
                        cell(o.share),
                        cell(o.expected),
                        _flag(o.on_track),
                        cell(o.before),
                        cell(o.change),
                        o.why,
                    ]
                    for o in pack.objectives
                ],
                freeze_cols=1,
            ),
        ),
        (
            _("Funnel"),
            lambda sheet: out.table(
                sheet,
                [
                    Column(_("Stage")),
                    Column(_("Whole plan"), INT),
                    Column(_("Planned by now"), INT),
                    Column(_("Actual")),
                    Column(_("Share of planned by now"), PERCENT),
                ],
                [[f.stage, cell(f.total), cell(f.to_date), cell(f.actual), cell(f.share)] for f in pack.funnel],
            ),
        ),
        (
            _("Key figures"),
            lambda sheet: out.table(
                sheet,
                [
                    Column(_("KPI")),
                    Column(_("Value")),
                    Column(_("Before")),
                    Column(_("Change")),
                    Column(_("Note"), width=50),
                ],
                [[t.label, cell(t.value), cell(t.before), cell(t.change), t.note] for t in pack.kpis],
            ),
        ),
        (
            _("Weekly targets"),
            lambda sheet: out.table(
                sheet,
                [Column(_("Week")), Column(_("Monday"), DATE), *(Column(h, INT) for h in pack.stage_headers)],
                [[w.week, cell(w.monday), *(cell(v) for v in w.volumes)] for w in pack.weeks],
                freeze_cols=1,
            ),
        ),
        (
            _("Capacity"),
            lambda sheet: out.table(
                sheet,
                [
                    Column(_("Role")),
                    Column(_("Headcount"), INT),
                    Column(_("Hours needed"), INT),
                    Column(_("Hours available"), INT),
                    Column(_("Utilisation rate"), PERCENT),
                    Column(_("Weekly peak"), PERCENT),
                    Column(_("Weeks over capacity"), INT),
                ],
                [
                    [
                        c.role,
                        *(cell(f) for f in (c.headcount, c.needed, c.available, c.utilisation, c.peak, c.weeks_over)),
                    ]
                    for c in pack.capacity
                ],
            ),
        ),
        (
            _("Overdue actions"),
            lambda sheet: out.table(
                sheet,
                [
                    Column(_("Action")),
                    Column(_("Owner")),
                    Column(_("Due"), DATE),
                    Column(_("Days late"), INT),
                    Column(_("Status")),
                ],
                [[a.name, a.owner, cell(a.due), cell(a.days_late), a.status] for a in pack.overdue],
            ),
        ),
        (
            _("Diagnostics"),
            lambda sheet: out.table(
                sheet,
                [Column(_("Severity")), Column(_("Message"), width=90)],
                [[d.severity_label, d.message] for d in pack.diagnostics],
            ),
        ),
    ]
    if pack.forecast is not None:
        forecast = pack.forecast
        sheets.append(
            (
                _("Forecast"),
                lambda sheet: out.table(
                    sheet,
                    [Column(_("Figure")), Column(_("Value"))],
                    [
                        [_("Probability of reaching the target"), cell(forecast.probability)],
                        ["P10", cell(forecast.p10)],
                        ["P50", cell(forecast.p50)],
                        ["P90", cell(forecast.p90)],
                        [_("Expected bookings"), cell(forecast.expected)],
                    ],
                ),
            )
        )
    if pack.alerts is not None:
        alerts = pack.alerts
        sheets.append(
            (_("Alerts"), lambda sheet: out.table(sheet, [Column(_("Alert"), width=100)], [[a] for a in alerts]))
        )
    if pack.levers is not None:
        levers = pack.levers
        sheets.append(
            (
                _("Corrective levers"),
                lambda sheet: out.table(
                    sheet,
                    [Column(_("Lever"), width=80), Column(_("Feasibility"))],
                    [[lever.text, lever.feasibility] for lever in levers],
                ),
            )
        )
    for name, fill in sheets:
        fill(workbook.add_worksheet(_sheet_name(name)))
    workbook.close()
    return buffer.getvalue()


def _summary(out: SheetWriter, sheet: Worksheet, pack: ReviewPack) -> None:
    facts: Sequence[tuple[str, object]] = [
        (_("Plan"), pack.plan_name),
        (_("Team"), pack.team_name),
        (_("Report"), pack.title),
        (_("Day"), cell(pack.today)),
        (_("Compared with"), cell(pack.since)),
        (_("Plan start"), cell(pack.plan_start)),
        (_("Plan end"), cell(pack.plan_end)),
        (_("Scope"), pack.scope),
        *((_("Where we are"), line) for line in pack.headlines),
        *((_("What changed"), line) for line in pack.news),
        *((_("Point of attention"), line) for line in pack.attention),
    ]
    out.table(sheet, [Column(_("Field")), Column(_("Value"), width=100)], [list(f) for f in facts])


def _sheet_name(name: str) -> str:
    return name.translate(SHEET_NAME_FORBIDDEN)[:31]
