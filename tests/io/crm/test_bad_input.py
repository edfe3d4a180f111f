"""Bad files get a clear problem — file, line, column, value, reason — and give no record."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pac.io.crm import ImportRead, ImportRejected, OpportunityRecord, Problem, read_import, write_report_csv
from tests.io.conftest import FORMULA_PAYLOADS
from tests.io.crm.conftest import WriteExport

HEADER = ["Deal - ID", "Deal - Title", "Deal - Value", "Deal - Status", "Deal - Won time"]


def pipedrive(path: Path, **options: object) -> ImportRead:
    return read_import(path, "opportunities", preset="pipedrive-deals", **options)  # type: ignore[arg-type]


def warnings(read: ImportRead) -> list[Problem]:
    """The warnings, but the « no account » ones these small files all have."""
    return [p for p in read.report.warnings if p.code != "missing_account"]


def only_error(read: ImportRead) -> str:
    assert not read.ok
    [problem] = read.report.errors
    with pytest.raises(ImportRejected):
        next(read.records())
    return str(problem)


def test_it_rejects_a_file_in_neither_utf8_nor_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_bytes(b"Deal - ID;Deal - Status\r\n1;won\r\n2;lost \x81\r\n")

    message = only_error(pipedrive(path))

    assert message.startswith("deals.csv:3:") and "neither UTF-8 nor Windows-1252" in message


def test_it_rejects_a_file_mixing_utf8_and_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_bytes(
        "Deal - ID;Deal - Title;Deal - Status\r\n1;Crédit;won\r\n".encode() + "2;Société;lost\r\n".encode("cp1252")
    )

    message = only_error(pipedrive(path))

    assert message.startswith("deals.csv:3:") and "mixes encodings: line 2 is UTF-8, line 3 is not" in message


def test_it_rejects_a_utf16_file_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_bytes("Deal - ID\tDeal - Status\r\n1\twon\r\n".encode("utf-16"))

    assert "UTF-16" in only_error(pipedrive(path)) and "CSV UTF-8" in only_error(pipedrive(path))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_it_detects_encoding_and_delimiter(write_export: WriteExport, encoding: str, delimiter: str) -> None:
    path = write_export(
        "deals.csv",
        HEADER,
        ["1", "Réseau, câblage", "1 234,56" if delimiter != "," else "1234.56", "won", "31/12/2026"],
        delimiter=delimiter,
        encoding=encoding,
    )

    read = pipedrive(path)

    [record] = read.records()
    assert isinstance(record, OpportunityRecord)
    assert (record.name, str(record.amount), read.delimiter) == ("Réseau, câblage", "1234.56", delimiter)
    assert read.encoding == encoding.replace("windows-1252", "cp1252")


def test_it_names_the_missing_required_column_and_the_columns_found(write_export: WriteExport) -> None:
    path = write_export("deals.csv", ["Deal - Title", "Deal - Status"], ["Acme", "won"])

    message = only_error(pipedrive(path))

    assert message.startswith("deals.csv:1: Deal - ID:")
    assert "required column missing: 'Deal - ID'" in message
    assert "columns found are: 'Deal - Title', 'Deal - Status'" in message


def test_it_points_at_text_in_an_amount_and_an_impossible_date(write_export: WriteExport) -> None:
    path = write_export(
        "deals.csv",
        HEADER,
        ["1", "A", "1 000", "won", "31/12/2026"],
        ["2", "B", "mille euros", "won", "31/12/2026"],
        ["3", "C", "10", "won", "31/02/2026"],
    )

    read = pipedrive(path)

    assert [(p.line, p.column, p.value, p.code) for p in read.report.errors] == [
        (3, "Deal - Value", "mille euros", "bad_number"),
        (4, "Deal - Won time", "31/02/2026", "bad_date"),
    ]
    assert "impossible date: 2026-02 has no day 31" in read.report.errors[1].reason
    assert (read.report.rows_read, read.report.rows_rejected) == (3, 2)
    with pytest.raises(ImportRejected):
        list(read.chunks())


def test_it_rejects_an_unknown_outcome_and_an_empty_id(write_export: WriteExport) -> None:
    path = write_export("deals.csv", HEADER, ["1", "A", "1", "gagné", ""], ["", "B", "1", "won", ""])

    read = pipedrive(path)

    assert [(p.line, p.code) for p in read.report.errors] == [(2, "unknown_value"), (3, "required")]
    assert "the mapped values are" in read.report.errors[0].reason


@pytest.mark.parametrize("content", [b"", b"Deal - ID;Deal - Status\r\n", b"Deal - ID;Deal - Status\r\n;\r\n\r\n"])
def test_it_rejects_a_file_without_data_rows(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "deals.csv"
    path.write_bytes(content)

    message = only_error(pipedrive(path))

    assert "empty" in message or "no data rows" in message


def test_it_merges_identical_duplicate_rows_with_a_warning(write_export: WriteExport) -> None:
    path = write_export(
        "deals.csv", HEADER, ["1", "A", "10", "won", ""], ["2", "B", "20", "lost", ""], ["1", "A", "10,00", "won", ""]
    )

    read = pipedrive(path)

    assert read.ok
    assert [r.external_id for r in read.records()] == ["1", "2"]
    [warning] = warnings(read)
    assert (warning.line, warning.value, warning.code) == (4, "1", "duplicate_merged")
    assert "line 2" in warning.reason and read.report.rows_merged == 1


def test_it_fails_on_conflicting_duplicates_naming_every_line(write_export: WriteExport) -> None:
    path = write_export(
        "deals.csv",
        HEADER,
        ["1", "A", "10", "won", ""],
        ["2", "B", "20", "lost", ""],
        ["1", "A", "15", "won", ""],
        ["2", "B", "20", "lost", ""],
        ["1", "A", "99", "lost", ""],
    )

    read = pipedrive(path)

    assert not read.ok
    [conflict] = read.report.errors
    assert (conflict.line, conflict.column, conflict.value) == (2, "Deal - ID", "1")
    assert "lines 2, 4, 6" in conflict.reason and "--on-duplicate last" in conflict.reason


def test_it_keeps_the_last_of_conflicting_duplicates_when_asked(write_export: WriteExport) -> None:
    path = write_export(
        "deals.csv", HEADER, ["1", "A", "10", "won", ""], ["2", "B", "20", "lost", ""], ["1", "A", "15", "won", ""]
    )

    read = pipedrive(path, on_duplicate="last")

    assert read.ok
    records = {r.external_id: r for r in read.records() if isinstance(r, OpportunityRecord)}
    assert str(records["1"].amount) == "15" and len(records) == 2
    [warning] = warnings(read)
    assert warning.code == "duplicate_last" and "lines 2, 4" in warning.reason
    assert read.report.rows_accepted == 2


def test_it_reads_us_dates_month_first_when_the_column_shows_it(write_export: WriteExport) -> None:
    path = write_export("deals.csv", HEADER, ["1", "A", "1", "won", "12/31/2026"], ["2", "B", "1", "won", "05/04/2026"])

    read = pipedrive(path)

    assert read.ok and [p.code for p in warnings(read)] == ["date_order"]
    assert [str(r.closed) for r in read.records() if isinstance(r, OpportunityRecord)] == ["2026-12-31", "2026-05-04"]


def test_it_rejects_a_column_mixing_french_and_us_dates(write_export: WriteExport) -> None:
    path = write_export("deals.csv", HEADER, ["1", "A", "1", "won", "12/31/2026"], ["2", "B", "1", "won", "31/12/2026"])

    assert "mixes day-first dates ('31/12/2026' on line 3) and month-first dates" in only_error(pipedrive(path))


def test_it_writes_the_report_as_csv_with_formulas_neutralised(write_export: WriteExport) -> None:
    rows = [[str(i), "A", "1", payload, ""] for i, payload in enumerate(FORMULA_PAYLOADS)]
    read = pipedrive(write_export("deals.csv", HEADER, *rows))
    out = io.StringIO()

    write_report_csv(read.report, out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "file,line,severity,column,value,reason,code"
    errors = [line for line in lines if ",error,Deal - Status," in line]
    assert len(errors) == len(FORMULA_PAYLOADS)
    values = [line.split(",Deal - Status,")[1] for line in errors]
    assert all(not v.lstrip('"').startswith(("=", "+", "-", "@", "\t")) for v in values)
    assert any(v.startswith(("\"'=", "'=")) for v in values)


def test_a_problem_is_explained_in_the_language_of_the_catalogue_given(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_text("Deal - ID;Deal - Status;Deal - Won time\n7;Won;30/02/2026\n", encoding="utf-8")
    [problem] = pipedrive(path).report.errors
    english = "impossible date: {year}-{month:02d} has no day {day}"
    german = {english: "unmögliches Datum: {year}-{month:02d} hat keinen Tag {day}"}
    assert problem.reason == "impossible date: 2026-02 has no day 30"  # English by default
    assert problem.explained(lambda text: german.get(text, text)) == (
        "deals.csv:2: Deal - Won time: '30/02/2026' — unmögliches Datum: 2026-02 hat keinen Tag 30"
    )
    assert problem.reason_in(lambda text: "{unknown}") == "impossible date: 2026-02 has no day 30"  # a bad catalogue


def test_a_problem_names_its_kind_without_its_values_and_translates_the_words_it_quotes(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_text("Deal - ID;Deal - Status;Deal - Won time\n7;Won;30/02/2026\n8;Won;01/02/2026\n", encoding="utf-8")
    read = pipedrive(path)
    [date] = read.report.errors
    [account] = [p for p in read.report.warnings if p.code == "missing_account"]
    french = {
        "no account on this {outcome} deal: it counts in no account's figures": "aucun compte sur cette affaire "
        "({outcome}) : elle ne compte dans les chiffres d'aucun compte",
        "won": "gagnée",
    }

    assert date.kind_in(lambda text: text) == "impossible date: …-… has no day …"
    assert account.reason == "no account on this won deal: it counts in no account's figures"  # English: the code
    assert account.reason_in(lambda text: french.get(text, text)).startswith("aucun compte sur cette affaire (gagnée)")
    assert account.kind_in(lambda text: french.get(text, text)).startswith("aucun compte sur cette affaire (…) :")
