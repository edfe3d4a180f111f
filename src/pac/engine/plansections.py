"""The plan file's execution sections: segments, accounts, contacts, actions, events, rituals,
reporting deadlines, the team's RACI and the channel partners — their models, cross-checks and conversions.

Kept apart from ``planfile`` (parsing, error positions, the objectives/funnel/team core) so that
each module stays about one thing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from pac.engine import model
from pac.engine.fieldtypes import (
    ActionHours,
    ClockTime,
    Day,
    Fraction,
    Identifier,
    LongText,
    Money,
    Name,
    Person,
    Rate,
    ShortText,
    Text,
    Volume,
)
from pac.engine.labels import Message, gettext_noop
from pac.engine.model import (
    ActionStatus,
    ActionType,
    BuyingRole,
    Channel,
    EventKind,
    PartnerKind,
    PartnerStatus,
    Role,
    Stage,
)

Path = tuple[str | int, ...]


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Criteria(_Entry):
    industry: list[Text] = []
    size: list[Text] = []
    region: list[Text] = []
    persona: list[ShortText] = []


class SegmentEntry(_Entry):
    id: Identifier
    name: Name
    criteria: Criteria = Criteria()
    personas: list[ShortText] = []  # shorthand for criteria.persona
    value_proposition: LongText = ""
    messages: list[LongText] = []
    potential_accounts: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    potential_value: Money | None = None
    rates: dict[Annotated[Stage, BeforeValidator(_lower)], Rate] = {}
    cycle_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    acquisition_cost: Annotated[Money, Field(max_digits=14)] | None = None


class AccountEntry(_Entry):
    id: Identifier
    name: Name
    segment: Identifier | None = None
    strategic: bool = False
    potential: Money | None = None
    icp_fit: Fraction | None = None
    owner: Person | None = None
    stage: Annotated[Stage, BeforeValidator(_lower)] | None = None


class ContactEntry(_Entry):
    id: Identifier
    account: Identifier
    name: Name
    persona: ShortText | None = None
    buying_role: Annotated[BuyingRole, BeforeValidator(_lower)] | None = None
    email: Annotated[str, Field(max_length=254)] | None = None


class RaciEntry(_Entry):
    responsible: Annotated[list[Person], Field(alias="R", min_length=1)]
    accountable: Annotated[Person, Field(alias="A")]
    consulted: Annotated[list[Person], Field(alias="C")] = []
    informed: Annotated[list[Person], Field(alias="I")] = []

    @field_validator("accountable", mode="before")
    @classmethod
    def _one_accountable(cls, value: Any) -> Any:
        if isinstance(value, list):
            if len(value) == 1:
                return value[0]
            raise ValueError(Message(gettext_noop("exactly one Accountable (A) is needed, as a single name")))
        return value

    def to_model(self) -> model.Raci:
        return model.Raci(tuple(self.responsible), self.accountable, tuple(self.consulted), tuple(self.informed))


class GovernanceEntry(RaciEntry):
    activity: Name


class MilestoneEntry(_Entry):
    name: Name
    date: Day


class ExpectedEntry(_Entry):
    volume: Volume
    stage: Annotated[Stage, BeforeValidator(_lower)] | None = None
    metric: ShortText | None = None
    objective: Identifier | None = None


class ActionEntry(_Entry):
    id: Identifier
    type: Annotated[ActionType, BeforeValidator(_lower)]
    name: Name | None = None
    start: Day
    end: Day
    owner: Person | None = None
    role: Annotated[Role, BeforeValidator(_lower)] | None = None
    channel: Annotated[Channel, BeforeValidator(_lower)] | None = None
    segment: Identifier | None = None
    accounts: list[Identifier] = []
    persona: ShortText | None = None
    message: LongText = ""
    expected: ExpectedEntry | None = None
    raci: RaciEntry | None = None
    milestones: list[MilestoneEntry] = []
    budget: Annotated[Money, Field(max_digits=14)] = Decimal(0)
    hours: ActionHours = Decimal(0)
    status: Annotated[ActionStatus, BeforeValidator(_lower)] = ActionStatus.PLANNED
    kpi: Text | None = None
    value: Money | None = None
    event: Identifier | None = None


class EventEntry(_Entry):
    id: Identifier
    name: Name
    kind: Annotated[EventKind, BeforeValidator(_lower)] = EventKind.OTHER
    start: Day
    end: Day | None = None
    campaigns: list[Annotated[int, Field(ge=0, le=730)]] = [60, 30, 7]
    location: Text | None = None


class RitualEntry(_Entry):
    id: Identifier
    name: Name
    rrule: Annotated[str, Field(max_length=300)]
    time: ClockTime = dt.time(9, 0)
    minutes: Annotated[int, Field(gt=0, le=24 * 60)] = 60
    owner: Person | None = None
    attendees: list[Person] = []

    @field_validator("rrule")
    @classmethod
    def _valid_rrule(cls, value: str) -> str:
        check_rrule(value)
        return value


class DeadlineEntry(_Entry):
    id: Identifier
    name: Name
    date: Day | None = None
    rrule: Annotated[str, Field(max_length=300)] | None = None
    owner: Person | None = None

    @field_validator("rrule")
    @classmethod
    def _valid_rrule(cls, value: str | None) -> str | None:
        if value is not None:
            check_rrule(value)
        return value


#: Partners a plan may list: a channel team recruits tens, a large one a few hundred.
MAX_PARTNERS = 1000


class PartnerEntry(_Entry):
    """A channel partner (``model.Partner``); ``recruited``: the day it signed, required from the status
    recruited on."""

    id: Identifier
    name: Name
    kind: Annotated[PartnerKind, BeforeValidator(_lower)] = PartnerKind.VAR
    owner: Person | None = None
    status: Annotated[PartnerStatus, BeforeValidator(_lower)] = PartnerStatus.PROSPECT
    recruited: Day | None = None
    region: Text | None = None
    segment: Identifier | None = None
    mdf_budget: Annotated[Money, Field(max_digits=14)] = Decimal(0)


class PriorityWeightsEntry(_Entry):
    value: Fraction = Decimal("0.5")
    velocity: Fraction = Decimal("0.3")
    cost: Fraction = Decimal("0.2")


#: A multiplier of the alert thresholds (coverage margin, stalled factor, load), bounded like a rate.
Factor = Annotated[Decimal, Field(gt=0, le=20, decimal_places=3)]


class AlertsEntry(_Entry):
    """The plan's alert thresholds (``engine.alerts``); each one left out keeps its default."""

    pace_behind: Fraction = model.AlertThresholds.pace_behind
    coverage_margin: Factor = model.AlertThresholds.coverage_margin
    min_probability: Fraction = model.AlertThresholds.min_probability
    max_no_show: Fraction = model.AlertThresholds.max_no_show
    conversion_drop: Fraction = model.AlertThresholds.conversion_drop
    stalled_factor: Factor = model.AlertThresholds.stalled_factor
    slip_days: Annotated[int, Field(ge=1, le=365)] = model.AlertThresholds.slip_days
    min_sample: Annotated[int, Field(ge=1, le=10000)] = model.AlertThresholds.min_sample
    max_load: Factor = model.AlertThresholds.max_load
    diagnostics: Annotated[model.Severity, BeforeValidator(_lower)] = model.AlertThresholds.diagnostics
    history_gap: Factor = model.AlertThresholds.history_gap

    def to_model(self) -> model.AlertThresholds:
        return model.AlertThresholds(**self.model_dump())


ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")


