"""Every canonical kind imports from a file whose columns have the canonical names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pac.io.crm import KINDS, AccountRecord, ActivityRecord, CostRecord, read_import
from tests.io.crm.conftest import WriteExport


def test_it_derives_a_stable_id_for_costs_which_have_none(write_export: WriteExport) -> None:
    path = write_export(
        "costs.csv",
        ["period_start", "period_end", "channel", "category", "amount"],
        ["01/01/2027", "31/01/2027", "event", "salon", "12 000,00"],
        ["01/01/2027", "31/01/2027", "email", "outil", "99"],
    )

    read = read_import(path, "costs")

    records = [r for r in read.records() if isinstance(r, CostRecord)]
    assert [r.external_id for r in records] == [
        "2027-01-01|2027-01-31|event|salon",
        "2027-01-01|2027-01-31|email|outil",
    ]
    assert records[0].amount == Decimal("12000.00") and records[0].period_end == dt.date(2027, 1, 31)


def test_it_checks_activity_kinds_and_yes_no_cells(write_export: WriteExport) -> None:
    path = write_export(
        "activities.csv",
        ["external_id", "kind", "scheduled", "held"],
        ["a1", "Demo", "05/01/2027 10:00", "oui"],
        ["a2", "call", "06/01/2027", ""],
        ["a3", "fax", "", "peut-être"],
    )

    read = read_import(path, "activities")

    assert [(p.line, p.column, p.code) for p in read.report.errors] == [
        (4, "kind", "unknown_value"),
        (4, "held", "bad_bool"),
    ]
    assert "email, call, meeting, demo" in read.report.errors[0].reason


@pytest.mark.parametrize("kind", KINDS)
def test_it_requires_an_id_column_for_every_kind_but_costs(write_export: WriteExport, kind: str) -> None:
    read = read_import(write_export(f"{kind}.csv", ["name", "outcome"], ["x", "won"]), kind)

    if kind == "costs":
        assert read.ok
    else:
        assert [p.code for p in read.report.errors] == ["missing_column"]


def test_it_reads_an_activity_record(write_export: WriteExport) -> None:
    path = write_export(
        "activities.csv",
        ["external_id", "kind", "scheduled", "held", "opportunity"],
        ["a1", "Demo", "05/01/2027 10:00", "oui", "o-1"],
    )

    [record] = read_import(path, "activities").records()

    assert record == ActivityRecord(
        external_id="a1", kind="demo", scheduled=dt.datetime(2027, 1, 5, 10, 0), held=True, opportunity="o-1"
    )


def test_each_record_type_has_exactly_the_canonical_columns() -> None:
    """The import builds its records from ``pac.engine.canonical``: a column added there and not here
    (or the reverse) is caught."""
    import dataclasses

    from pac.engine import canonical
    from pac.io.crm.kinds import RECORD_TYPES

    assert set(RECORD_TYPES) == set(canonical.TABLES)
    for kind, record_type in RECORD_TYPES.items():
        assert [f.name for f in dataclasses.fields(record_type)] == list(canonical.names(kind)), kind


@pytest.mark.parametrize("header", ["business_unit", "Business unit", "BU", "Division", "Unité métier"])
def test_an_accounts_business_unit_is_read_under_the_names_files_give_it(
    write_export: WriteExport, header: str
) -> None:
    path = write_export("comptes.csv", ["external_id", "name", "segment", header], ["A1", "Hexa", "GC", "Industrie"])

    (record,) = read_import(path, "accounts").records()

    assert isinstance(record, AccountRecord) and (record.segment, record.business_unit) == ("GC", "Industrie")
