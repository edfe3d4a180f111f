"""What the API reads and answers, as pydantic schemas (the OpenAPI schema is made from them). Inputs are
bounded — lengths, numbers, dates between 1900 and 2199, no NUL character — so that a bad value is refused
with its place (422), never stored or sent to the database to fail there."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator, WithJsonSchema, model_validator

from pac.engine.model import ActionStatus, ActionType, Channel, Role, Stage
from pac.web.plans.action_list import is_overdue

#: The largest id a path or a filter takes (ids are 64-bit in the database).
MAX_ID = 2**53
#: A version as the API sends it back; larger is never current.
MAX_VERSION = 2**31 - 1


def _text(value: str) -> str:
    """Text the database stores: no NUL character, nothing UTF-8 cannot write (a lone surrogate)."""
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode text") from None
    return value


def _day(value: dt.date) -> dt.date:
    if not 1900 <= value.year <= 2199:
        raise ValueError("a date between 1900-01-01 and 2199-12-31")
    return value


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def Amount(low: str, high: str) -> Any:
    """A JSON number between ``low`` and ``high``, kept to the cent (exact: read as a decimal)."""
    bounds = {"minimum": float(low), "maximum": float(high)}
    return Annotated[
        Decimal,
        Field(ge=Decimal(low), le=Decimal(high), allow_inf_nan=False),
        AfterValidator(_cents),
        WithJsonSchema({"type": "number", **bounds}),
    ]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=0, le=MAX_VERSION)]
Day = Annotated[dt.date, AfterValidator(_day), Field(description="A date between 1900-01-01 and 2199-12-31.")]


#: No NUL character (PostgreSQL refuses it): said in the schema too, so that a client knows.
NO_NUL = r"^[^\x00]*$"


def Text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[str, Field(min_length=min_length, max_length=max_length, pattern=NO_NUL), AfterValidator(_text)]


class Problem(Schema):
    """An error: what is wrong, in the caller's language, and where for each invalid field."""

    detail: str
    errors: list[dict[str, Any]] | None = None


#: The answers every authenticated call may give besides its own.
CALL: dict[int, Any] = {401: Problem, 413: Problem, 422: Problem, 429: Problem}
READ_ONE: dict[int, Any] = {**CALL, 404: Problem}
WRITE: dict[int, Any] = {**READ_ONE, 400: Problem, 403: Problem, 409: Problem}


class PlanOut(Schema):
    id: int
    team_id: int
    team: str
    name: str
    owner: str
    start: dt.date
    end: dt.date
    currency: str
    country: str
    version: int = Field(description="Grows at every change of the plan.")
    updated_at: dt.datetime

    @staticmethod
    def resolve_team(plan: Any) -> str:
        return str(plan.team.name)

    @staticmethod
    def resolve_owner(plan: Any) -> str:
        return str(plan.owner.username)


class ObjectiveOut(Schema):
    id: int
    code: str
    metric: str
    target: Decimal | None
    deadline: dt.date | None
    per: str
    segment: str


class ActionOut(Schema):
    id: int
    code: str
    type: str
    name: str
    channel: str
    segment: str = Field(description="The segment's id in the plan, empty when none.")
    owner: str
    role: str
    start: dt.date
    end: dt.date
    budget: Decimal
    hours: Decimal
    status: str
    progress: int = Field(description="Per cent, 0 to 100.")
    version: int = Field(description="The action's own version: send it back to change its status or progress.")
    expected_volume: Decimal | None
    expected_stage: str
    kpi: str
    raci: dict[str, Any]
    overdue: bool = Field(description="Past its end and neither done nor cancelled, as the action list flags it.")

    @staticmethod
    def resolve_segment(action: Any) -> str:
        return str(action.segment.code) if action.segment else ""

    @staticmethod
    def resolve_overdue(action: Any) -> bool:
        return is_overdue(action, timezone.localdate())


class Raci(Schema):
    """Usernames: at least one Responsible, exactly one Accountable."""

    R: list[Text(150, 1)] = Field(min_length=1, max_length=20)
    A: Text(150, 1)
    C: list[Text(150)] = Field(default_factory=list, max_length=20)
    I: list[Text(150)] = Field(default_factory=list, max_length=20)  # noqa: E741 - RACI's letter


