"""Excel workbook of the plan: one formatted sheet per view of the plan page and the calendar.

Numbers stay numbers (money in the plan currency, rates as real percentages, dates as Excel dates), so
the manager can keep working in Excel. Every sheet has a frozen header row, an autofilter and column
widths fitted to the content.

No cell is executable: text is only ever written with ``write_string`` (never ``write`` or
``write_formula``), always through ``safe_text``, which neutralises text that a spreadsheet would
read as a formula (see that function and docs/exports.md).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, is_dataclass
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from babel.numbers import get_currency_symbol
from xlsxwriter import Workbook  # type: ignore[import-untyped]
from xlsxwriter.format import Format  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from pac.engine.analysis import PlanAnalysis
from pac.engine.calendar import CalendarItem, ItemKind
from pac.engine.formatting import Formatter
from pac.engine.funnel import revenue_target
from pac.engine.labels import (
    ITEM_KIND_LABELS,
    STAGE_PLURALS,
    campaign_title,
    gettext_noop,
    label,
    language_code,
    week_title,
)
from pac.engine.model import RATE_METRICS, Action, Plan, Raci, Stage
from pac.engine.recurrence_words import describe
from pac.engine.workdays import IsoWeek
from pac.io.messages import catalogue

#: First characters that make Excel, LibreOffice or Google Sheets evaluate typed-in or imported text
#: (OWASP "CSV injection"), plus the full-width forms some input methods turn into formulas.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_text(value: str) -> str:
    """Text that no spreadsheet will run: a leading ``'`` is added when it starts like a formula.

    XlsxWriter's ``write_string`` already stores the text as a string cell, so Excel does not evaluate
    it on opening; the apostrophe protects the next step: a user who edits the cell and presses Enter,
    a copy into another sheet, a "save as CSV". Excel shows the apostrophe as part of the text
    (``'=HYPERLINK("http://evil","x")``), which also tells the reader the text was neutralised."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


#: Headers, sheet names and facts, in English; the catalogue translates them (``catalogue``).
LABELS: dict[str, str] = {
    "sheet_plan": gettext_noop("Plan"),
    "sheet_objectives": gettext_noop("Objectives"),
    "sheet_funnel": gettext_noop("Funnel"),
    "sheet_schedule": gettext_noop("Schedule"),
    "sheet_capacity": gettext_noop("Capacity"),
    "sheet_diagnostics": gettext_noop("Diagnostics"),
    "sheet_actions": gettext_noop("Actions"),
    "sheet_raci": gettext_noop("RACI"),
    "sheet_calendar": gettext_noop("Calendar"),
    "sheet_priorities": gettext_noop("Priorities"),
    "field": gettext_noop("Field"),
    "value": gettext_noop("Value"),
    "name": gettext_noop("Name"),
    "start": gettext_noop("Start"),
    "end": gettext_noop("End"),
    "days": gettext_noop("Days"),
    "currency": gettext_noop("Currency"),
    "country": gettext_noop("Country"),
    "timezone": gettext_noop("Time zone"),
    "fiscal_year_start": gettext_noop("Fiscal year starts (month)"),
    "revenue_target": gettext_noop("Revenue target"),
    "average_deal": gettext_noop("Average deal"),
    "wins_needed": gettext_noop("Wins needed"),
    "lead_time": gettext_noop("Lead time from lead to won (days)"),
    "budget": gettext_noop("Budget"),
    "actions_budget": gettext_noop("Actions budget"),
    "actions_hours": gettext_noop("Actions hours"),
    "id": gettext_noop("ID"),
    "metric": gettext_noop("Metric"),
    "target": gettext_noop("Target"),
    "per": gettext_noop("Period"),
    "deadline": gettext_noop("Deadline"),
    "segment": gettext_noop("Segment"),
    "stage": gettext_noop("Stage"),
    "volume": gettext_noop("Volume"),
    "rate": gettext_noop("Conversion rate"),
    "days_to_won": gettext_noop("Days to won"),
    "before_volume": gettext_noop("Of which before the start"),
    "week": gettext_noop("Week"),
    "monday": gettext_noop("Monday"),
    "before_start": gettext_noop("Before the start (pipeline to build)"),
    "role": gettext_noop("Role"),
    "headcount": gettext_noop("Headcount"),
    "hours_per_week": gettext_noop("Hours per week"),
    "hours_needed": gettext_noop("Hours needed"),
    "hours_available": gettext_noop("Hours available"),
    "utilisation": gettext_noop("Utilisation rate"),
    "peak": gettext_noop("Weekly peak"),
    "weeks_over": gettext_noop("Weeks over capacity"),
    "headcount_needed": gettext_noop("Headcount needed"),
    "hours_before": gettext_noop("Hours before the start"),
    "severity": gettext_noop("Severity"),
    "code": gettext_noop("Code"),
    "message": gettext_noop("Message"),
    "type": gettext_noop("Type"),
    "owner": gettext_noop("Owner"),
    "channel": gettext_noop("Channel"),
    "accounts": gettext_noop("Accounts"),
    "persona": gettext_noop("Persona"),
    "expected": gettext_noop("Expected outcome"),
    "expected_of": gettext_noop("Stage or metric"),
    "objective": gettext_noop("Objective"),
    "hours": gettext_noop("Hours"),
    "status": gettext_noop("Status"),
    "kpi": gettext_noop("KPI"),
    "row_kind": gettext_noop("Row"),
    "row_action": gettext_noop("Action"),
    "row_governance": gettext_noop("Governance"),
    "activity": gettext_noop("Activity"),
    "date": gettext_noop("Date"),
    "time": gettext_noop("Time"),
    "minutes": gettext_noop("Length (min)"),
    "title": gettext_noop("Title"),
    "ref": gettext_noop("Ref"),
    "people": gettext_noop("People"),
    "offset": gettext_noop("Days before the event"),
    "rrule": gettext_noop("Recurrence"),
    "moved_from": gettext_noop("Moved from"),
    "yes": gettext_noop("yes"),
    "no": gettext_noop("no"),
}

# Cell kinds: how a value is written and formatted.
TEXT, INT, NUMBER, MONEY, PERCENT, DATE, TIME = "text", "int", "number", "money", "percent", "date", "time"


@dataclass(frozen=True)
class Typed:
    """A value with its own cell kind, for columns whose rows differ (the Plan facts, the targets)."""

    value: object
    kind: str


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: float | None = None  # fitted to the content when None


class _Writer:
    """Writes typed tables into worksheets with the workbook's formats; the only place cells are
    written, so every text goes through ``safe_text`` and ``write_string``."""

    MIN_WIDTH, MAX_WIDTH = 6.0, 60.0

    def __init__(self, workbook: Workbook, language: str, currency: str) -> None:
        self.workbook = workbook
        translate = catalogue(language)
        self.yes_no = (translate(LABELS["yes"]), translate(LABELS["no"]))
        symbol = get_currency_symbol(currency, locale=language).replace('"', "")
        self.num_formats = {
            INT: "#,##0",
            NUMBER: "#,##0.0",
            MONEY: f'#,##0 "{symbol}"' if language == "fr" else f'"{symbol}"#,##0',
            PERCENT: "0.0%",
            DATE: "dd/mm/yyyy" if language == "fr" else "yyyy-mm-dd",
            TIME: "hh:mm",
        }
        self._formats: dict[tuple[str, str], Format] = {}
        self.header = workbook.add_format(
            {
                "bold": True,
                "bg_color": "#1F4E79",
                "font_color": "#FFFFFF",
                "text_wrap": True,
                "valign": "top",
                "border": 1,
            }
        )

    def format(self, kind: str, variant: str = "") -> Format:
        """The cell format of a kind: plain, ``wrap`` (long text) or ``emphasis`` (a summary row)."""
        key = (kind, variant)
        if key not in self._formats:
            properties: dict[str, object] = {"valign": "top"}
            if kind in self.num_formats:
                properties["num_format"] = self.num_formats[kind]
            if variant == "wrap":
                properties["text_wrap"] = True
            elif variant == "emphasis":
                properties.update(italic=True, bg_color="#FCE4D6")
            self._formats[key] = self.workbook.add_format(properties)
        return self._formats[key]

    def cell(self, sheet: Worksheet, row: int, col: int, value: object, kind: str, variant: str = "") -> int:
        """Write one cell; returns the width its content needs."""
        if isinstance(value, Typed):
            kind = value.kind
            value = value.value
        fmt = self.format(kind, variant)
        if value is None or value == "":
            sheet.write_blank(row, col, None, fmt)
            return 0
        if isinstance(value, Enum):
            value = value.value
        if isinstance(value, bool):
            value = self.yes_no[0] if value else self.yes_no[1]
        if kind in (INT, NUMBER, MONEY, PERCENT) and isinstance(value, int | float | Decimal):
            sheet.write_number(row, col, float(value), fmt)
            return 14 if kind == MONEY else 10
        if kind in (DATE, TIME) and isinstance(value, dt.date | dt.time):
            sheet.write_datetime(row, col, value, fmt)
            return 11
        return self.text(sheet, row, col, str(value), fmt)

    @staticmethod
    def text(sheet: Worksheet, row: int, col: int, value: str, fmt: Format) -> int:
        """The one place text reaches a sheet: neutralised, and always a string cell."""
        text = safe_text(value)
        sheet.write_string(row, col, text, fmt)
        return max((len(line) for line in text.splitlines()), default=0)

    def table(
        self,
        sheet: Worksheet,
        columns: Sequence[Column],
        rows: Iterable[Sequence[object]],
        *,
        freeze_cols: int = 0,
        emphasise: Callable[[int], bool] = lambda _: False,
    ) -> int:
        """Header row, typed rows, frozen header (and ``freeze_cols`` columns), autofilter, widths."""
        widths = [len(c.header) for c in columns]
        for col, column in enumerate(columns):
            self.text(sheet, 0, col, column.header, self.header)
        count = 0
        for index, values in enumerate(rows):
            count += 1
            for col, (column, value) in enumerate(zip(columns, values, strict=True)):
                variant = "emphasis" if emphasise(index) else "wrap" if column.width is not None else ""
                widths[col] = max(widths[col], self.cell(sheet, count, col, value, column.kind, variant))
        for col, column in enumerate(columns):
            width = column.width or min(self.MAX_WIDTH, max(self.MIN_WIDTH, widths[col] * 1.1 + 2))
            sheet.set_column(col, col, width)
        sheet.set_row(0, 30)
        sheet.freeze_panes(1, freeze_cols)
        sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
        return count


#: The typed-table writer, for other workbooks that must write cells the same safe way (the review pack's).
SheetWriter = _Writer


def _target_kind(metric: str | None) -> str:
    if metric in ("revenue", "average_deal"):
        return MONEY
    if metric in RATE_METRICS:
        return PERCENT
    return INT


class _PlanWorkbook:
    def __init__(self, plan: Plan, analysis: PlanAnalysis, items: Sequence[CalendarItem], language: str) -> None:
        self.plan, self.analysis, self.items = plan, analysis, items
        self.language = language
        self.translate = catalogue(language)
        self.labels = {key: self.translate(text) for key, text in LABELS.items()}

    def code(self, value: StrEnum | None) -> str | None:
        """A code's label in the workbook's language: stages by their volumes' name (« Signatures »)."""
        if value is None:
            return None
        if isinstance(value, Stage):
            text = self.translate(STAGE_PLURALS[value])
            return text[:1].upper() + text[1:]
        if isinstance(value, ItemKind):
            return self.translate(ITEM_KIND_LABELS[value.value])
        return self.translate(label(value))

    def segment_name(self, segment: str | None) -> str | None:
        """A segment by its name (« SaaS mid-market »): its id is the plan file's."""
        return next((s.name for s in self.plan.segments if s.id == segment), segment)

    @property
    def account_names(self) -> dict[str, str]:
        return {a.id: a.name for a in self.plan.accounts}

    def objective_name(self, objective: str | None) -> str | None:
        """An objective by what it measures and its segment (« Démos »), as the pages name it."""
        found = next((o for o in self.plan.objectives if o.id == objective), None)
        if found is None or found.metric is None:
            return objective
        name = self.code(found.metric) or objective
        segment = self.segment_name(found.segment)
        return f"{name} · {segment}" if segment else name

    def item_title(self, item: CalendarItem) -> str:
        """The item's title in the workbook's language, as the calendar feed words it: a campaign by how long
        before its event it runs (« J-30 · Salon »), a weekly milestone by its volumes (« 80 leads, 1 signature »)."""
        if item.kind is ItemKind.CAMPAIGN and item.offset_days is not None:
            return campaign_title(item.title, item.offset_days, self.translate)
        if item.volumes:
            number = Formatter(self.language, self.plan.currency).number
            return week_title(str(IsoWeek.of(item.date).week), item.volumes, number, self.translate)
        return item.title

    def headers(self, *specs: tuple[str, str] | tuple[str, str, float]) -> list[Column]:
        return [Column(self.labels[spec[0]], spec[1], spec[2] if len(spec) == 3 else None) for spec in specs]

    def sheet_plan(self, out: _Writer, sheet: Worksheet) -> None:
        plan, funnel = self.plan, self.analysis.funnel
        revenue = funnel.revenue_target if funnel else revenue_target(plan)
        facts: list[tuple[str, object, str]] = [
            ("name", plan.name, TEXT),
            ("start", plan.start, DATE),
            ("end", plan.end, DATE),
            ("days", plan.days, INT),
            ("currency", plan.currency, TEXT),
            ("country", plan.country, TEXT),
            ("timezone", plan.timezone, TEXT),
            ("fiscal_year_start", plan.fiscal_year_start, INT),
            ("revenue_target", revenue, MONEY),
            ("average_deal", plan.average_deal, MONEY),
            ("wins_needed", funnel.won if funnel else None, INT),
            ("lead_time", funnel.lead_time_days if funnel else None, INT),
            ("budget", plan.budget, MONEY),
            ("actions_budget", sum((a.budget for a in plan.actions), Decimal(0)), MONEY),
            ("actions_hours", sum((a.hours for a in plan.actions), Decimal(0)), NUMBER),
        ]
        out.table(
            sheet,
            self.headers(("field", TEXT), ("value", TEXT)),
            [(self.labels[key], Typed(value, kind)) for key, value, kind in facts],
        )

    def sheet_objectives(self, out: _Writer, sheet: Worksheet) -> None:
        rows = [
            (
                o.id,
                self.code(o.metric),
                Typed(o.target, _target_kind(o.metric.value if o.metric else None)),
                self.code(o.per),
                o.deadline,
                self.segment_name(o.segment),
            )
            for o in self.plan.objectives
        ]
        out.table(
            sheet,
            self.headers(
                ("id", TEXT), ("metric", TEXT), ("target", INT), ("per", TEXT), ("deadline", DATE), ("segment", TEXT)
            ),
            rows,
        )

    def sheet_funnel(self, out: _Writer, sheet: Worksheet) -> None:
        funnel, schedule = self.analysis.funnel, self.analysis.schedule
        before = schedule.before_plan() if schedule else {}
        rows = [
            (self.code(s.stage), s.volume, s.rate, s.days_to_won, before.get(s.stage, 0))
            for s in (funnel.stages if funnel else ())
        ]
        out.table(
            sheet,
            self.headers(
                ("stage", TEXT), ("volume", INT), ("rate", PERCENT), ("days_to_won", INT), ("before_volume", INT)
            ),
            rows,
        )

    def sheet_schedule(self, out: _Writer, sheet: Worksheet) -> None:
        funnel, schedule = self.analysis.funnel, self.analysis.schedule
        stages = [s.stage for s in funnel.stages] if funnel else []
        columns = [*self.headers(("week", TEXT), ("monday", DATE)), *(Column(self.code(s) or "", INT) for s in stages)]
        rows: list[list[object]] = []
        before = schedule.before_plan() if schedule else {}
        if before:
            rows.append([self.labels["before_start"], None, *(before.get(s, 0) for s in stages)])
        if schedule is not None:
            rows += [
                [week.label, week.monday, *(schedule.volume(week, s, False) for s in stages)]
                for week in schedule.plan_weeks
            ]
        out.table(sheet, columns, rows, freeze_cols=1, emphasise=lambda i: bool(before) and i == 0)

    def sheet_capacity(self, out: _Writer, sheet: Worksheet) -> None:
        rows = [
            (
                rc.role.upper(),
                rc.headcount,
                rc.hours_per_week,
                rc.hours_needed,
                rc.hours_available,
                rc.utilisation,
                rc.peak_utilisation,
                len(rc.weeks_over_capacity),
                rc.headcount_needed,
                rc.hours_before_plan,
            )
            for rc in self.analysis.capacity
        ]
        out.table(
            sheet,
            self.headers(
                ("role", TEXT),
                ("headcount", INT),
                ("hours_per_week", NUMBER),
                ("hours_needed", NUMBER),
                ("hours_available", NUMBER),
                ("utilisation", PERCENT),
                ("peak", PERCENT),
                ("weeks_over", INT),
                ("headcount_needed", INT),
                ("hours_before", NUMBER),
            ),
            rows,
        )

    def sheet_diagnostics(self, out: _Writer, sheet: Worksheet) -> None:
        formatter = Formatter(self.language, self.plan.currency)
        translate = self.translate
        rows = [(self.code(d.severity), d.code, d.message(formatter, translate)) for d in self.analysis.diagnostics]
        out.table(sheet, self.headers(("severity", TEXT), ("code", TEXT), ("message", TEXT, 100)), rows)

    def _action_row(self, a: Action) -> list[object]:
        expected = a.expected
        expected_of = None
        if expected is not None:
            expected_of = self.code(expected.stage) if expected.stage else expected.metric
        return [
            a.id,
            a.name,
            self.code(a.type),
            a.owner,
            a.role.value.upper() if a.role else None,
            a.start,
            a.end,
            self.code(a.channel),
            self.segment_name(a.segment),
            ", ".join(self.account_names.get(x, x) for x in a.accounts) or None,
            a.persona,
            expected.volume if expected else None,
            expected_of,
            self.objective_name(expected.objective) if expected else None,
            a.budget,
            a.hours,
            self.code(a.status),
            a.kpi,
            a.message or None,
        ]

    def sheet_actions(self, out: _Writer, sheet: Worksheet) -> None:
        columns = self.headers(
            ("id", TEXT),
            ("name", TEXT),
            ("type", TEXT),
            ("owner", TEXT),
            ("role", TEXT),
            ("start", DATE),
            ("end", DATE),
            ("channel", TEXT),
            ("segment", TEXT),
            ("accounts", TEXT),
            ("persona", TEXT),
            ("expected", INT),
            ("expected_of", TEXT),
            ("objective", TEXT),
            ("budget", MONEY),
            ("hours", NUMBER),
            ("status", TEXT),
            ("kpi", TEXT),
            ("message", TEXT, 50),
        )
        out.table(sheet, columns, [self._action_row(a) for a in self.plan.actions], freeze_cols=2)

    def sheet_raci(self, out: _Writer, sheet: Worksheet) -> None:
        entries: list[tuple[str, str, str, Raci]] = [
            (self.labels["row_action"], a.id, a.name, a.raci) for a in self.plan.actions if a.raci is not None
        ]
        entries += [(self.labels["row_governance"], "", g.activity, g.raci) for g in self.plan.raci]
        people: list[str] = []
        for *_, raci in entries:
            people += [p for p in raci.people if p not in people]
        columns = [
            *self.headers(("row_kind", TEXT), ("id", TEXT), ("activity", TEXT)),
            *(Column(person, TEXT) for person in people),
        ]
        rows = [
            [kind, ref or None, title, *(raci.letters(p) or None for p in people)] for kind, ref, title, raci in entries
        ]
        out.table(sheet, columns, rows, freeze_cols=3)

    def sheet_calendar(self, out: _Writer, sheet: Worksheet) -> None:
        items = sorted(self.items, key=lambda i: (i.date, i.at or dt.time(), i.kind.value, i.ref))
        rows = [
            (
                i.date,
                i.end,
                i.at,
                i.minutes,
                self.code(i.kind),
                self.item_title(i),
                i.ref,
                i.owner,
                ", ".join(i.people) or None,
                i.offset_days,
                i.moved_from,
                describe(i.rrule, self.translate, self.language) if i.rrule else None,  # in words, not FREQ=…
            )
            for i in items
        ]
        out.table(
            sheet,
            self.headers(
                ("date", DATE),
                ("end", DATE),
                ("time", TIME),
                ("minutes", INT),
                ("type", TEXT),
                ("title", TEXT),
                ("ref", TEXT),
                ("owner", TEXT),
                ("people", TEXT),
                ("offset", INT),
                ("moved_from", DATE),
                ("rrule", TEXT),
            ),
            rows,
            freeze_cols=1,
        )


def _records(priorities: Any) -> list[dict[str, object]]:
    """Rows of the provisional Priorités sheet: dataclass instances or mappings, one per row."""
    rows: list[dict[str, object]] = []
    for entry in priorities:
        if is_dataclass(entry) and not isinstance(entry, type):
            rows.append(asdict(entry))
        elif isinstance(entry, Mapping):
            rows.append(dict(entry))
        else:
            raise TypeError(f"priorities rows must be dataclasses or mappings, not {type(entry).__name__}")
    return rows


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return TEXT
    if isinstance(value, int | float | Decimal):
        return NUMBER
    if isinstance(value, dt.date):
        return DATE
    return TEXT


def plan_workbook(
    plan: Plan, analysis: PlanAnalysis, items: Sequence[CalendarItem], *, language: str = "fr", priorities: Any = None
) -> bytes:
    """The plan as an .xlsx file (bytes): Plan, Objectifs, Entonnoir, Planning, Capacité, Diagnostics,
    Actions, RACI, Calendrier (English names with ``language="en"``).

    ``priorities`` is a hook for the ranking of ``pac.engine.priorities``: when given, an iterable of
    rows (dataclasses or mappings) written to a "Priorités" sheet after "Actions", one column per
    field; skipped when None."""
    language = language_code(language)
    translate = catalogue(language)
    labels = {key: translate(text) for key, text in LABELS.items()}
    buffer = io.BytesIO()
    workbook = Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    workbook.set_properties({"title": safe_text(plan.name), "subject": "PAC", "comments": "PAC export"})
    out = _Writer(workbook, language, plan.currency)
    book = _PlanWorkbook(plan, analysis, items, language)
    sheets: list[tuple[str, Callable[[_Writer, Worksheet], None]]] = [
        ("sheet_plan", book.sheet_plan),
        ("sheet_objectives", book.sheet_objectives),
        ("sheet_funnel", book.sheet_funnel),
        ("sheet_schedule", book.sheet_schedule),
        ("sheet_capacity", book.sheet_capacity),
        ("sheet_diagnostics", book.sheet_diagnostics),
        ("sheet_actions", book.sheet_actions),
    ]
    if priorities is not None:
        records = _records(priorities)
        keys = list(dict.fromkeys(k for r in records for k in r))

        def sheet_priorities(writer: _Writer, sheet: Worksheet) -> None:
            sample = {k: next((r[k] for r in records if r.get(k) is not None), None) for k in keys}
            writer.table(
                sheet, [Column(k, _kind_of(sample[k])) for k in keys], [[r.get(k) for k in keys] for r in records]
            )

        sheets.append(("sheet_priorities", sheet_priorities))
    sheets += [("sheet_raci", book.sheet_raci), ("sheet_calendar", book.sheet_calendar)]
    for key, fill in sheets:
        fill(out, workbook.add_worksheet(labels[key]))
    workbook.close()
    return buffer.getvalue()
