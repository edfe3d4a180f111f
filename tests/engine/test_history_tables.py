"""The stage history and the recorded changes reach the engines typed by the canonical schema, from files
as from a database: a day entered is a date, the moment a change was recorded a timestamp."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pac.engine.kpis import tables_from_directory
from pac.engine.kpis.history import pipeline_as_of, stage_entries


def test_stage_history_and_changes_are_read_from_files_typed(tmp_path: Path) -> None:
    (tmp_path / "opportunity_stages.csv").write_text(
        "external_id,opportunity,stage,entered\n"
        "006A|Qualification|2026-02-17,006A,Qualification,2026-02-17\n"
        "006A|Closed Won|2026-03-20,006A, Closed Won ,2026-03-20T18:01:00\n",
        encoding="utf-8",
    )
    (tmp_path / "opportunity_changes.csv").write_text(
        "opportunity,field,old,new,recorded,job\n006A,stage,Qualification,Closed Won,2026-03-21 07:00:05,12\n",
        encoding="utf-8",
    )
    tables = tables_from_directory(tmp_path)
    stages = tables["opportunity_stages"].order_by("entered").execute()
    assert list(stages["stage"]) == ["Qualification", "Closed Won"]  # trimmed
    assert [str(day)[:10] for day in stages["entered"]] == ["2026-02-17", "2026-03-20"]
    assert tables["opportunity_stages"].entered.type().is_date()
    changes = tables["opportunity_changes"]
    assert changes.recorded.type().is_timestamp()
    assert changes.execute()["recorded"].iloc[0].to_pydatetime() == dt.datetime(2026, 3, 21, 7, 0, 5)


def _changes(tmp_path: Path) -> Any:
    (tmp_path / "opportunity_changes.csv").write_text(
        "opportunity,field,old,new,recorded,job\n"
        "006A,stage,,Qualification,2026-03-02 08:00:00,1\n"
        "006A,amount,,12000.00,2026-03-02 08:00:00,1\n"
        "006A,expected_close,,2026-04-30,2026-03-02 08:00:00,1\n"
        "006A,outcome,,open,2026-03-02 08:00:00,1\n"
        "006A,stage,Qualification,Proposal,2026-03-09 08:00:00,2\n"
        "006A,expected_close,2026-04-30,2026-05-15,2026-03-09 08:00:00,2\n"
        "006B,stage,,Prospecting,2026-03-09 08:00:00,2\n"
        "006B,outcome,,open,2026-03-09 08:00:00,2\n",
        encoding="utf-8",
    )
    return tables_from_directory(tmp_path)["opportunity_changes"]


def test_the_pipeline_as_it_stood_between_two_imports(tmp_path: Path) -> None:
    changes = _changes(tmp_path)
    before = pipeline_as_of(changes, dt.datetime(2026, 3, 5)).execute()
    assert list(before["opportunity"]) == ["006A"]  # 006B came with the second import
    deal = before.iloc[0]
    assert (deal["stage"], deal["amount"], str(deal["expected_close"])[:10]) == ("Qualification", 12000.0, "2026-04-30")
    after = pipeline_as_of(changes, dt.datetime(2026, 3, 9, 8, tzinfo=dt.UTC)).execute().set_index("opportunity")
    assert after.loc["006A", "stage"] == "Proposal" and str(after.loc["006A", "expected_close"])[:10] == "2026-05-15"
    assert after.loc["006A", "amount"] == 12000.0  # unchanged by the second import: still known
    assert after.loc["006B", "outcome"] == "open" and after["amount"].isna()["006B"]


def test_stage_entries_drop_a_repeated_stage(tmp_path: Path) -> None:
    (tmp_path / "opportunity_stages.csv").write_text(
        "external_id,opportunity,stage,entered\n"
        "a1,006A,Prospecting,2026-02-03\n"
        "a2,006A,Qualification,2026-02-17\n"
        "a3,006A,Qualification,2026-02-20\n"
        "a4,006A,Proposal,2026-03-09\n"
        "a5,006A,Qualification,2026-03-12\n"
        "b1,006B,Qualification,2026-02-20\n",
        encoding="utf-8",
    )
    entries = stage_entries(tables_from_directory(tmp_path)["opportunity_stages"]).execute()
    assert sorted(entries["external_id"]) == ["a1", "a2", "a4", "a5", "b1"]  # back to a stage counts, a repeat not
