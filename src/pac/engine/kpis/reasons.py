"""Why a KPI has no value, and what to know about one that has: a code and its parameters, worded in
English for the JSON rows and in the reader's language where a page or the CLI shows them — as the plan
diagnostics are (``pac.engine.diagnostics``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pac.engine.labels import Translate, gettext_noop

TEMPLATES: dict[str, str] = {
    "no_table": gettext_noop("no {table} table"),
    "no_column": gettext_noop("{table} has no column {columns}"),
    "no_breakdown_column": gettext_noop("{table} has no column {columns} to break down by"),
    "no_data_in_range": gettext_noop("no data in the range"),
    "not_finite": gettext_noop("not a finite number"),
    "no_dates": gettext_noop("no row of {table} has a {column} date: the data does not record this step"),
    "undated": gettext_noop(
        "{count} rows of {table} have no {column} date: they cannot be placed in a period or a date range"
    ),
    "no_kind": gettext_noop("no activity of kind “{kind}” in the data"),
    "mql_too_recent": gettext_noop("no MQL older than {days} days"),
    "no_past_meeting": gettext_noop("no past meeting with a known outcome"),
    "no_closed_deal": gettext_noop("no opportunity closed"),
    "lost_amounts_blank": gettext_noop(
        "lost amounts are all 0 or blank: a win rate by value would be meaningless "
        "(lost deals carry no amount in this data)"
    ),
    "no_closed_amount": gettext_noop("no amount on the closed opportunities"),
    "no_won_amount": gettext_noop("no won opportunity with an amount"),
    "no_won_dates": gettext_noop("no won opportunity with both dates"),
    "no_won": gettext_noop("no won opportunity"),
    "zero_cycle": gettext_noop("sales cycle of 0 days"),
    "no_remaining_target": gettext_noop("no remaining target given"),
    "no_target_for_period": gettext_noop("no remaining target for this period"),
    "target_reached": gettext_noop("the target is already reached"),
    "no_closed_history": gettext_noop("no closed opportunity to learn stage probabilities from"),
    "no_open_amount": gettext_noop("no open opportunity carries an amount"),
    "no_new_customer": gettext_noop("no new customer won"),
    "not_by_dimension": gettext_noop(
        "subscription KPIs are not broken down by dimension (subscriptions have no {columns})"
    ),
    "not_by_stage": gettext_noop(
        "only the stage-to-stage conversion and the days in stage are broken down by stage "
        "(from the stage history); choose one of them, or another breakdown"
    ),
    "no_mrr_at_start": gettext_noop("no MRR at the start of the period"),
    "no_customer_at_start": gettext_noop("no customer at the start of the period"),
    "empty_window": gettext_noop("empty window"),
    "no_paying_account": gettext_noop("no paying account at the end of the period"),
    "no_gross_margin": gettext_noop("no gross margin given"),
    "no_churn_figure": gettext_noop("no churn figure"),
    "unbounded_ltv": gettext_noop("no customer churned in the period: lifetime value is unbounded"),
    "zero_denominator": gettext_noop("zero denominator"),
    "one_side_missing": gettext_noop("one of the two KPIs has no value for this period"),
    "no_customer_old_enough": gettext_noop("no customer started at least {days} days before as_of"),
    # notes: the value stands, with this to know
    "undated_counted": gettext_noop("includes {count} closed opportunities without a {column} date"),
}

#: Parameters that name a table, a date column or an activity kind, as a sentence says them.
WORDS: dict[str, dict[str, str]] = {
    "table": {
        "opportunities": gettext_noop("opportunities"),
        "leads": gettext_noop("leads"),
        "activities": gettext_noop("activities"),
        "accounts": gettext_noop("accounts"),
        "contacts": gettext_noop("contacts"),
        "subscriptions": gettext_noop("subscriptions"),
        "costs": gettext_noop("costs"),
        "opportunity_stages": gettext_noop("stage history"),
        "opportunity_changes": gettext_noop("opportunity changes"),
    },
    "column": {
        "closed": gettext_noop("close"),
        "created": gettext_noop("creation"),
        "mql_at": gettext_noop("MQL"),
        "sql_at": gettext_noop("SQL"),
        "scheduled": gettext_noop("scheduled"),
    },
    "kind": {"meeting": gettext_noop("meeting"), "demo": gettext_noop("demo")},
}


@dataclass(frozen=True)
class Reason:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, translate: Translate = str) -> str:
        """The reason in the language of ``translate`` (English by default)."""
        return explain(self.code, self.params, translate)


def explain(
    code: str, params: Mapping[str, Any], translate: Translate = str, number: Callable[[int], str] = str
) -> str:
    """A reason or note code and its parameters as a sentence (tables, columns and kinds in words, counts
    written by ``number``); an unknown code is shown as it is."""
    template = TEMPLATES.get(code)
    if template is None:
        return code
    said = {
        key: translate(WORDS[key][value])
        if key in WORDS and value in WORDS[key]
        else number(value)
        if isinstance(value, int)
        else value
        for key, value in params.items()
    }
    return translate(template).format(**said)