def check_rrule(text: str) -> None:
    """Raise ValueError with the reason when ``text`` is not an RFC 5545 RRULE a team can keep:
    daily at most (an hourly "ritual" would flood the calendar with thousands of items)."""
    body = text.removeprefix("RRULE:")
    if "\n" in body or (not body.startswith("FREQ=") and ";FREQ=" not in body):
        raise ValueError("must be an RRULE such as FREQ=WEEKLY;BYDAY=MO")
    frequency = next((p.split("=", 1)[1].upper() for p in body.split(";") if p.upper().startswith("FREQ=")), "")
    if frequency not in ALLOWED_FREQUENCIES:
        raise ValueError(f"FREQ must be one of {', '.join(ALLOWED_FREQUENCIES)}")
    try:
        rrulestr(body, dtstart=dt.datetime(2027, 1, 1))
    except (ValueError, TypeError) as error:
        raise ValueError(f"not a valid RRULE: {error}") from None


def check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            Message(gettext_noop("unknown time zone {name} (use an IANA name such as Europe/Paris)"), name=repr(name))
        ) from None


#: A reference to an id the plan does not have: with the ids it has, or when it has none of that kind.
_UNKNOWN = {
    "segment": (
        gettext_noop("unknown segment {value} (known: {known})"),
        gettext_noop("unknown segment {value} (the plan has no segments section)"),
    ),
    "account": (
        gettext_noop("unknown account {value} (known: {known})"),
        gettext_noop("unknown account {value} (the plan has no accounts section)"),
    ),
    "event": (
        gettext_noop("unknown event {value} (known: {known})"),
        gettext_noop("unknown event {value} (the plan has no events section)"),
    ),
    "objective": (
        gettext_noop("unknown objective {value} (known: {known})"),
        gettext_noop("unknown objective {value} (the plan has no objectives section)"),
    ),
}
_NOT_BEFORE_START = gettext_noop("must not be before start ({start})")


