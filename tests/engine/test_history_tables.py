"""The stage history and the recorded changes reach the engines typed by the canonical schema, from files
as from a database: a day entered is a date, the moment a change was recorded a timestamp."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pac.engine.kpis import tables_from_directory


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
