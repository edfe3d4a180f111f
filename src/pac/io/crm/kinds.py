"""The records an import builds, one dataclass per canonical table; their fields and types come from
``pac.engine.canonical`` (a test checks each dataclass has exactly the schema's columns).

``KINDS`` are the CRM's tables, the ones the CRM import page, ``pac import`` and the KPIs know.
``OTHER_KINDS`` are read the same way but belong elsewhere: ``target_accounts``, a plan's target
accounts (``pac.io.accounts_import``), whose fields carry the plan's own limits.

A record is a dataclass of typed values — ``str``, ``Decimal``, ``date``/``datetime``, ``bool`` —
with ``None`` for an empty cell; hashable by value (the duplicate index relies on it) but not frozen,
because a frozen dataclass's ``__init__`` costs six times more and an import builds one per row.
Only ``external_id`` (and an opportunity's ``outcome``, a stage entry's three fields) is required.
Costs and stage entries have no id of their own in the CRM: theirs is derived from their fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pac.engine import canonical
from pac.engine.canonical import ACTIVITY_KINDS, KINDS, OUTCOMES
from pac.engine.canonical import Column as FieldSpec
from pac.engine.model import Stage
from pac.io.messages import gettext_noop

__all__ = [
    "ACTIVITY_KINDS",
    "ALL_KINDS",
    "ALL_RECORD_TYPES",
    "KINDS",
    "OTHER_KINDS",
    "OUTCOMES",
    "RECORD_TYPES",
    "TARGET_ACCOUNTS",
    "FieldSpec",
    "Record",
    "derived_id",
    "field_specs",
]

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
    expected_close: Moment | None = None
    lead: str | None = None
    partner: str | None = None


@dataclass(kw_only=True, slots=True, unsafe_hash=True)
class OpportunityStageRecord:
    """An opportunity entered a stage (one row of a stage history): ``entered`` is kept as its day."""

    external_id: str  # derived: opportunity|stage|day entered
    opportunity: str
    stage: str
    entered: Moment


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
    business_unit: str | None = None
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


@dataclass(kw_only=True, slots=True, unsafe_hash=True)
class TargetAccountRecord:
    """A plan's target account (not a CRM table: see ``OTHER_KINDS``)."""

    external_id: str
    name: str | None = None
    segment: str | None = None
    strategic: bool | None = None
    potential: Decimal | None = None
    icp_fit: Decimal | None = None  # 0..1
    owner: str | None = None
    stage: str | None = None


Record = (
    OpportunityRecord
    | OpportunityStageRecord
    | ActivityRecord
    | LeadRecord
    | AccountRecord
    | ContactRecord
    | SubscriptionRecord
    | CostRecord
    | TargetAccountRecord
)

RECORD_TYPES: dict[str, type[Record]] = {
    "opportunities": OpportunityRecord,
    "accounts": AccountRecord,
    "contacts": ContactRecord,
    "leads": LeadRecord,
    "activities": ActivityRecord,
    "subscriptions": SubscriptionRecord,
    "costs": CostRecord,
    "opportunity_stages": OpportunityStageRecord,
}

TARGET_ACCOUNTS = "target_accounts"
#: Kinds read like the CRM's but kept out of its import page, its CLI and its KPIs.
OTHER_RECORD_TYPES: dict[str, type[Record]] = {TARGET_ACCOUNTS: TargetAccountRecord}
OTHER_KINDS: tuple[str, ...] = tuple(OTHER_RECORD_TYPES)
ALL_RECORD_TYPES: dict[str, type[Record]] = RECORD_TYPES | OTHER_RECORD_TYPES
ALL_KINDS: tuple[str, ...] = KINDS + OTHER_KINDS

#: The fields of the other kinds, with the limits of the tables they end in (a plan's accounts).
_OTHER_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    TARGET_ACCOUNTS: (
        FieldSpec(
            "external_id",
            required=True,
            pattern=r"[A-Za-z0-9][A-Za-z0-9_-]*",
            explain=gettext_noop("an id is made of letters, digits, - and _ (and starts with a letter or digit)"),
        ),
        FieldSpec("name", required=True),
        FieldSpec("segment"),
        FieldSpec("strategic", "bool"),
        FieldSpec("potential", "decimal", minimum=Decimal(0), digits=14),  # what the plan's table keeps
        FieldSpec(
            "icp_fit",
            "decimal",
            minimum=Decimal(0),
            maximum=Decimal(1),
            explain=gettext_noop("out of range: a fit from 0 to 1, or from 0 % to 100 %"),
        ),
        FieldSpec("owner"),
        FieldSpec("stage", "choice", tuple(stage.value for stage in Stage)),
    ),
}


def field_specs(kind: str) -> dict[str, FieldSpec]:
    """The fields of ``kind`` by name, typed; ``KeyError`` naming the kinds for an unknown one."""
    if kind in _OTHER_FIELDS:
        return {spec.name: spec for spec in _OTHER_FIELDS[kind]}
    if kind not in RECORD_TYPES:
        raise KeyError(f"unknown kind {kind!r}; expected one of: {', '.join(ALL_KINDS)}")
    return canonical.columns(kind)


_DERIVED_IDS: dict[str, tuple[str, ...]] = {
    "costs": ("period_start", "period_end", "channel", "category"),
    "opportunity_stages": ("opportunity", "stage", "entered"),
}


def derived_id(kind: str) -> tuple[str, ...]:
    """The fields whose values make the id of a kind that has none of its own (costs, stage history), else
    (). A moment among them counts by its day, as it is stored: the same stage entered twice on one day is
    one row (a CRM's history repeats the stage when the amount or the close date changes)."""
    return _DERIVED_IDS.get(kind, ())