def _duplicates(section: str, ids: list[str]) -> list[tuple[Path, str]]:
    seen: set[str] = set()
    found: list[tuple[Path, str]] = []
    for i, value in enumerate(ids):
        if value in seen:
            found.append(((section, i, "id"), Message(gettext_noop("duplicate id {id}"), id=repr(value))))
        seen.add(value)
    return found


def section_rules(doc: Any) -> list[tuple[Path, str]]:
    """Cross-references between sections (an action's segment must exist…) and date order."""
    problems: list[tuple[Path, str]] = []
    for name in ("segments", "accounts", "contacts", "actions", "events", "rituals", "deadlines", "partners"):
        problems += _duplicates(name, [e.id for e in getattr(doc, name)])
    segments = {s.id for s in doc.segments}
    accounts = {a.id for a in doc.accounts}
    objectives = {o.id for o in doc.objectives}
    events = {e.id for e in doc.events}
    stages = {s.stage for s in doc.funnel.stages} if doc.funnel else None

    def known(path: Path, value: str | None, pool: set[str], what: str) -> None:
        if value is not None and value not in pool:
            known_ones, nothing = _UNKNOWN[what]
            problems.append(
                (path, Message(known_ones, value=repr(value), known=", ".join(sorted(pool))))
                if pool
                else (path, Message(nothing, value=repr(value)))
            )

    for i, account in enumerate(doc.accounts):
        known(("accounts", i, "segment"), account.segment, segments, "segment")
    for i, contact in enumerate(doc.contacts):
        known(("contacts", i, "account"), contact.account, accounts, "account")
    for i, objective in enumerate(doc.objectives):
        if segments:
            known(("objectives", i, "segment"), objective.segment, segments, "segment")
    for i, action in enumerate(doc.actions):
        at: Path = ("actions", i)
        if action.end < action.start:
            problems.append(((*at, "end"), Message(_NOT_BEFORE_START, start=action.start)))
        known((*at, "segment"), action.segment, segments, "segment")
        for j, account in enumerate(action.accounts):
            known((*at, "accounts", j), account, accounts, "account")
        known((*at, "event"), action.event, events, "event")
        if action.expected is not None:
            known((*at, "expected", "objective"), action.expected.objective, objectives, "objective")
            if stages is not None and action.expected.stage is not None and action.expected.stage not in stages:
                problems.append(
                    (
                        (*at, "expected", "stage"),
                        Message(
                            gettext_noop("stage {stage} is not in the funnel"), stage=repr(action.expected.stage.value)
                        ),
                    )
                )
        for j, milestone in enumerate(action.milestones):
            if not action.start <= milestone.date <= action.end:
                problems.append(
                    (
                        (*at, "milestones", j, "date"),
                        Message(
                            gettext_noop("must be between the action's start and end ({start} to {end})"),
                            start=action.start,
                            end=action.end,
                        ),
                    )
                )
        if action.hours and action.role is None:
            problems.append(
                ((*at, "role"), Message(gettext_noop("required when hours are given: whose hours are they?")))
            )
    for i, event in enumerate(doc.events):
        if event.end is not None and event.end < event.start:
            problems.append((("events", i, "end"), Message(_NOT_BEFORE_START, start=event.start)))
    for i, deadline in enumerate(doc.deadlines):
        if (deadline.date is None) == (deadline.rrule is None):
            problems.append((("deadlines", i), Message(gettext_noop("give either a date or an rrule"))))
    for i, partner in enumerate(doc.partners):
        known(("partners", i, "segment"), partner.segment, segments, "segment")
        problems += _partner_dates(("partners", i), partner)
    return problems


def _partner_dates(at: Path, partner: PartnerEntry) -> list[tuple[Path, str]]:
    """A partner recruited or active says since when; a prospect has not signed yet."""
    if partner.status in (PartnerStatus.RECRUITED, PartnerStatus.ACTIVE) and partner.recruited is None:
        return [
            (
                (*at, "recruited"),
                Message(gettext_noop("required when the partner is recruited or active: the day it signed")),
            )
        ]
    if partner.status is PartnerStatus.PROSPECT and partner.recruited is not None:
        return [
            (
                (*at, "recruited"),
                Message(gettext_noop("a prospect has not signed yet: remove the date or change the status")),
            )
        ]
    return []


