"""Salesforce, HubSpot and Pipedrive exports as a French Excel saves them: `;`, 1 234,56, 31/12/2026, cp1252."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from pac.io.crm import (
    OpportunityRecord,
    Preset,
    customise,
    get_preset,
    load_presets,
    parse_map,
    parse_values,
    read_import,
    save_presets,
)
from tests.io.crm.conftest import WriteExport

NBSP = "\u00a0"


def opportunities(path: Path, **options: object) -> dict[str, OpportunityRecord]:
    read = read_import(path, "opportunities", **options)  # type: ignore[arg-type]
    assert read.ok, [str(p) for p in read.report.errors]
    return {r.external_id: r for r in read.records() if isinstance(r, OpportunityRecord)}


def test_it_imports_a_salesforce_report_from_a_french_excel(write_export: WriteExport) -> None:
    path = write_export(
        "report.csv",
        [
            "Opportunity Owner",
            "Account Name",
            "Opportunity Name",
            "Stage",
            "Fiscal Period",
            "Amount",
            "Probability (%)",
            "Close Date",
            "Created Date",
            "Lead Source",
            "Type",
            "Forecast Category",
            "Opportunity ID",
        ],
        [
            "Émilie Durand",
            "Société Générale d'Études",
            "Renouvellement",
            "Closed Won",
            "T4-2026",
            f"12{NBSP}345,67 €",
            "100 %",
            "31/12/2026",
            "02/09/2026",
            "Salon",
            "New Business",
            "Closed",
            "0065g00000AbCdE",
        ],
        [
            "Hervé",
            "Crédit Mutuel",
            "Extension",
            "Closed Lost",
            "T1-2027",
            "1 234,56",
            "0 %",
            "15/01/2027",
            "13/10/2026",
            "Web",
            "Existing Business",
            "Omitted",
            "0065g00000AbCdF",
        ],
        [
            "Hervé",
            "Crédit Mutuel",
            "Nouveau site",
            "Proposal/Price Quote",
            "T1-2027",
            "800",
            "60 %",
            "28/02/2027",
            "05/11/2026",
            "Partenaire",
            "New Business",
            "Pipeline",
            "0065g00000AbCdG",
        ],
    )

    records = opportunities(path, preset="salesforce-opportunities")

    won, lost, open_ = records["0065g00000AbCdE"], records["0065g00000AbCdF"], records["0065g00000AbCdG"]
    assert (won.outcome, won.amount, won.closed, won.created) == (
        "won",
        Decimal("12345.67"),
        dt.date(2026, 12, 31),
        dt.date(2026, 9, 2),
    )
    assert (won.owner, won.account, won.channel, won.forecast_category) == (
        "Émilie Durand",
        "Société Générale d'Études",
        "Salon",
        "Closed",
    )
    assert (lost.outcome, lost.amount, lost.closed) == ("lost", Decimal("1234.56"), dt.date(2027, 1, 15))
    assert (open_.outcome, open_.stage, open_.amount) == ("open", "Proposal/Price Quote", Decimal("800"))


def test_it_reads_the_salesforce_won_and_closed_flags_over_custom_stages(write_export: WriteExport) -> None:
    path = write_export(
        "report.csv",
        ["Opportunity ID", "Stage", "Amount", "Won", "Closed"],
        ["A1", "Signé", "1 000,00", "1", "1"],
        ["A2", "Abandonné", "500", "0", "1"],
        ["A3", "Négociation", "", "0", "0"],
    )

    records = opportunities(path, preset="salesforce-opportunities")

    assert {k: r.outcome for k, r in records.items()} == {"A1": "won", "A2": "lost", "A3": "open"}


def test_it_imports_a_hubspot_deals_export(write_export: WriteExport) -> None:
    path = write_export(
        "hubspot-crm-exports-all-deals.csv",
        ["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date", "Deal owner", "Pipeline"],
        [
            "9876543210",
            "Acme – licences",
            "Closed won",
            "1 234,56",
            "31/12/2026 14:05",
            "2026-10-01 09:30",
            "Léa Martin",
            "Sales Pipeline",
        ],
        [
            "9876543211",
            "Beta – audit",
            "Closed lost",
            "99,90",
            "15/11/2026",
            "2026-09-15",
            "Léa Martin",
            "Sales Pipeline",
        ],
        ["9876543212", "Gamma", "Appointment scheduled", "", "", "2026-11-20", "Paul", "Sales Pipeline"],
    )

    records = opportunities(path, preset="hubspot-deals")

    assert records["9876543210"].outcome == "won"
    assert records["9876543210"].amount == Decimal("1234.56")
    assert records["9876543210"].closed == dt.datetime(2026, 12, 31, 14, 5)
    assert records["9876543210"].created == dt.datetime(2026, 10, 1, 9, 30)
    assert (records["9876543211"].outcome, records["9876543211"].amount) == ("lost", Decimal("99.90"))
    assert (records["9876543212"].outcome, records["9876543212"].amount) == ("open", None)
    assert records["9876543212"].stage == "Appointment scheduled"


def test_it_imports_a_pipedrive_deals_export(write_export: WriteExport) -> None:
    path = write_export(
        "deals.csv",
        [
            "Deal - ID",
            "Deal - Title",
            "Deal - Value",
            "Deal - Currency",
            "Deal - Status",
            "Deal - Owner",
            "Deal - Organization",
            "Deal - Stage",
            "Deal - Deal created",
            "Deal - Won time",
            "Deal - Lost time",
            "Deal - Expected close date",
        ],
        [
            "101",
            "Tréfileries – ligne 2",
            "12 500",
            "EUR",
            "won",
            "Zoé",
            "Tréfileries de l'Est",
            "Négociation",
            "01/09/2026 10:00",
            "31/12/2026 16:45",
            "",
            "",
        ],
        [
            "102",
            "Boulangerie",
            "2 300,50",
            "eur",
            "lost",
            "Zoé",
            "Au bon pain",
            "Proposition",
            "15/09/2026 08:00",
            "",
            "20/10/2026 11:00",
            "",
        ],
        [
            "103",
            "Mairie",
            "7 000",
            "EUR",
            "open",
            "Yann",
            "Mairie de Lyon",
            "Qualifié",
            "03/11/2026 09:00",
            "",
            "",
            "31/03/2027",
        ],
    )

    records = opportunities(path, preset="pipedrive-deals")

    assert {k: (r.outcome, r.amount, r.closed) for k, r in records.items()} == {
        "101": ("won", Decimal("12500"), dt.datetime(2026, 12, 31, 16, 45)),
        "102": ("lost", Decimal("2300.50"), dt.datetime(2026, 10, 20, 11, 0)),
        "103": ("open", Decimal("7000"), dt.date(2027, 3, 31)),
    }
    assert records["102"].currency == "EUR" and records["101"].account == "Tréfileries de l'Est"
    assert records["101"].created == dt.datetime(2026, 9, 1, 10, 0)


def test_it_leaves_out_the_deals_pipedrive_marks_deleted(write_export: WriteExport) -> None:
    path = write_export(
        "deals.csv",
        ["Deal - ID", "Deal - Status", "Deal - Value"],
        ["201", "Won", "1 000"],
        ["202", "Deleted", "5 000"],
        ["203", "Lost", "800"],
    )
    read = read_import(path, "opportunities", preset="pipedrive-deals")
    assert read.ok and (read.report.rows_read, read.report.rows_skipped, read.report.rows_rejected) == (3, 1, 0)
    assert {r.external_id: r.outcome for r in read.records()} == {"201": "won", "203": "lost"}  # a win rate of 1/2
    [warning] = [w for w in read.report.warnings if w.code == "skipped"]
    assert (warning.line, warning.column, warning.value, warning.code) == (3, "Deal - Status", "Deleted", "skipped")


def test_it_imports_any_file_through_a_user_mapping(write_export: WriteExport) -> None:
    path = write_export(
        "export.csv",
        ["Opportunity Number", "Résultat", "Montant HT", "Date de signature"],
        ["N-1", "Won", "1 000,00", "31/12/2026"],
        ["N-2", "Loss", "0", "30/12/2026"],
        ["N-3", "Pending", "10", "29/12/2026"],
    )
    mapping = parse_map(
        ["Opportunity Number=external_id", "Résultat=outcome", "Montant HT=amount", "Date de signature=closed"]
    )
    values = parse_values(["outcome:Won=won,Loss=lost", "outcome:Pending=open"])

    records = opportunities(path, mapping=mapping, values=values)

    assert {k: (r.outcome, r.amount) for k, r in records.items()} == {
        "N-1": ("won", Decimal("1000.00")),
        "N-2": ("lost", Decimal("0")),
        "N-3": ("open", Decimal("10")),
    }


def test_it_names_the_mapped_values_when_one_is_unknown(write_export: WriteExport) -> None:
    path = write_export("export.csv", ["id", "Résultat"], ["N-1", "Won"], ["N-2", "Gagné"])

    read = read_import(
        path,
        "opportunities",
        mapping={"id": "external_id", "Résultat": "outcome"},
        values={"outcome": {"Won": "won", "Loss": "lost"}},
    )

    [problem] = read.report.errors
    assert (problem.line, problem.column, problem.value) == (3, "Résultat", "Gagné")
    assert "Loss, Won" in problem.reason


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_it_saves_and_loads_named_presets(tmp_path: Path, suffix: str, write_export: WriteExport) -> None:
    mine = customise(
        get_preset("hubspot-deals"),
        "opportunities",
        mapping=parse_map(["N° affaire=external_id"]),
        values=parse_values(["outcome:Signée=won"]),
        date_order="mdy",
        name="hubspot-maison",
    )
    mine = dataclasses.replace(mine, skip={"outcome": ("Annulée",)})
    path = tmp_path / f"presets{suffix}"

    save_presets(path, [mine, get_preset("maven-pipeline")])
    loaded = load_presets(path)

    assert loaded["hubspot-maison"] == mine and loaded["maven-pipeline"] == get_preset("maven-pipeline")
    export = write_export("deals.csv", ["N° affaire", "Deal Stage", "Close Date"], ["7", "Signée", "05/04/2026"])
    [record] = opportunities(export, preset="hubspot-maison", saved_presets=loaded).values()
    assert (record.external_id, record.outcome, record.closed) == ("7", "won", dt.date(2026, 5, 4))


def test_it_refuses_a_preset_naming_a_field_that_does_not_exist() -> None:
    with pytest.raises(ValueError, match="no field amout"):
        Preset("typo", "opportunities", columns=(("Amount", "amout"),))
    with pytest.raises(ValueError, match="imports opportunities, not leads"):
        read_import(Path("x.csv"), "leads", preset="hubspot-deals")
