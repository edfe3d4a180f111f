"""Stage histories through the real reader: Salesforce's long history, HubSpot's wide « Date entered »
columns (English and French exports), and the problems of a bad history located where the user looks."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from pac.io.crm import (
    OpportunityRecord,
    OpportunityStageRecord,
    get_preset,
    load_presets,
    read_import,
    save_presets,
)
from tests.io.crm.conftest import WriteExport

DATA = Path(__file__).parents[2] / "data" / "crm"
HUBSPOT_STAGES = ("Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled", "Contract Sent")


def stage_entries(path: Path, preset: str) -> list[tuple[str, str, dt.date]]:
    read = read_import(path, "opportunity_stages", preset=preset)
    assert read.ok, [str(p) for p in read.report.errors]
    records = [r for r in read.records() if isinstance(r, OpportunityStageRecord)]
    return sorted((r.opportunity, r.stage, r.entered) for r in records)  # type: ignore[misc]


def test_a_salesforce_history_report_gives_each_stage_entered_once() -> None:
    entries = stage_entries(DATA / "salesforce_opportunity_history.csv", "salesforce-opportunity-history")
    rousseau = [(stage, day) for opp, stage, day in entries if opp == "0065e00000Kq1AbAAJ"]
    assert rousseau == [
        ("Proposal/Price Quote", dt.date(2026, 3, 9)),
        ("Prospecting", dt.date(2026, 2, 3)),
        ("Qualification", dt.date(2026, 2, 17)),  # the amount change later that day is the same entry
    ]
    assert ("0065e00000Kq2CdAAJ", "Closed Won", dt.date(2026, 3, 20)) in entries  # month-first dates read so
    assert len(entries) == 9


def test_the_same_day_repeated_stage_is_merged_with_a_warning_not_refused() -> None:
    read = read_import(
        DATA / "salesforce_opportunity_history.csv", "opportunity_stages", preset="salesforce-opportunity-history"
    )
    assert read.ok
    assert (read.report.rows_read, read.report.rows_merged) == (10, 1)
    merged = [p for p in read.report.warnings if p.code == "duplicate_merged"]
    assert [(p.line, p.value) for p in merged] == [(4, "0065e00000Kq1AbAAJ|Qualification|2026-02-17")]


def test_the_opportunityhistory_object_reads_like_the_report() -> None:
    from_api = stage_entries(DATA / "salesforce_opportunityhistory_object.csv", "salesforce-opportunity-history")
    from_report = stage_entries(DATA / "salesforce_opportunity_history.csv", "salesforce-opportunity-history")
    assert from_api == [entry for entry in from_report if entry[0] == "0065e00000Kq1AbAAJ"]


def test_a_hubspot_export_is_unpivoted_one_row_per_stage_entered_blank_cells_skipped() -> None:
    entries = stage_entries(DATA / "hubspot_deals_stage_history_en.csv", "hubspot-stage-history")
    lemaire = [(stage, day) for opp, stage, day in entries if opp == "18472932012"]
    assert sorted(lemaire, key=lambda e: e[1]) == [
        ("Appointment Scheduled", dt.date(2026, 1, 12)),
        ("Qualified To Buy", dt.date(2026, 1, 26)),
        ("Contract Sent", dt.date(2026, 3, 2)),  # « Presentation Scheduled » skipped: blank cell, no row
        ("Closed Won", dt.date(2026, 3, 20)),
    ]
    assert {stage for _, stage, _ in entries} <= {*HUBSPOT_STAGES, "Closed Won", "Closed Lost"}  # no pipeline
    assert [(stage, day) for opp, stage, day in entries if opp == "18472932014"] == [
        ("Appointment Scheduled", dt.date(2026, 3, 25))
    ]
    assert len(entries) == 4 + 4 + 2 + 1


def test_a_french_hubspot_export_gives_the_same_history_with_its_own_stage_names() -> None:
    english = stage_entries(DATA / "hubspot_deals_stage_history_en.csv", "hubspot-stage-history")
    french = stage_entries(DATA / "hubspot_deals_stage_history_fr.csv", "hubspot-stage-history")
    assert sorted((opp, day) for opp, _, day in french) == sorted((opp, day) for opp, _, day in english)
    assert ("18472932013", "Conclue perdue", dt.date(2026, 3, 13)) in french


def test_a_bad_stage_history_is_refused_with_each_problem_located(write_export: WriteExport) -> None:
    entered = 'Date entered "Qualified To Buy (Sales Pipeline)"'
    path = write_export(
        "deals.csv",
        ["Record ID", "Deal Name", 'Date entered "Appointment Scheduled (Sales Pipeline)"', entered],
        ["101", "A", "2026-02-03 09:12", "2026-02-31 10:00"],
        ["", "B", "2026-02-04 09:12", ""],
        ["103", "C", "", ""],
    )
    read = read_import(path, "opportunity_stages", preset="hubspot-stage-history")
    assert not read.ok
    located = sorted((p.line, p.column, p.code) for p in read.report.errors)
    assert located == [(2, entered, "bad_date"), (3, "Record ID", "required")]
    required = next(p for p in read.report.errors if p.code == "required")
    assert required.reason.values == {"name": "opportunity"}  # type: ignore[attr-defined]


def test_a_salesforce_history_with_a_bad_date_names_its_line_and_column(write_export: WriteExport) -> None:
    path = write_export(
        "history.csv",
        ["Opportunity ID", "To Stage", "Edit Date"],
        ["006A", "Prospecting", "03/02/2026"],
        ["006A", "", "17/02/2026"],
        ["006A", "Qualification", "le 17"],
    )
    read = read_import(path, "opportunity_stages", preset="salesforce-opportunity-history")
    assert sorted((p.line, p.column, p.code) for p in read.report.errors) == [
        (3, "To Stage", "required"),
        (4, "Edit Date", "bad_date"),
    ]


def test_an_export_without_any_stage_column_fails_on_its_header(write_export: WriteExport) -> None:
    path = write_export("deals.csv", ["Record ID", "Deal Name", "Deal Stage"], ["101", "A", "Contract Sent"])
    read = read_import(path, "opportunity_stages", preset="hubspot-stage-history")
    [problem] = read.report.errors
    assert (problem.line, problem.code) == (1, "missing_column")


def test_an_open_salesforce_deal_gets_its_close_date_as_expected_close(write_export: WriteExport) -> None:
    path = write_export(
        "report.csv",
        ["Opportunity ID", "Stage", "Amount", "Close Date"],
        ["006A", "Negotiation/Review", "1000", "30/06/2026"],
        ["006B", "Closed Won", "2000", "15/03/2026"],
    )
    read = read_import(path, "opportunities", preset="salesforce-opportunities")
    assert read.ok
    deals = {r.external_id: r for r in read.records() if isinstance(r, OpportunityRecord)}
    assert (deals["006A"].outcome, deals["006A"].expected_close) == ("open", dt.date(2026, 6, 30))
    assert (deals["006B"].outcome, deals["006B"].closed) == ("won", dt.date(2026, 3, 15))  # as before
    assert deals["006B"].amount == Decimal(2000)


def test_a_wide_preset_is_saved_and_read_back_with_its_stage_columns(tmp_path: Path) -> None:
    wide = get_preset("hubspot-stage-history")
    save_presets(tmp_path / "presets.yaml", [wide])
    assert load_presets(tmp_path / "presets.yaml")["hubspot-stage-history"] == wide


def test_a_stage_column_pattern_without_a_name_is_refused_when_the_preset_is_made() -> None:
    with pytest.raises(ValueError, match="name"):
        dataclasses.replace(get_preset("hubspot-stage-history"), unpivot=("Date entered",))