def segments_to_model(entries: list[SegmentEntry]) -> tuple[model.Segment, ...]:
    result = []
    for s in entries:
        criteria = {k: tuple(v) for k, v in s.criteria.model_dump().items() if v}
        if s.personas:
            criteria["persona"] = tuple(dict.fromkeys([*criteria.get("persona", ()), *s.personas]))
        result.append(
            model.Segment(
                s.id,
                s.name,
                criteria,
                s.value_proposition,
                tuple(s.messages),
                s.potential_accounts,
                s.potential_value,
                dict(s.rates),
                s.cycle_days,
                s.acquisition_cost,
            )
        )
    return tuple(result)


def actions_to_model(entries: list[ActionEntry]) -> tuple[model.Action, ...]:
    return tuple(
        model.Action(
            id=a.id,
            type=a.type,
            name=a.name or a.id,
            start=a.start,
            end=a.end,
            owner=a.owner,
            role=a.role,
            channel=a.channel,
            segment=a.segment,
            accounts=tuple(sorted(a.accounts)),
            persona=a.persona,
            message=a.message,
            expected=model.ExpectedOutcome(a.expected.volume, a.expected.stage, a.expected.metric, a.expected.objective)
            if a.expected
            else None,
            raci=a.raci.to_model() if a.raci else None,
            milestones=tuple(model.Milestone(m.name, m.date) for m in a.milestones),
            budget=a.budget,
            hours=a.hours,
            status=a.status,
            kpi=a.kpi,
            value=a.value,
            event=a.event,
        )
        for a in entries
    )


def sections_to_model(doc: Any) -> dict[str, Any]:
    """Keyword arguments for ``model.Plan`` from the execution sections."""
    weights = doc.priorities or PriorityWeightsEntry()
    return {
        "segments": segments_to_model(doc.segments),
        "accounts": tuple(
            model.Account(a.id, a.name, a.segment, a.strategic, a.potential, a.icp_fit, a.owner, a.stage)
            for a in doc.accounts
        ),
        "contacts": tuple(
            model.Contact(c.id, c.account, c.name, c.persona, c.buying_role, c.email) for c in doc.contacts
        ),
        "actions": actions_to_model(doc.actions),
        "events": tuple(
            model.Event(e.id, e.name, e.kind, e.start, e.end or e.start, tuple(e.campaigns), e.location)
            for e in doc.events
        ),
        "rituals": tuple(
            model.Ritual(r.id, r.name, r.rrule, r.time, r.minutes, r.owner, tuple(r.attendees)) for r in doc.rituals
        ),
        "deadlines": tuple(model.Deadline(d.id, d.name, d.date, d.rrule, d.owner) for d in doc.deadlines),
        "raci": tuple(model.GovernanceRaci(g.activity, g.to_model()) for g in doc.raci),
        "partners": tuple(
            model.Partner(p.id, p.name, p.kind, p.owner, p.status, p.recruited, p.region, p.segment, p.mdf_budget)
            for p in doc.partners
        ),
        "priority_weights": model.PriorityWeights(weights.value, weights.velocity, weights.cost),
        "alerts": (doc.alerts or AlertsEntry()).to_model(),
    }


def _raci(r: model.Raci) -> dict[str, Any]:
    row: dict[str, Any] = {"R": list(r.responsible), "A": r.accountable}
    if r.consulted:
        row["C"] = list(r.consulted)
    if r.informed:
        row["I"] = list(r.informed)
    return row


def alert_thresholds_document(thresholds: model.AlertThresholds, plain: Any = str) -> dict[str, Any]:
    """The thresholds that differ from the defaults, as the ``alerts`` section writes them (and as the web
    app stores them: read back with ``AlertsEntry(**document).to_model()``)."""
    defaults = model.AlertThresholds()
    return {
        name: value.value
        if isinstance(value, model.Severity)
        else plain(value)
        if isinstance(value, Decimal)
        else value
        for name, value in vars(thresholds).items()
        if value != getattr(defaults, name)
    }


#: A segment's criteria in the order the file writes them.
CRITERIA = tuple(Criteria.model_fields)


def _in_order(mapping: Any, order: tuple[Any, ...]) -> list[Any]:
    """The keys of ``mapping`` in a fixed order (others after them, sorted), whatever order it holds them in: the
    same segment is written the same way, read from a file or from a database (PostgreSQL's JSON sorts keys)."""
    return [k for k in order if k in mapping] + sorted(k for k in mapping if k not in order)


