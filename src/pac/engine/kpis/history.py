"""The pipeline as it stood at a past moment, and the stages deals went through, as Ibis expressions over
the recorded ``opportunity_changes`` and the imported ``opportunity_stages``.

Why here: an import replaces a deal's row, so the opportunities table only knows the present; forecast
slip, stage durations and « what did the pipeline look like last Monday » need the history, read the
same way on every backend. Like the rest of the engine, nothing reads the clock: the moment is a
parameter.
"""

from __future__ import annotations

import datetime as dt

import ibis  # type: ignore[import-untyped]  # ibis 12 ships no py.typed
import ibis.expr.types as ir  # type: ignore[import-untyped]  # ibis 12 ships no py.typed

from pac.engine.canonical import TRACKED_FIELDS


def values_as_of(changes: ir.Table, moment: dt.datetime) -> ir.Table:
    """(opportunity, field, value): each tracked field's value at ``moment`` — the ``new`` of its last change
    recorded then or before ('' for a field emptied). A deal with no change by then did not exist in PAC yet.
    An aware ``moment`` is compared in UTC (the history's own)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    known = changes.filter(changes.recorded <= ibis.literal(moment, type="timestamp"))
    latest = ibis.row_number().over(group_by=[known.opportunity, known.field], order_by=ibis.desc(known.recorded))
    ranked = known.mutate(_latest=latest)
    return ranked.filter(ranked._latest == 0).select("opportunity", "field", value=ranked.new.fill_null(""))


def pipeline_as_of(changes: ir.Table, moment: dt.datetime) -> ir.Table:
    """One row per deal known at ``moment``: its stage, amount (float), expected close (date) and outcome then."""
    values = values_as_of(changes, moment)
    pivoted = values.group_by("opportunity").aggregate(
        **{
            name: values.value.nullif("").max(where=values.field == name)  # one value per field: max picks it
            for name in TRACKED_FIELDS
        }
    )
    return pivoted.mutate(
        amount=pivoted.amount.cast("float64"), expected_close=pivoted.expected_close.substr(0, 10).cast("date")
    )


def stage_entries(stages: ir.Table) -> ir.Table:
    """The stage history without repeats: an entry whose previous one (same opportunity, by day entered) is
    the same stage is no new entry — Salesforce writes a history row for every change of amount or close
    date, repeating the stage."""
    order = ibis.window(group_by=stages.opportunity, order_by=[stages.entered, stages.external_id])
    previous = stages.stage.lag().over(order)
    marked = stages.mutate(_previous=previous)
    kept = marked.filter(marked._previous.isnull() | (marked._previous != marked.stage))
    return kept.drop("_previous")