class ActionIn(Schema):
    """A new action of the plan; ``version`` is the plan's version the caller read (409 when it moved on)."""

    version: Version
    name: Text(200, 1)
    type: ActionType
    start: Day
    end: Day
    code: Annotated[str, Field(max_length=64, pattern=r"^[-a-zA-Z0-9_]*$")] = Field(
        "", description="Empty: made from the name."
    )
    status: ActionStatus = ActionStatus.PLANNED
    channel: Channel | None = None
    segment: Text(64) = Field("", description="A segment's id in the plan.")
    owner: Text(150) = Field("", description="A team member's username.")
    role: Role | None = None
    budget: Amount("0", "999999999999.99") = 0
    hours: Amount("0", "9999999.99") = 0
    expected_volume: Amount("0.01", "9999999999.99") | None = None
    expected_stage: Stage | None = None
    kpi: Text(200) = ""
    message: Text(5000) = ""
    raci: Raci | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> ActionIn:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class ActionChange(Schema):
    """A change of an action: ``version`` is the action's version the caller read. A new status and progress
    alone is the update an action's owner makes; any other field is an edit of the plan, made by whoever may
    edit it, with the plan's version as read (``plan_version``)."""

    version: Version
    status: ActionStatus | None = None
    progress: int | None = Field(None, ge=0, le=100)
    plan_version: Version | None = Field(None, description="The plan's version: needed to change other fields.")
    name: Text(200, 1) | None = None
    start: Day | None = None
    end: Day | None = None
    owner: Text(150) | None = Field(None, description="A team member's username; empty: nobody.")
    role: Role | None = None
    budget: Amount("0", "999999999999.99") | None = None
    hours: Amount("0", "9999999.99") | None = None
    kpi: Text(200) | None = None
    message: Text(5000) | None = None

    @property
    def edits(self) -> dict[str, Any]:
        """The fields given beyond status and progress."""
        return {name: getattr(self, name) for name in EDITABLE if getattr(self, name) is not None}


#: What a change of an action may set besides its status and progress.
EDITABLE = ("name", "start", "end", "owner", "role", "budget", "hours", "kpi", "message")


class ActionFilters(Schema):
    """The action list's filters, as the web list has them."""

    owner: Text(150) | None = Field(None, description="A username.")
    segment: Text(64) | None = Field(None, description="A segment's id in the plan.")
    status: ActionStatus | None = None
    type: ActionType | None = None


class CrmFilters(Schema):
    team: Id | None = Field(None, description="One of your teams (all of them by default).")
    owner: Text(200) | None = Field(None, description="The owner as the CRM names them.")


class AccountOut(Schema):
    id: int
    code: str
    name: str
    segment: str
    strategic: bool
    potential: Decimal | None
    icp_fit: Decimal | None
    owner: str
    stage: str

    @staticmethod
    def resolve_segment(account: Any) -> str:
        return str(account.segment.code) if account.segment else ""


class ContactOut(Schema):
    id: int
    code: str
    name: str
    account_id: int
    account: str = Field(description="The account's id in the plan.")
    persona: str
    buying_role: str
    email: str

    @staticmethod
    def resolve_account(contact: Any) -> str:
        return str(contact.account.code)


class OpportunityOut(Schema):
    id: int
    team_id: int
    external_id: str
    name: str
    account: str
    owner: str
    segment: str
    channel: str
    product: str
    partner: str
    stage: str
    outcome: str
    amount: Decimal | None
    currency: str
    created: dt.date | None
    closed: dt.date | None
    expected_close: dt.date | None
    forecast_category: str


class ActivityOut(Schema):
    id: int
    team_id: int
    external_id: str
    kind: str
    owner: str
    account: str
    opportunity: str
    scheduled: dt.date | None
    held: bool | None
    outcome: str


class KpiOut(Schema):
    kpi: str
    label: str
    unit: str
    value: float | None
    shown: str = Field(description="The value as the reader writes it (« 25 % », « 1 000 000 € »).")
    why: str = Field(description="Why there is no value, or a note on it; empty when neither.")


