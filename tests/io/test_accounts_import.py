"""A plan's target accounts, read by the CRM import: French Excel files, XLSX, located problems in both
languages, all or nothing."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from pac.engine.model import Account, Stage
from pac.io import accounts_import
from pac.io.accounts_import import AccountsRead, read_accounts
from pac.io.crm import KINDS, OTHER_KINDS, read_import, write_report_csv
from pac.io.messages import catalogue

FRENCH_HEADER = "id;nom;segment;stratégique;potentiel;adéquation ICP;responsable;étape"


def french_excel(*rows: str, header: str = FRENCH_HEADER) -> io.BytesIO:
    """What a French Excel saves as « CSV (séparateur : point-virgule) »: Windows-1252, CRLF."""
    return io.BytesIO(("\r\n".join((header, *rows)) + "\r\n").encode("cp1252"))


def errors(read: AccountsRead) -> list[tuple[int | None, str, str, str]]:
    return [(p.line, p.column, p.value, p.code) for p in read.report.errors]


def test_it_reads_a_french_excel_csv() -> None:
    source = french_excel(
        "clinique-azur;Clinique d'Azur;sante;oui;1 234,56;85 %;Hélène;demo",
        "mecanique-vosges;Mécanique des Vosges SAS;industrie;non;200 000;0,4;;",
        "biolab;Biolab Ouest;;;;;;",
    )

    read = read_accounts(source, name="comptes.csv")

    assert read.ok, [str(p) for p in read.report.problems]
    assert read.accounts == [
        Account(
            "clinique-azur", "Clinique d'Azur", "sante", True, Decimal("1234.56"), Decimal("0.85"), "Hélène", Stage.DEMO
        ),
        Account("mecanique-vosges", "Mécanique des Vosges SAS", "industrie", False, Decimal("200000"), Decimal("0.4")),
        Account("biolab", "Biolab Ouest"),
    ]


def test_it_reads_english_headers_and_numbers_in_a_comma_csv() -> None:
    source = io.BytesIO(b'ID,Name,Strategic,Potential,ICP_fit,Owner,Stage\r\nacme,Acme,yes,"1,234.5",0.85,alex,SQL\r\n')

    [account] = read_accounts(source).accounts

    assert account == Account("acme", "Acme", None, True, Decimal("1234.5"), Decimal("0.85"), "alex", Stage.SQL)


def test_it_locates_every_problem_and_keeps_no_account() -> None:
    source = french_excel(
        "clinique-azur;Clinique d'Azur;sante;oui;125 000;85 %;;",
        "mecanique vosges;;industrie;peut-être;beaucoup;150 %;;signature",
        "grand;Grand compte;;;-5;;;",
    )

    read = read_accounts(source, name="comptes.csv")

    assert not read.ok and read.accounts == []
    assert errors(read) == [
        (3, "nom", "", "required"),
        (3, "id", "mecanique vosges", "bad_text"),
        (3, "stratégique", "peut-être", "bad_bool"),
        (3, "potentiel", "beaucoup", "bad_number"),
        (3, "adéquation ICP", "150 %", "bad_number"),
        (3, "étape", "signature", "unknown_value"),
        (4, "potentiel", "-5", "bad_number"),
    ]


def test_it_explains_problems_in_french_and_in_english() -> None:
    read = read_accounts(french_excel("azur;Azur;;;beaucoup;2;;"), name="comptes.csv")

    french = [p.explained(catalogue("fr")) for p in read.report.errors]
    english = [p.explained(catalogue("en")) for p in read.report.errors]

    assert french == [
        "comptes.csv:2: potentiel: 'beaucoup' — pas un nombre (attendu par exemple 1 234,56 ou 1234.56)",
        "comptes.csv:2: adéquation ICP: '2' — hors limites : une adéquation de 0 à 1, ou de 0 % à 100 %",
    ]
    assert english == [
        "comptes.csv:2: potentiel: 'beaucoup' — not a number (expected e.g. 1 234,56 or 1234.56)",
        "comptes.csv:2: adéquation ICP: '2' — out of range: a fit from 0 to 1, or from 0 % to 100 %",
    ]
    assert english == [str(p) for p in read.report.errors]  # English without a catalogue


def test_it_refuses_unknown_and_repeated_columns_on_the_header_line() -> None:
    source = french_excel("azur;Azur;Azur SA;x", header="id;nom;compte;Notes")

    read = read_accounts(source, name="comptes.csv")

    assert errors(read) == [(1, "compte", "", "duplicate_column"), (1, "Notes", "", "unknown_column")]
    assert (
        read.report.errors[0].explained(catalogue("fr")).endswith("une deuxième colonne pour le même champ que « nom »")
    )
    assert "id, nom, segment, stratégique" in read.report.errors[1].explained(catalogue("fr"))


def test_it_names_the_missing_id_column_and_the_columns_found() -> None:
    read = read_accounts(french_excel("Azur", header="nom"), name="comptes.csv")

    [problem] = read.report.errors
    assert (problem.line, problem.column, problem.code) == (1, "id", "missing_column")
    assert "'nom'" in str(problem)


@pytest.mark.parametrize(
    "cells,expected",
    [
        (f"{'x' * 65};Trop long", (2, "id", "x" * 65, "bad_text")),
        ("-azur;Tiret", (2, "id", "-azur", "bad_text")),
        ("azur;" + "n" * 201, (2, "nom", "n" * 80 + "…", "bad_text")),  # kept as an excerpt
        ("azur;Azur;1 000 000 000 000 000", (2, "potentiel", "1 000 000 000 000 000", "bad_number")),
    ],
)
def test_it_keeps_to_what_the_plan_can_store(cells: str, expected: tuple[object, ...]) -> None:
    read = read_accounts(french_excel(cells, header="id;nom;potentiel"))

    assert errors(read) == [expected]


def test_it_refuses_one_id_on_two_different_lines_and_merges_identical_ones() -> None:
    conflict = read_accounts(french_excel("azur;Azur", "azur;Azur SA", header="id;nom"))
    merged = read_accounts(french_excel("azur;Azur", "azur;Azur", header="id;nom"))

    assert [(p.line, p.code) for p in conflict.report.errors] == [(2, "duplicate_conflict")]
    assert (
        conflict.report.errors[0]
        .explained(catalogue("fr"))
        .endswith("identifiant présent aux lignes 2, 3 avec des valeurs différentes : gardez une ligne par identifiant")
    )
    assert str(conflict.report.errors[0]).endswith("keep one row per id")  # no CRM import option to name
    assert merged.ok and merged.accounts == [Account("azur", "Azur")]
    assert [(p.line, p.code) for p in merged.report.warnings] == [(3, "duplicate_merged")]


@pytest.mark.parametrize(
    "content,code",
    [
        (b"", "empty_file"),
        (b"id;nom\r\n", "no_rows"),
        (b"id;nom\r\n\x81\x8d;x\r\n", "encoding"),
        (b"\xd0\xcf\x11\xe0 an old xls", "xls"),
    ],
)
def test_it_explains_a_file_it_cannot_read(content: bytes, code: str) -> None:
    read = read_accounts(io.BytesIO(content), name="comptes.csv")

    assert [p.code for p in read.report.errors] == [code] and read.accounts == []


def test_it_refuses_a_file_of_more_accounts_than_a_plan_takes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts_import, "MAX_ACCOUNTS", 2)

    read = read_accounts(french_excel("a;A", "b;B", "c;C", header="id;nom"))

    assert errors(read) == [(4, "", "", "too_many_rows")]
    assert "au plus dans un fichier" in read.report.errors[0].explained(catalogue("fr"))


def test_it_reads_an_xlsx_workbook_with_typed_cells(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Identifiant", "Nom", "Stratégique", "Potentiel", "ICP", "Étape", None])
    sheet.append(["azur", "Clinique d'Azur", True, 125000.5, 0.85, "won"])
    sheet.append(["vosges", "Mécanique des Vosges", "non", "200 000", None, None])
    sheet.append(["bad", "Mauvais", "oui", "beaucoup", None, None])
    path = tmp_path / "comptes.xlsx"
    workbook.save(path)

    read = read_accounts(path)
    assert [(p.line, p.column, p.code) for p in read.report.errors] == [(4, "Potentiel", "bad_number")]

    sheet.delete_rows(4)
    workbook.save(path)
    read = read_accounts(path)

    assert read.ok and read.accounts == [
        Account("azur", "Clinique d'Azur", None, True, Decimal("125000.5"), Decimal("0.85"), stage=Stage.WON),
        Account("vosges", "Mécanique des Vosges", None, False, Decimal("200000")),
    ]


def test_it_writes_the_report_in_the_readers_language() -> None:
    read = read_accounts(french_excel("azur;Azur;beaucoup", header="id;nom;potentiel"), name="comptes.csv")
    out = io.StringIO()

    write_report_csv(read.report, out, gettext=catalogue("fr"))

    assert out.getvalue().splitlines()[1] == (
        'comptes.csv,2,error,potentiel,beaucoup,"pas un nombre (attendu par exemple 1 234,56 ou 1234.56)",bad_number'
    )


def test_target_accounts_are_no_crm_kind() -> None:
    assert "target_accounts" in OTHER_KINDS and "target_accounts" not in KINDS
    read = read_import(french_excel("azur;Azur", header="id;nom"), "target_accounts", preset=accounts_import.PRESET)
    assert read.ok
