"""Files built to break the reader — a zip bomb, a cell of megabytes, a row of thousands of columns, a
NUL, an Excel error cell — are refused with their place, quickly, in little memory, and what a report
keeps of them stays small."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]

from pac.io.crm import ImportRead, Problem, read_import, write_report_csv
from pac.io.crm.limits import MAX_CELL_CHARS, MAX_COLUMNS
from tests.io.crm.xlsx_files import SHEET_END, SHEET_START, bomb_sheet, cells_row, text_cell, write_xlsx

ROOT = Path(__file__).resolve().parents[3]
HEADER = "external_id,outcome,amount\r\n"
GIB = 1 << 30


def only_error(read: ImportRead) -> Problem:
    assert not read.ok
    [problem] = read.report.errors
    return problem


def test_an_xlsx_bomb_of_1_mb_expanding_to_1_gib_is_refused_in_seconds_and_little_memory(tmp_path: Path) -> None:
    bomb = write_xlsx(tmp_path / "bomb.xlsx", bomb_sheet(GIB))
    assert bomb.stat().st_size < 2 * 1024**2
    # measured in a process of its own: its peak memory is the import's, not the test session's
    script = (
        "import json, resource, sys, time\n"
        "from pathlib import Path\n"
        # the peak of this process's own memory: VmHWM, not ru_maxrss, which keeps the parent's peak across
        # fork and exec (the test session's hundreds of MB)
        "def peak_mb():\n"
        "    for line in Path('/proc/self/status').read_text().splitlines():\n"
        "        if line.startswith('VmHWM:'):\n"
        "            return int(line.split()[1]) / 1024\n"
        "    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "from pac.io.crm import read_import\n"
        "start = time.perf_counter()\n"
        "read = read_import(Path(sys.argv[1]), 'opportunities')\n"
        "print(json.dumps({'seconds': time.perf_counter() - start, "
        "'peak_mb': peak_mb(), "
        "'problems': [str(p) for p in read.report.problems]}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", script, str(bomb)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout)
    assert measured["seconds"] < 10, measured
    assert measured["peak_mb"] < 300, measured
    assert measured["problems"] == [
        "bomb.xlsx: the part xl/worksheets/sheet1.xml of the workbook expands 1009 times its compressed size "
        "(at most 100): this is not a spreadsheet export"
    ]


def test_a_directory_that_lies_about_a_part_size_does_not_get_it_read(tmp_path: Path) -> None:
    bomb = write_xlsx(tmp_path / "bomb.xlsx", bomb_sheet(GIB), declared={"xl/worksheets/sheet1.xml": 50_000})
    start = time.perf_counter()
    problem = only_error(read_import(bomb, "opportunities"))
    assert time.perf_counter() - start < 10
    assert problem.line is None and problem.code == "xlsx"
    assert "not a readable XLSX workbook" in str(problem)


def test_shared_strings_bomb_is_refused(tmp_path: Path) -> None:
    sheet = [SHEET_START + cells_row(1, '<c r="A1" t="s"><v>0</v></c>') + SHEET_END]
    strings = ['<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>', *bomb_sheet(GIB)]
    problem = only_error(read_import(write_xlsx(tmp_path / "s.xlsx", sheet, strings=strings), "opportunities"))
    assert "xl/sharedStrings.xml" in str(problem) and "expands" in str(problem)


def random_text(size: int) -> str:
    """Text that does not compress (a real note, not a bomb): hex of random bytes."""
    return os.urandom(size // 2).hex()


def test_a_cell_of_megabytes_is_refused_while_the_xml_is_read(tmp_path: Path) -> None:
    sheet = [SHEET_START, cells_row(1, text_cell("A1", "external_id")), '<row r="2"><c r="A2" t="inlineStr"><is><t>']
    sheet += [random_text(4 << 20), "</t></is></c></row>", SHEET_END]
    problem = only_error(read_import(write_xlsx(tmp_path / "long.xlsx", sheet), "opportunities"))
    assert problem.code == "xlsx_bounds" and problem.line == 2
    assert f"a cell of more than {MAX_CELL_CHARS} characters" in str(problem)


def test_a_cell_over_the_limit_is_refused_with_its_place_and_kept_as_an_excerpt(tmp_path: Path) -> None:
    long = random_text(200_000)
    sheet = [
        SHEET_START,
        cells_row(1, text_cell("A1", "external_id"), text_cell("B1", "name"), text_cell("C1", "outcome")),
    ]
    sheet += [cells_row(2, text_cell("A2", "D1"), text_cell("B2", long), text_cell("C2", "won")), SHEET_END]
    read = read_import(write_xlsx(tmp_path / "long.xlsx", sheet), "opportunities")
    problem = only_error(read)
    assert (problem.line, problem.column, problem.code) == (2, "name", "cell_too_long")
    assert problem.value == long[:80] + "…" and problem.length == 200_000
    assert str(problem).startswith(f"long.xlsx:2: name: '{long[:80]}… (200000 characters)' — a cell of more than")
    text = io.StringIO()
    write_report_csv(read.report, text)
    assert len(text.getvalue()) < 1000 and "… (200000 characters)" in text.getvalue()


@pytest.mark.parametrize(("size", "column"), [(MAX_CELL_CHARS + 1, "outcome"), (20 * MAX_CELL_CHARS, "")])
def test_a_csv_cell_over_the_limit_is_refused_on_its_line(tmp_path: Path, size: int, column: str) -> None:
    """Named with its column; one so long that the CSV reader itself stops (1 MiB characters) on its line."""
    path = tmp_path / "long.csv"
    path.write_text(HEADER + "D1,won,1\r\n" + f'D2,"{"x" * size}",1\r\n', encoding="utf-8")
    problem = only_error(read_import(path, "opportunities"))
    assert (problem.line, problem.column) == (3, column)
    assert f"a cell of more than {MAX_CELL_CHARS} characters" in str(problem)


def test_a_too_long_value_is_stored_as_an_excerpt_in_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    rows = "".join(f"D{n},{'z' * 100_000},1\r\n" for n in range(50))
    path.write_text(HEADER + rows, encoding="utf-8")
    read = read_import(path, "opportunities")
    assert read.report.counts[("error", "invalid")] == 50 or read.report.error_count == 50
    assert all(len(p.value) <= 81 and p.length == 100_000 for p in read.report.problems)


def test_too_many_columns_are_refused_in_a_csv_and_an_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{n}" for n in range(MAX_COLUMNS + 1)) + "\r\n1\r\n", encoding="utf-8")
    assert only_error(read_import(path, "opportunities")).code == "too_wide"
    row = "".join(text_cell(f"A{n}", "x").replace('r="A', f'r="{_letters(n)}') for n in range(1, MAX_COLUMNS + 2))
    sheet = [SHEET_START, f'<row r="1">{row}</row>', SHEET_END]
    problem = only_error(read_import(write_xlsx(tmp_path / "wide.xlsx", sheet), "opportunities"))
    assert (problem.code, problem.line) == ("too_wide", 1)


def test_an_empty_cell_formatted_far_right_does_not_make_a_row_too_wide(tmp_path: Path) -> None:
    sheet = [SHEET_START, cells_row(1, text_cell("A1", "external_id"), text_cell("B1", "outcome"))]
    sheet += [cells_row(2, text_cell("A2", "D1"), text_cell("B2", "won"), '<c r="XFD2" s="0"/>'), SHEET_END]
    read = read_import(write_xlsx(tmp_path / "far.xlsx", sheet), "opportunities")
    assert read.ok, read.report.problems
    assert [r.external_id for r in read.records()] == ["D1"]


def test_a_sheet_beyond_excels_last_line_is_refused(tmp_path: Path) -> None:
    sheet = [SHEET_START, cells_row(1, text_cell("A1", "external_id"), text_cell("B1", "outcome"))]
    sheet += [cells_row(1_048_577, text_cell("A1048577", "D1"), text_cell("B1048577", "won")), SHEET_END]
    start = time.perf_counter()
    problem = only_error(read_import(write_xlsx(tmp_path / "far.xlsx", sheet), "opportunities"))
    assert time.perf_counter() - start < 10
    assert (problem.code, problem.line) == ("too_far", 1_048_577)


def _letters(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@pytest.mark.parametrize("error", ["#DIV/0!", "#N/A", "#REF!", "#VALUE!"])
def test_an_excel_error_cell_is_a_located_problem(tmp_path: Path, error: str) -> None:
    sheet = [
        SHEET_START,
        cells_row(1, *(text_cell(f"{c}1", t) for c, t in zip("ABC", HEADER.split(","), strict=False))),
    ]
    sheet[-1] = sheet[-1].replace("amount\r\n", "amount")
    sheet += [
        cells_row(2, text_cell("A2", "D1"), text_cell("B2", "won"), f'<c r="C2" t="e"><f>1/0</f><v>{error}</v></c>')
    ]
    sheet += [cells_row(3, text_cell("A3", "D2"), text_cell("B3", "won"), '<c r="C3"><v>12</v></c>'), SHEET_END]
    read = read_import(write_xlsx(tmp_path / "errors.xlsx", sheet), "opportunities")
    problem = only_error(read)
    assert (problem.line, problem.column, problem.code, problem.value) == (2, "amount", "excel_error", error)
    assert str(problem).endswith(f"an Excel error cell ({error}): correct its formula in the workbook, or empty it")
    assert read.report.rows_read == 2 and read.report.rows_rejected == 1


def test_an_excel_error_in_a_number_cell_without_its_type_is_refused_on_its_line(tmp_path: Path) -> None:
    sheet = [
        SHEET_START,
        cells_row(1, text_cell("A1", "external_id"), text_cell("B1", "outcome"), text_cell("C1", "amount")),
    ]
    sheet += [cells_row(2, text_cell("A2", "D1"), text_cell("B2", "won"), '<c r="C2"><v>#DIV/0!</v></c>'), SHEET_END]
    problem = only_error(read_import(write_xlsx(tmp_path / "untyped.xlsx", sheet), "opportunities"))
    assert (problem.line, problem.code, problem.value) == (2, "excel_error", "#DIV/0!")


def test_an_excel_error_saved_in_a_csv_is_a_located_problem(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(HEADER + "D1,won,#DIV/0!\r\nD2,#N/A,3\r\n", encoding="utf-8")
    read = read_import(path, "opportunities")
    assert [(p.line, p.column, p.code) for p in read.report.errors] == [
        (2, "amount", "excel_error"),
        (3, "outcome", "excel_error"),
    ]


def test_a_nul_in_a_cell_is_refused_with_its_place_and_shown(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_bytes((HEADER + "D1,won,1\r\nD2,won,1\r\n").replace("D2", "D\x002").encode())
    problem = only_error(read_import(path, "opportunities"))
    assert (problem.line, problem.column, problem.code, problem.value) == (3, "external_id", "nul", "D␀2")
    assert "a NUL character" in str(problem)


def test_a_nul_in_a_column_the_import_does_not_read_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_bytes(b"external_id,outcome,ignored\r\nD1,won,a\x00b\r\n")
    read = read_import(path, "opportunities")
    assert read.ok and [r.external_id for r in read.records()] == ["D1"]


def test_an_xlsx_written_by_openpyxl_still_reads(tmp_path: Path) -> None:
    """The bounded archive reads what the bounds do not touch: a workbook with shared strings and styles."""
    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "outcome", "amount"])
    for n in range(2_000):
        sheet.append([f"D{n}", "won", n])
    book.save(tmp_path / "deals.xlsx")
    read = read_import(tmp_path / "deals.xlsx", "opportunities")
    assert read.ok and sum(1 for _ in read.records()) == 2_000


def test_a_date_that_is_possible_but_unlikely_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    ahead = dt.date.today().year + 11
    path.write_text(
        "external_id,outcome,account,amount,created,closed\r\n"
        "D1,won,A,1,1926-03-02,2026-03-04\r\n"  # 1926 for 2026
        f"D2,won,A,1,2026-03-02,{ahead}-03-04\r\n"
        "D3,won,A,1,2026-03-02,2026-03-05\r\n"
        "D4,won,A,1,2026-03-02,9999-12-31\r\n",  # a « no date » placeholder: refused, as before
        encoding="utf-8",
    )
    read = read_import(path, "opportunities")
    warned = [(p.line, p.column, p.code) for p in read.report.warnings if p.code == "unlikely_date"]
    assert warned == [(2, "created", "unlikely_date"), (3, "closed", "unlikely_date")]
    assert "before 1990 or more than 10 years ahead" in str(read.report.warnings[0])
    assert [(p.line, p.column) for p in read.report.errors] == [(5, "closed")]
