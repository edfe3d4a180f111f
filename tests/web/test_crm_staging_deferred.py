"""The staging's tests again, each import run outside any transaction — as the background job and
`pac import` run it: on SQLite the file is then checked and staged without the write lock and merged at
the end in one short transaction (``Staging(deferred=True)``); counts, rows, refusals, dates read again
and the last row of an id must come out the same."""

from __future__ import annotations

import pytest

from .test_crm_staging import (  # noqa: F401  (collected here, under this module's mark)
    small_batches,
    test_a_bad_row_after_merged_batches_leaves_the_database_as_before,
    test_a_text_longer_than_its_column_is_reported_where_it_is,
    test_batches_count_created_updated_unchanged_exactly,
    test_dates_found_month_first_late_in_the_file_are_read_again,
    test_the_last_row_of_an_id_wins_across_batches,
)

pytestmark = pytest.mark.django_db(transaction=True)
