"""The .xlsx export, opened with openpyxl (XlsxWriter wrote it)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pac.engine.analysis import PlanAnalysis, analyse
from pac.engine.calendar import CalendarItem
from pac.engine.model import Plan
from pac.io.xlsx import plan_workbook, safe_text
from tests.io.conftest import FORMULA_PAYLOADS

SHEETS = {
    "fr": ["Plan", "Objectifs", "Entonnoir", "Planning", "Capacité", "Diagnostics", "Actions", "RACI", "Calendrier"],
    "en": ["Plan", "Objectives", "Funnel", "Schedule", "Capacity", "Diagnostics", "Actions", "RACI", "Calendar"],
}


def load(data: bytes) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def rows(sheet: Worksheet) -> list[list[object]]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def column(sheet: Worksheet, header: str) -> int:
    """1-based index of the column with this header."""
    return next(c.column for c in sheet[1] if c.value == header)


def find_row(sheet: Worksheet, first_value: object) -> int:
    return next(r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value == first_value)


def find_row_by(sheet: Worksheet, header: str, value: object) -> int:
    col = column(sheet, header)
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, col).value == value)


@pytest.fixture
def workbook(demo_plan: Plan, demo_analysis: PlanAnalysis, calendar_items: list[CalendarItem]) -> Workbook:
    return load(plan_workbook(demo_plan, demo_analysis, calendar_items))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_has_one_sheet_per_view(
    language: str, demo_plan: Plan, demo_analysis: PlanAnalysis, calendar_items: list[CalendarItem]
) -> None:
    book = load(plan_workbook(demo_plan, demo_analysis, calendar_items, language=language))

    assert book.sheetnames == SHEETS[language]
    assert book["Plan"]["A1"].value == ("Champ" if language == "fr" else "Field")


def test_it_freezes_the_header_row_and_filters_every_sheet(workbook: Workbook) -> None:
    for sheet in workbook:
        assert sheet.freeze_panes is not None and sheet.freeze_panes.endswith("2"), sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert all(cell.font.b for cell in sheet[1]), sheet.title
    assert workbook["Planning"].freeze_panes == "B2"  # the week column stays in view too
    assert workbook["RACI"].freeze_panes == "D2"


def test_it_writes_money_in_the_plan_currency(workbook: Workbook) -> None:
    plan_sheet = workbook["Plan"]
    target = plan_sheet.cell(find_row(plan_sheet, "Objectif de chiffre d'affaires"), 2)
    actions = workbook["Actions"]
    budget = actions.cell(find_row(actions, "abm-strategiques"), column(actions, "Budget"))

    assert (target.value, target.number_format) == (1000000, '#,##0 "€"')
    assert (budget.value, budget.number_format) == (6000, '#,##0 "€"')
    assert budget.data_type == "n"


def test_it_writes_money_in_english_and_other_currencies(demo_plan: Plan, demo_analysis: PlanAnalysis) -> None:
    dollars = dataclasses.replace(demo_plan, currency="USD")

    book = load(plan_workbook(dollars, analyse(dollars), [], language="en"))

    sheet = book["Plan"]
    assert sheet.cell(find_row(sheet, "Average deal"), 2).number_format == '"$"#,##0'


def test_it_writes_rates_as_real_percentages(workbook: Workbook) -> None:
    funnel = workbook["Entonnoir"]
    rate = funnel.cell(find_row(funnel, "Leads"), column(funnel, "Taux de conversion"))
    capacity = workbook["Capacité"]
    utilisation = capacity.cell(find_row(capacity, "SDR"), column(capacity, "Taux d'occupation"))

    assert (rate.value, rate.number_format) == (0.25, "0.0%")
    assert utilisation.number_format == "0.0%" and 0 < utilisation.value < 1


def test_it_writes_dates_as_excel_dates(workbook: Workbook) -> None:
    actions = workbook["Actions"]
    row = find_row(actions, "seq-icp-q1")
    start = actions.cell(row, column(actions, "Début"))
    calendar = workbook["Calendrier"]
    first = calendar["A2"]
    review = calendar.cell(find_row_by(calendar, "Titre", "Revue pipeline"), column(calendar, "Heure"))

    assert start.is_date and start.value == dt.datetime(2027, 1, 4) and start.number_format == "dd/mm/yyyy"
    assert first.is_date and first.value == dt.datetime(2027, 1, 4)
    assert review.value == dt.time(9, 0) and review.number_format == "hh:mm"


def test_it_writes_the_english_date_format(demo_plan: Plan, demo_analysis: PlanAnalysis) -> None:
    sheet = load(plan_workbook(demo_plan, demo_analysis, [], language="en"))["Plan"]

    assert sheet.cell(find_row(sheet, "Start"), 2).number_format == "yyyy-mm-dd"


def test_it_writes_the_schedule_with_the_pipeline_before_the_start(
    workbook: Workbook, demo_analysis: PlanAnalysis
) -> None:
    sheet = workbook["Planning"]
    table = rows(sheet)
    header, before, weeks = table[0], table[1], table[2:]
    assert demo_analysis.funnel is not None and demo_analysis.schedule is not None
    stages = [s.stage for s in demo_analysis.funnel.stages]
    expected_before = demo_analysis.schedule.before_plan()

    assert header[:3] == ["Semaine", "Lundi", "Leads"]
    assert str(before[0]).startswith("Avant le démarrage")
    assert before[2:] == [expected_before.get(s, 0) for s in stages]
    assert len(weeks) == len(demo_analysis.schedule.plan_weeks)
    for index, stage in enumerate(stages, start=2):  # before + during = the stage's total
        assert before[index] + sum(w[index] for w in weeks) == demo_analysis.funnel.volume(stage)
    assert sheet["C2"].number_format == "#,##0"


def test_it_writes_the_funnel_and_the_diagnostics(workbook: Workbook, demo_analysis: PlanAnalysis) -> None:
    funnel = rows(workbook["Entonnoir"])
    diagnostics = rows(workbook["Diagnostics"])

    assert [r[1] for r in funnel[1:]] == [1340, 335, 134, 67, 20, 12]
    assert [r[1] for r in diagnostics[1:]] == [d.code for d in demo_analysis.diagnostics]
    assert any("pipeline doit déjà contenir" in str(r[2]) for r in diagnostics[1:])  # French catalogue


def test_it_writes_one_raci_row_per_action_and_governance_activity(workbook: Workbook, demo_plan: Plan) -> None:
    sheet = workbook["RACI"]

    def letter(first: object, person: str, by: int = 2) -> object:
        row = next(r[0].row for r in sheet.iter_rows(min_row=2) if r[by - 1].value == first)
        return sheet.cell(row, column(sheet, person)).value

    assert sheet.max_row == 1 + len([a for a in demo_plan.actions if a.raci]) + len(demo_plan.raci)
    assert letter("seq-icp-q1", "sami") == "R"
    assert letter("seq-icp-q1", "manon") == "A"
    assert letter("seq-icp-q1", "chloe") == "I"
    assert letter("salon-santexpo", "manon") == "R/A"
    assert letter("Revue pipeline", "alex", by=3) == "C"
    assert letter("demos-semaine", "chloe") is None


def test_it_writes_every_calendar_item(workbook: Workbook, calendar_items: list[CalendarItem]) -> None:
    sheet = workbook["Calendrier"]
    campaign = find_row_by(sheet, "Type", "Campagne")
    offset = sheet.cell(campaign, column(sheet, "Jours avant l'événement"))

    assert sheet.max_row == 1 + len(calendar_items)
    assert offset.value == 30


@pytest.mark.parametrize("payload", FORMULA_PAYLOADS)
def test_it_neutralises_text_that_looks_like_a_formula(payload: str, injected_plan: Plan) -> None:
    book = load(plan_workbook(injected_plan, analyse(injected_plan), []))
    actions = book["Actions"]

    name = payload.strip()  # the plan file keeps a name without the spaces (a tab) around it
    cell = actions.cell(find_row_by(actions, "Nom", "'" + name), column(actions, "Nom"))

    assert cell.data_type == "s"
    assert cell.value == "'" + name


@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_writes_no_formula_anywhere(language: str, injected_plan: Plan) -> None:
    data = plan_workbook(injected_plan, analyse(injected_plan), [], language=language)
    book = load(data)

    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    texts = [c.value for c in cells if c.data_type == "s"]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [t for t in texts if isinstance(t, str) and t[:1] in "=+-@\t\r"]
    assert '\'=HYPERLINK("http://evil","plan")' in texts  # the plan's own name
    assert "'-1+cmd" in texts  # a governance activity
    assert "'@SUM(A1)" in texts and "'+1+1" in texts  # the KPI and the message
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert not [s for s in sheets if re.search(r"<f[ >]", s)]


def test_it_prefixes_only_text_that_starts_like_a_formula() -> None:
    assert [safe_text(t) for t in FORMULA_PAYLOADS] == ["'" + t for t in FORMULA_PAYLOADS]
    assert safe_text("\r=1") == "'\r=1"
    assert safe_text("＝1+1") == "'＝1+1"
    assert safe_text("Revue = pipeline") == "Revue = pipeline"
    assert safe_text("taux ≥ 8 %") == "taux ≥ 8 %"
    assert safe_text("") == ""


def test_it_adds_the_priorities_sheet_only_when_given(demo_plan: Plan, demo_analysis: PlanAnalysis) -> None:
    @dataclasses.dataclass
    class Ranked:
        action: str
        score: Decimal
        selected: bool

    without = load(plan_workbook(demo_plan, demo_analysis, []))
    book = load(plan_workbook(demo_plan, demo_analysis, [], priorities=[Ranked("=evil()", Decimal("0.8"), True)]))

    assert "Priorités" not in without.sheetnames
    assert book.sheetnames.index("Priorités") == book.sheetnames.index("Actions") + 1
    assert rows(book["Priorités"]) == [["action", "score", "selected"], ["'=evil()", 0.8, "oui"]]


def test_it_handles_a_plan_without_funnel(demo_plan: Plan) -> None:
    bare = dataclasses.replace(demo_plan, steps=(), objectives=(), actions=(), raci=())

    book = load(plan_workbook(bare, analyse(bare), []))

    assert book.sheetnames == SHEETS["fr"]
    assert book["Entonnoir"].max_row == 1
    assert book["Diagnostics"].max_row > 1
    assert rows(book["Planning"]) == [["Semaine", "Lundi"]]  # no stage columns, no weeks
