"""Big files stream: memory does not grow with the file, progress is reported; XLSX reads like CSV."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import tracemalloc
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook  # type: ignore[import-untyped]

from pac.io.crm import OpportunityRecord, read_import

HEADER = "Deal - ID;Deal - Title;Deal - Value;Deal - Status;Deal - Organization;Deal - Won time;Deal - Notes\r\n"
PEAK_RSS = """
import resource, sys
from pathlib import Path
from pac.io.crm.tables import read_table
with Path(sys.argv[1]).open("rb") as stream:
    print(max(line for line, _ in read_table(stream, "deals.csv", print).rows))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def big_export(path: Path, rows: int, notes_width: int = 10) -> Path:
    notes = "x" * notes_width
    with path.open("w", encoding="cp1252", newline="") as stream:
        stream.write(HEADER)
        for i in range(rows):
            stream.write(
                f"{i};Affaire n°{i};{i % 9000 + 1000} {i % 1000:03d},50;{('won', 'lost', 'open')[i % 3]};"
                f"Société {i % 500};31/12/2026 10:00;{notes}\r\n"
            )
    return path


def peak_rss(path: Path) -> tuple[int, int]:
    """(last line read, peak resident memory in bytes) of a fresh process streaming ``path``'s rows."""
    out = subprocess.run([sys.executable, "-c", PEAK_RSS, str(path)], capture_output=True, text=True, check=True)
    last, peak = out.stdout.split()
    return int(last), int(peak)


def test_it_streams_200_000_rows_without_loading_the_file(tmp_path: Path) -> None:
    small = big_export(tmp_path / "small.csv", 1_000, notes_width=200)
    big = big_export(tmp_path / "big.csv", 200_000, notes_width=200)

    (_, baseline), (last, peak) = peak_rss(small), peak_rss(big)

    assert last == 200_001 and big.stat().st_size > 50_000_000
    assert peak - baseline < 5_000_000  # a 50 MB file costs no more memory than a 200 kB one


def test_it_imports_a_wide_file_holding_only_the_id_index_in_memory(tmp_path: Path) -> None:
    path = big_export(tmp_path / "deals.csv", 4_000, notes_width=5000)
    seen: list[int] = []

    tracemalloc.start()
    try:
        read = read_import(path, "opportunities", preset="pipedrive-deals", progress=seen.append)
        count = sum(1 for _ in read.records())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert read.ok and count == read.report.rows_read == 4_000
    assert path.stat().st_size > 20_000_000 and peak < 4_000_000  # a 20 MB file checked and read in < 4 MB
    assert seen[:2] == [1000, 2000] and seen[-1] == 4_000


def test_it_reads_a_pipe_it_cannot_seek_by_spooling_it(tmp_path: Path) -> None:
    path = big_export(tmp_path / "deals.csv", 10)
    cat = f"import sys; sys.stdout.buffer.write(open({str(path)!r}, 'rb').read())"
    process = subprocess.Popen([sys.executable, "-c", cat], stdout=subprocess.PIPE)
    assert process.stdout is not None

    with read_import(process.stdout, "opportunities", preset="pipedrive-deals", name="deals.csv") as read:
        records = list(read.records())
    process.wait()

    assert len(records) == 10 and read.report.file == "deals.csv"


def test_it_reads_an_xlsx_export_with_typed_cells(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date"])
    sheet.append([1001, "Acme", "Closed won", 1234.56, dt.datetime(2026, 12, 31, 14, 5), dt.datetime(2026, 10, 1)])
    sheet.append([1002, "Beta", "Closed lost", "1 000,50", "31/12/2026", "2026-09-01"])
    sheet.append([None, None, None, None, None, None])
    sheet.append([1003, "Gamma", "Qualified to buy", 7, None, dt.date(2026, 11, 5)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)

    read = read_import(buffer, "opportunities", preset="hubspot-deals", name="deals.xlsx")

    assert read.ok, [str(p) for p in read.report.errors]
    records = {r.external_id: r for r in read.records() if isinstance(r, OpportunityRecord)}
    assert (records["1001"].amount, records["1001"].closed, records["1001"].created) == (
        Decimal("1234.56"),
        dt.datetime(2026, 12, 31, 14, 5),
        dt.date(2026, 10, 1),
    )
    assert (records["1002"].outcome, records["1002"].amount) == ("lost", Decimal("1000.50"))
    assert (records["1003"].outcome, records["1003"].amount) == ("open", Decimal("7"))
    assert read.report.rows_read == 3


def test_it_points_at_the_xlsx_row_of_a_bad_cell(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Record ID", "Deal Stage", "Amount"])
    sheet.append([1, "Closed won", "beaucoup"])
    path = tmp_path / "deals.xlsx"
    workbook.save(path)

    read = read_import(path, "opportunities", preset="hubspot-deals")

    assert [str(p) for p in read.report.errors] == [
        "deals.xlsx:2: Amount: 'beaucoup' — not a number (expected e.g. 1 234,56 or 1234.56)"
    ]


def test_it_imports_without_loading_django() -> None:
    code = "import sys, pac.io.crm; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"