def sections_to_data(plan: model.Plan, plain: Any) -> dict[str, Any]:
    """The execution sections as plain YAML data (empty sections left out)."""

    def compact(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if v is not None and v != [] and v != {} and v != ""}

    def num(value: Decimal | None) -> Any:
        return plain(value) if value is not None else None

    data: dict[str, Any] = {}
    if plan.priority_weights != model.PriorityWeights():
        w = plan.priority_weights
        data["priorities"] = {"value": plain(w.value), "velocity": plain(w.velocity), "cost": plain(w.cost)}
    if plan.alerts != model.AlertThresholds():
        data["alerts"] = alert_thresholds_document(plan.alerts, plain)
    data["segments"] = [
        compact(
            {
                "id": s.id,
                "name": s.name,
                "criteria": {k: list(s.criteria[k]) for k in _in_order(s.criteria, CRITERIA)},
                "value_proposition": s.value_proposition,
                "messages": list(s.messages),
                "potential_accounts": s.potential_accounts,
                "potential_value": num(s.potential_value),
                "rates": {k.value: plain(s.rates[k]) for k in _in_order(s.rates, tuple(Stage))},
                "cycle_days": s.cycle_days,
                "acquisition_cost": num(s.acquisition_cost),
            }
        )
        for s in plan.segments
    ]
    data["accounts"] = [
        compact(
            {
                "id": a.id,
                "name": a.name,
                "segment": a.segment,
                "strategic": a.strategic or None,
                "potential": num(a.potential),
                "icp_fit": num(a.icp_fit),
                "owner": a.owner,
                "stage": a.stage.value if a.stage else None,
            }
        )
        for a in plan.accounts
    ]
    data["contacts"] = [
        compact(
            {
                "id": c.id,
                "account": c.account,
                "name": c.name,
                "persona": c.persona,
                "buying_role": c.buying_role.value if c.buying_role else None,
                "email": c.email,
            }
        )
        for c in plan.contacts
    ]
    data["actions"] = [
        compact(
            {
                "id": a.id,
                "type": a.type.value,
                "name": a.name if a.name != a.id else None,
                "start": a.start,
                "end": a.end,
                "owner": a.owner,
                "role": a.role.value if a.role else None,
                "channel": a.channel.value if a.channel else None,
                "segment": a.segment,
                "accounts": list(a.accounts),
                "persona": a.persona,
                "message": a.message,
                "expected": compact(
                    {
                        "volume": plain(a.expected.volume),
                        "stage": a.expected.stage.value if a.expected.stage else None,
                        "metric": a.expected.metric,
                        "objective": a.expected.objective,
                    }
                )
                if a.expected
                else None,
                "raci": _raci(a.raci) if a.raci else None,
                "milestones": [{"name": m.name, "date": m.date} for m in a.milestones],
                "budget": plain(a.budget) if a.budget else None,
                "hours": plain(a.hours) if a.hours else None,
                "status": a.status.value if a.status is not ActionStatus.PLANNED else None,
                "kpi": a.kpi,
                "value": num(a.value),
                "event": a.event,
            }
        )
        for a in plan.actions
    ]
    data["events"] = [
        compact(
            {
                "id": e.id,
                "name": e.name,
                "kind": e.kind.value,
                "start": e.start,
                "end": e.end if e.end != e.start else None,
                "campaigns": list(e.campaigns) or None,
                "location": e.location,
            }
        )
        for e in plan.events
    ]
    for row, event in zip(data["events"], plan.events, strict=True):
        if not event.campaigns:
            row["campaigns"] = []
    data["rituals"] = [
        compact(
            {
                "id": r.id,
                "name": r.name,
                "rrule": r.rrule,
                "time": r.time.strftime("%H:%M"),
                "minutes": r.minutes,
                "owner": r.owner,
                "attendees": list(r.attendees),
            }
        )
        for r in plan.rituals
    ]
    data["deadlines"] = [
        compact({"id": d.id, "name": d.name, "date": d.date, "rrule": d.rrule, "owner": d.owner})
        for d in plan.deadlines
    ]
    data["raci"] = [{"activity": g.activity, **_raci(g.raci)} for g in plan.raci]
    data["partners"] = [
        compact(
            {
                "id": p.id,
                "name": p.name,
                "kind": p.kind.value,
                "owner": p.owner,
                "status": p.status.value,
                "recruited": p.recruited,
                "region": p.region,
                "segment": p.segment,
                "mdf_budget": plain(p.mdf_budget) if p.mdf_budget else None,
            }
        )
        for p in plan.partners
    ]
    return {k: v for k, v in data.items() if v}
