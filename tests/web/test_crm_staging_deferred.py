"""The staging's and the stage history's tests again, each import run outside any transaction — as the
background job and `pac import` run it: on SQLite the file is then checked and staged without the write
lock, the changes to record worked out before it, and all merged at the end in one short transaction
(``Staging(deferred=True)``); counts, rows, refusals, dates read again, the last row of an id and the
changes recorded must come out the same."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from .test_crm_stage_history import (  # noqa: F401
    test_a_deal_given_twice_when_the_last_row_wins_records_only_its_last_values,
    test_a_deal_that_closes_records_its_outcome_and_slip,
    test_a_refused_or_dry_run_import_records_no_change,
    test_a_second_import_records_the_stage_and_amount_a_deal_moved,
    test_the_pipeline_reads_back_as_it_stood_after_each_import,
)
from .test_crm_staging import (  # noqa: F401  (collected here, under this module's mark)
    small_batches,
    test_a_bad_row_after_merged_batches_leaves_the_database_as_before,
    test_a_text_longer_than_its_column_is_reported_where_it_is,
    test_batches_count_created_updated_unchanged_exactly,
    test_dates_found_month_first_late_in_the_file_are_read_again,
    test_the_last_row_of_an_id_wins_across_batches,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_changes_worked_out_before_the_lock_are_worked_out_again_if_the_data_moved_meanwhile(
    owner: Any, team: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pac.web.crm import staging
    from pac.web.crm.importing import import_file
    from pac.web.crm.models import Opportunity, OpportunityChange

    first = tmp_path / "w1.csv"
    first.write_text("external_id,outcome,amount\nD1,open,100\nD2,open,100\n", encoding="utf-8")
    import_file(user=owner, team=team, kind="opportunities", source=first)
    prepare, prepared = staging.Staging.prepare, []

    def then_someone_saves(self: Any) -> None:  # between the changes worked out and the merge's lock
        prepare(self)
        if not self.deferred:
            return
        prepared.append(self)
        deal = Opportunity.objects.get(team=team, external_id="D1")
        deal.amount = Decimal("200")
        deal.save()  # changes the team's data stamp

    monkeypatch.setattr(staging.Staging, "prepare", then_someone_saves)
    second = tmp_path / "w2.csv"
    second.write_text("external_id,outcome,amount\nD1,open,200\nD2,open,300\n", encoding="utf-8")
    outcome = import_file(user=owner, team=team, kind="opportunities", source=second)
    if connection.vendor != "sqlite":  # one transaction: nothing is worked out ahead, nothing can move under it
        assert not prepared and outcome.counts is not None and outcome.counts.updated == 2
        return
    assert prepared and outcome.counts is not None and (outcome.counts.updated, outcome.counts.unchanged) == (1, 1)
    recorded = OpportunityChange.objects.filter(team=team, field="amount", recorded=outcome_moment(team))
    assert {(c.opportunity, c.old, c.new) for c in recorded} == {("D2", "100.00", "300.00")}  # not D1 100 → 200


def outcome_moment(team: Any) -> Any:
    from pac.web.crm.models import OpportunityChange

    return OpportunityChange.objects.filter(team=team).order_by("-recorded").values_list("recorded", flat=True)[0]
