"""The records an import builds, one dataclass per canonical table; their fields and types come from
``pac.engine.canonical`` (a test checks each dataclass has exactly the schema's columns).

A record is a dataclass of typed values — ``str``, ``Decimal``, ``date``/``datetime``, ``bool`` —
with ``None`` for an empty cell; hashable by value (the duplicate index relies on it) but not frozen,
because a frozen dataclass's ``__init__`` costs six times more and an import builds one per row.
Only ``external_id`` (and an opportunity's ``outcome``) is required.
Costs have no id of their own in the CRM: theirs is derived from period, channel and category.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pac.engine import canonical
from pac.engine.canonical import ACTIVITY_KINDS, KINDS, OUTCOMES
from pac.engine.canonical import Column as FieldSpec

__all__ = ["ACTIVITY_KINDS", "KINDS", "OUTCOMES", "RECORD_TYPES", "FieldSpec", "Record", "derived_id", "field_specs"]

Moment = dt.date | dt.datetime


@dataclass(kw_only=True, slots=True, unsafe_hash=True)
class OpportunityRecord:
    external_id: str
    outcome: str
    name: str | None = None
    account: str | None = None
    owner: str | None = None
    segment: str | None = None
    channel: str | None = None
    product: str | None = None
    stage: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    created: Moment | None = None
    closed: Moment | None = None
    forecast_category: str | None = None


@dataclass(kw_only=True, slots=True, unsafe_hash=True)
class ActivityRecord:
    external_id: str
    kind: str | None = None
    owner: str | None = None
    account: str | None = None
    opportunity: str | None = None
    scheduled: Moment | None = None
    held: bool | None = None
    outcome: str | None = None


@dataclass(kw_only=True, slots=True, unsafe_hash=True)
class LeadRecord:
    external_id: str
    created: Moment | None = None
    mql_at: Moment | None = None
    sql_at: Moment | None = None
    channel: str | None = None
    campaign: str | None = None
    account: str | None = None
    owner: str | None = None
    opportunity: str | None = None


@dataclass(kw_only=True, slots=True, unsafe_hash=True)
class AccountRecord:
    external_id: str
    name: str | None = None
    segment: str | None = None
    strategic: bool | None = None
    potential: Decimal | None = None
    owner: str | None = None


@dataclass(kw_only=True, slots=True, unsafe_hash=True)
class ContactRecord:
    external_id: str
    account: str | None = None
    name: str | None = None
    email: str | None = None
    persona: str | None = None
    opted_out: bool | None = None


@dataclass(kw_only=True, slots=True, unsafe_hash=True)
class SubscriptionRecord:
    external_id: str
    account: str | None = None
    start: Moment | None = None
    end: Moment | None = None
    mrr: Decimal | None = None


@dataclass(kw_only=True, slots=True, unsafe_hash=True)
class CostRecord:
    external_id: str  # derived: period_start|period_end|channel|category
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    channel: str | None = None
    category: str | None = None
    amount: Decimal | None = None


Record = (
    OpportunityRecord | ActivityRecord | LeadRecord | AccountRecord | ContactRecord | SubscriptionRecord | CostRecord
)

RECORD_TYPES: dict[str, type[Record]] = {
    "opportunities": OpportunityRecord,
    "accounts": AccountRecord,
    "contacts": ContactRecord,
    "leads": LeadRecord,
    "activities": ActivityRecord,
    "subscriptions": SubscriptionRecord,
    "costs": CostRecord,
}


def field_specs(kind: str) -> dict[str, FieldSpec]:
    """The fields of ``kind`` by name, typed; ``KeyError`` naming the kinds for an unknown one."""
    return canonical.columns(kind)


def derived_id(kind: str) -> tuple[str, ...]:
    """The fields whose values make the id of a kind that has none of its own (costs), else ()."""
    return ("period_start", "period_end", "channel", "category") if kind == "costs" else ()
