"""A file imported in batches, each merged while the next rows are checked: the counts and the rows
are exact whatever the batch boundaries, and a refused file still leaves the database as it was.
Batches of 7 rows stand for the 10 000 of a real import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pac.web.crm import staging
from pac.web.crm.importing import import_file
from pac.web.crm.models import Opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staging, "BATCH", 7)


def _file(folder: Path, name: str, rows: list[str], header: str = "external_id;outcome;amount;closed") -> Path:
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _deal(i: int, amount: str = "1 000,50") -> str:
    return f"D{i};{'won' if i % 2 else 'lost'};{amount};{1 + i % 28:02d}/03/2026"


def _stored(team: Any) -> dict[str, tuple[str, Decimal | None, dt.date | None]]:
    return {o.external_id: (o.outcome, o.amount, o.closed) for o in Opportunity.objects.filter(team=team)}


def test_batches_count_created_updated_unchanged_exactly(owner: Any, team: Any, tmp_path: Path) -> None:
    first = import_file(
        user=owner, team=team, kind="opportunities", source=_file(tmp_path, "w1.csv", [_deal(i) for i in range(50)])
    )
    assert first.counts is not None and first.counts.as_dict() == {
        "created": 50,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    # next week: every fifth deal's amount changed, ten new deals, in another order
    rows = [_deal(i, "2 000" if i % 5 == 0 else "1 000,50") for i in reversed(range(60))]
    path = _file(tmp_path, "w2.csv", rows)
    dry = import_file(user=owner, team=team, kind="opportunities", source=path, dry_run=True)
    assert dry.counts is not None and dry.counts.as_dict() == {
        "created": 10,
        "updated": 10,
        "unchanged": 40,
        "rejected": 0,
    }
    assert len(_stored(team)) == 50  # the dry run wrote nothing
    again = import_file(user=owner, team=team, kind="opportunities", source=path)
    assert again.counts == dry.counts
    stored = _stored(team)
    assert len(stored) == 60
    assert stored["D10"] == ("lost", Decimal("2000"), dt.date(2026, 3, 11))
    assert stored["D11"] == ("won", Decimal("1000.50"), dt.date(2026, 3, 12))
    assert stored["D55"][1] == Decimal("2000")


def test_a_bad_row_after_merged_batches_leaves_the_database_as_before(owner: Any, team: Any, tmp_path: Path) -> None:
    import_file(
        user=owner, team=team, kind="opportunities", source=_file(tmp_path, "w1.csv", [_deal(i) for i in range(50)])
    )
    before = _stored(team)
    rows = [_deal(i, "3 000") for i in range(60)]
    rows[54] = "D54;won;trois mille;01/03/2026"  # line 56: seven batches were merged before it
    outcome = import_file(user=owner, team=team, kind="opportunities", source=_file(tmp_path, "w2.csv", rows))
    assert outcome.counts is None
    [problem] = outcome.report.errors
    assert (problem.line, problem.column, problem.value) == (56, "amount", "trois mille")
    assert _stored(team) == before


def test_dates_found_month_first_late_in_the_file_are_read_again(owner: Any, team: Any, tmp_path: Path) -> None:
    rows = [f"D{i};won;100;05/04/2026" for i in range(30)] + ["D30;won;100;12/31/2026"]  # a US export
    outcome = import_file(user=owner, team=team, kind="opportunities", source=_file(tmp_path, "us.csv", rows))
    assert outcome.counts is not None and outcome.counts.created == 31
    assert "date_order" in outcome.report.codes("warning")
    closed = {o.closed for o in Opportunity.objects.filter(team=team)}
    assert closed == {dt.date(2026, 5, 4), dt.date(2026, 12, 31)}  # 5 May, not 4 April


def test_the_last_row_of_an_id_wins_across_batches(owner: Any, team: Any, tmp_path: Path) -> None:
    rows = [_deal(i) for i in range(30)] + ["D3;won;9 999;01/03/2026"]
    outcome = import_file(
        user=owner, team=team, kind="opportunities", source=_file(tmp_path, "dup.csv", rows), on_duplicate="last"
    )
    assert outcome.counts is not None and outcome.counts.as_dict() == {
        "created": 30,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert _stored(team)["D3"] == ("won", Decimal("9999"), dt.date(2026, 3, 1))


def test_a_text_longer_than_its_column_is_reported_where_it_is(owner: Any, team: Any, tmp_path: Path) -> None:
    rows = [f"D{i};won;ACC-{i}" for i in range(10)]
    rows[8] = "D8;won;" + "A" * 201  # the account column keeps 200 characters
    outcome = import_file(
        user=owner,
        team=team,
        kind="opportunities",
        source=_file(tmp_path, "long.csv", rows, header="external_id;outcome;account"),
    )
    assert outcome.counts is None
    [problem] = outcome.report.errors
    assert (problem.line, problem.column) == (10, "account") and "at most 200" in problem.reason
    assert not Opportunity.objects.exists()
