"""The canonical CRM schema (DESIGN.md « Canonical tables »): every table's columns and their types, once.

The import (``pac.io.crm.kinds``) types the cells it reads from it, the KPI engine (``pac.engine.kpis``)
types the tables it queries from it, and a test checks that the Django models store exactly these
columns. A column is added here, and nowhere else decides what it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

#: ``moment``: a day or a day and time (kept as a day); ``date``: a day only; ``instant``: a date and time
#: kept to the second (when PAC recorded something); ``decimal``: an amount or a figure; ``bool``: yes or
#: no; ``choice``: one of fixed lower-case codes; ``text``: anything else.
ColumnType = Literal["text", "decimal", "moment", "date", "instant", "bool", "choice"]

OUTCOMES: tuple[str, ...] = ("won", "lost", "open")
ACTIVITY_KINDS: tuple[str, ...] = ("email", "call", "meeting", "demo", "social", "event", "task")


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "text"
    choices: tuple[str, ...] = ()
    required: bool = False
    # a number's bounds, inclusive, and the integer digits it may have (the import's default when None)
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    digits: int | None = None
    pattern: str = ""  # a text's form: a regular expression the whole text must match
    explain: str = ""  # the reason shown for a value out of bounds or out of form (a message template)


def _id() -> Column:
    return Column("external_id", required=True)


TABLES: dict[str, tuple[Column, ...]] = {
    "opportunities": (
        _id(),
        Column("outcome", "choice", OUTCOMES, required=True),
        Column("name"),
        Column("account"),
        Column("owner"),
        Column("segment"),
        Column("channel"),
        Column("product"),
        Column("stage"),
        Column("amount", "decimal"),
        Column("currency"),
        Column("created", "moment"),
        Column("closed", "moment"),
        Column("forecast_category"),
        # when the deal is expected to close (an open deal's CRM « close date »): its changes measure slip
        Column("expected_close", "moment"),
        # the lead it came from, when the export says (Olist: the deal's mql_id): the import links that lead
        # to this deal, so that MQL → won counts it
        Column("lead"),
        # the channel partner who brought or sells the deal (a reseller, a distributor): deals by partner,
        # matched to the plan's partners by name or id
        Column("partner"),
    ),
    # One row per stage an opportunity entered, and when: a CRM's stage history. The id is derived from
    # (opportunity, stage, day entered), so that importing the same history again changes nothing.
    "opportunity_stages": (
        _id(),
        Column("opportunity", required=True),
        Column("stage", required=True),
        Column("entered", "moment", required=True),
    ),
    "accounts": (
        _id(),
        Column("name"),
        Column("segment"),
        Column("business_unit"),  # the customer's division or BU: subscription KPIs break down by it
        Column("strategic", "bool"),
        Column("potential", "decimal"),
        Column("owner"),
    ),
    "contacts": (
        _id(),
        Column("account"),
        Column("name"),
        Column("email"),
        Column("persona"),
        Column("opted_out", "bool"),
    ),
    "leads": (
        _id(),
        Column("created", "moment"),
        Column("mql_at", "moment"),
        Column("sql_at", "moment"),
        Column("channel"),
        Column("campaign"),
        Column("account"),
        Column("owner"),
        Column("opportunity"),
    ),
    "activities": (
        _id(),
        Column("kind", "choice", ACTIVITY_KINDS),
        Column("owner"),
        Column("account"),
        Column("opportunity"),
        Column("scheduled", "moment"),
        Column("held", "bool"),
        Column("outcome"),
    ),
    "subscriptions": (
        _id(),
        Column("account"),
        Column("start", "moment"),
        Column("end", "moment"),
        Column("mrr", "decimal"),
    ),
    # Costs have no id in a CRM: the import derives theirs from period, channel and category.
    "costs": (
        _id(),
        Column("period_start", "date"),
        Column("period_end", "date"),
        Column("channel"),
        Column("category"),
        Column("amount", "decimal"),
    ),
}
KINDS: tuple[str, ...] = tuple(TABLES)

#: The fields of an opportunity whose changes each import records (``opportunity_changes``).
TRACKED_FIELDS: tuple[str, ...] = ("stage", "amount", "expected_close", "outcome")

#: Tables PAC records itself rather than imports: what each opportunities import changed, field by field
#: (``old`` and ``new`` as text, '' for empty; ``recorded`` the import's moment, ``job`` its background
#: job when it had one), so that the state of the pipeline on a past day can be read back exactly.
RECORDED: dict[str, tuple[Column, ...]] = {
    "opportunity_changes": (
        Column("opportunity", required=True),
        Column("field", "choice", TRACKED_FIELDS, required=True),
        Column("old"),
        Column("new"),
        Column("recorded", "instant", required=True),
        Column("job"),
    ),
}
SCHEMAS: dict[str, tuple[Column, ...]] = TABLES | RECORDED


def columns(table: str) -> dict[str, Column]:
    """The columns of ``table`` by name, in schema order; ``KeyError`` naming the tables for an unknown one."""
    if table not in SCHEMAS:
        raise KeyError(f"unknown kind {table!r}; expected one of: {', '.join(SCHEMAS)}")
    return {column.name: column for column in SCHEMAS[table]}


def names(table: str) -> tuple[str, ...]:
    return tuple(columns(table))


def of_type(table: str, *types: ColumnType) -> frozenset[str]:
    """The columns of ``table`` of one of ``types`` (``of_type("leads", "moment", "date")``)."""
    return frozenset(c.name for c in SCHEMAS.get(table, ()) if c.type in types)