class KpisOut(Schema):
    start: dt.date
    as_of: dt.date
    whole_team: bool
    kpis: list[KpiOut]


class ForecastOut(Schema):
    available: bool
    why_not: str = ""
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    as_of: dt.date | None = None
    target: float | None = None
    closed_won: float | None = None
    open_pipeline: float | None = None
    new_business: float | None = None
    expected: float | None = None
    p10: float | None = None
    p50: float | None = None
    p90: float | None = None
    probability_of_target: float | None = None


class AlertOut(Schema):
    key: str = Field(description="Stable from one run to the next while the situation lasts.")
    code: str
    severity: str
    message: str
    subject: dict[str, str]


class AlertsOut(Schema):
    as_of: dt.date
    alerts: list[AlertOut]


class ChangeCounts(Schema):
    added: int
    removed: int
    changed: int


class VersionOut(Schema):
    """One saved version of a plan: the plan file as it stood after one saved change."""

    number: int = Field(description="The plan's version it was saved as.")
    saved_at: dt.datetime
    author: str | None = Field(description="Who saved it (a username); none for the command line.")
    author_name: str = Field(description="Who saved it, as people are named.")
    baseline: bool = Field(description="The version re-plans are measured against (one at a time).")


class VersionListed(VersionOut):
    summary: str = Field(description="What it changed since the version before it, in words.")
    changes: ChangeCounts | None = Field(description="What it changed since the version before; none for the oldest.")


class VersionPage(Schema):
    items: list[VersionListed]
    count: int
    limit: int
    offset: int


class ChangeOut(Schema):
    """One change, as data (``path``, plain ``old`` and ``new``) and in words (as the comparison page)."""

    change: str = Field(description="added, removed or changed.")
    path: list[str]
    where: str
    old: Any = None
    new: Any = None
    section: str
    subject: str = Field(description="The object, by its name; empty for a section-wide value.")
    field: str = Field(description="The field, by its label; empty for an object added or removed.")
    old_text: str
    new_text: str


class VersionDiffOut(Schema):
    plan: int
    old: VersionOut
    new: VersionOut
    total: int
    count: ChangeCounts
    changes: list[ChangeOut]


class BaselineIn(Schema):
    number: Version = Field(description="The version to make the plan's baseline.")


class ScenarioOut(Schema):
    id: int
    name: str
    note: str = Field(description="What the scenario assumes.")
    version: int = Field(description="The scenario's own version (it is edited as a plan).")
    created_at: dt.datetime
    updated_at: dt.datetime
    changes: int = Field(description="Objects it changes, adds or removes in the plan.")


class ScenarioIn(Schema):
    name: Text(200, 1)
    note: Text(300) = Field("", description="What it assumes, e.g. « +1 AE à partir de mars ».")


class CompareFilters(Schema):
    ids: list[Id] = Field(
        default_factory=list, max_length=4, description="Up to four of the plan's scenarios (default: the first four)."
    )


class RoleLoad(Schema):
    role: str
    hours_needed: float
    hours_available: float
    weeks_over_capacity: int


class ColumnOut(Schema):
    """The plan or one scenario as the comparison reads it."""

    id: int
    name: str
    scenario: bool
    note: str
    currency: str
    revenue_target: float | None
    volumes: dict[str, int] = Field(description="Each funnel stage's volume.")
    capacity: list[RoleLoad]
    actions_budget: float
    budget: float | None
    probability_of_target: float | None = Field(description="From the team's forecast, for this column's target.")
    why_no_probability: str
    diagnostics: dict[str, int] = Field(description="Diagnostics by severity.")
    changes: int | None = Field(description="Objects it changes in the plan; none for the plan itself.")


class ComparisonOut(Schema):
    plan: int
    version: int
    columns: list[ColumnOut]


class PromoteIn(Schema):
    version: Version = Field(description="The plan's version as read (409 when it moved on).")


class PromotedOut(Schema):
    plan: int
    version: int = Field(description="The plan's version now.")
    scenario: str = Field(description="The scenario promoted (now gone: it is the plan).")
    decision: int = Field(description="The decision logged.")
    changes: list[ChangeOut]
