"""Enums and frozen dataclasses shared by the engine.

The plan file (``planfile``) and the web app both convert their own representation into these
objects once, so the funnel, capacity and diagnostics code has a single input shape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pac.engine.sequences import Capacity, PlannedSequence


class Stage(StrEnum):
    """Funnel stages, top to bottom. A plan may use a subset, always in this order."""

    LEAD = "lead"
    MQL = "mql"
    SQL = "sql"
    MEETING = "meeting"
    DEMO = "demo"
    PROPOSAL = "proposal"
    WON = "won"

    @property
    def order(self) -> int:
        return list(Stage).index(self)


class Role(StrEnum):
    MANAGER = "manager"
    SDR = "sdr"
    AE = "ae"
    CSM = "csm"
    MARKETING = "marketing"
    EXECUTIVE = "executive"
    ADMIN = "admin"


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    SOCIAL = "social"
    EVENT = "event"
    PARTNER = "partner"
    WEBINAR = "webinar"
    FIELD = "field"


class Metric(StrEnum):
    """What an objective measures. Volume metrics map onto a funnel stage (see ``stage``)."""

    REVENUE = "revenue"
    LEADS = "leads"
    MQLS = "mqls"
    SQLS = "sqls"
    MEETINGS = "meetings"
    DEMOS = "demos"
    PROPOSALS = "proposals"
    WINS = "wins"
    ACCOUNTS = "accounts"
    WIN_RATE = "win_rate"
    CYCLE_DAYS = "cycle_days"
    AVERAGE_DEAL = "average_deal"
    PARTNERS = "partners"  # partners recruited (the plan's own ``partners``), counted from their recruitment date
    NRR = "nrr"  # net revenue retention, a fraction (1.15 for 115 %)
    ADOPTION = "adoption"  # new customers still active 60 days after their start, a fraction

    @property
    def stage(self) -> Stage | None:
        return _METRIC_STAGE.get(self)

    @property
    def lower_is_better(self) -> bool:
        """A sales cycle shorter than its target is on track; every other metric aims higher."""
        return self is Metric.CYCLE_DAYS


_METRIC_STAGE = {
    Metric.LEADS: Stage.LEAD,
    Metric.MQLS: Stage.MQL,
    Metric.SQLS: Stage.SQL,
    Metric.MEETINGS: Stage.MEETING,
    Metric.DEMOS: Stage.DEMO,
    Metric.PROPOSALS: Stage.PROPOSAL,
    Metric.WINS: Stage.WON,
}

#: Metrics whose target is a fraction (0.3 for 30 %), read and written in per cent, with their highest
#: sensible target: a win rate or an adoption rate tops at 100 %, a net retention may exceed it.
RATE_METRICS: dict[Metric, Decimal] = {
    Metric.WIN_RATE: Decimal(1),
    Metric.NRR: Decimal(5),
    Metric.ADOPTION: Decimal(1),
}
#: The decimals a rate metric is shown with: a win rate to the tenth (27.5 %), retention and adoption whole
#: (108 %), as they are reported.
RATE_DIGITS: dict[Metric, int] = {Metric.WIN_RATE: 1, Metric.NRR: 0, Metric.ADOPTION: 0}


class Period(StrEnum):
    """The recurrence of an activity objective ("30 demos per week")."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Objective:
    """A SMART objective. Fields may be missing: diagnostics say what is not SMART."""

    id: str
    metric: Metric | None
    target: Decimal | None
    deadline: dt.date | None = None
    per: Period | None = None
    segment: str | None = None


@dataclass(frozen=True)
class FunnelStep:
    """One stage of the plan's funnel: ``rate`` converts to the next stage in ``days`` (median)."""

    stage: Stage
    rate: Decimal | None = None
    days: int = 0


@dataclass(frozen=True)
class TeamRole:
    """People of one role the plan counts on. ``start``: when they join (None: already there);
    ``ramp_up``: their productivity in each month from ``start`` (0.5, 0.75…), full after."""

    role: Role
    headcount: int
    hours_per_week: Decimal
    start: dt.date | None = None
    ramp_up: tuple[Decimal, ...] = ()


@dataclass(frozen=True)
class Effort:
    """Hours of ``role`` work each unit of ``stage`` volume costs."""

    stage: Stage
    role: Role
    hours: Decimal


class ActionType(StrEnum):
    PROSPECTING_SEQUENCE = "prospecting_sequence"
    ABM_CAMPAIGN = "abm_campaign"
    FOLLOW_UP = "follow_up"
    DEMO = "demo"
    PROPOSAL = "proposal"
    RENEWAL = "renewal"
    CROSS_SELL = "cross_sell"
    UPSELL = "upsell"
    EVENT = "event"
    WEBINAR = "webinar"
    PARTNER_RECRUITMENT = "partner_recruitment"
    QBR = "qbr"
    FIELD_TRIAL = "field_trial"
    MDF_KIT = "mdf_kit"
    ACTIVATION_CAMPAIGN = "activation_campaign"


class PartnerKind(StrEnum):
    """What a channel partner does for the plan."""

    VAR = "var"  # value-added reseller
    DISTRIBUTOR = "distributor"
    INTEGRATOR = "integrator"
    REFERRAL = "referral"


class PartnerStatus(StrEnum):
    """A partner's way through recruitment: prospect → recruited (a date) → active, or dropped."""

    PROSPECT = "prospect"
    RECRUITED = "recruited"
    ACTIVE = "active"
    DROPPED = "dropped"


class ActionStatus(StrEnum):
    PROPOSED = "proposed"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class EventKind(StrEnum):
    TRADE_SHOW = "trade_show"
    CONFERENCE = "conference"
    WEBINAR = "webinar"
    PRODUCT_LAUNCH = "product_launch"
    BUDGET_SEASON = "budget_season"
    OTHER = "other"


class BuyingRole(StrEnum):
    """A contact's part in the buying centre."""

    DECISION_MAKER = "decision_maker"
    ECONOMIC_BUYER = "economic_buyer"
    CHAMPION = "champion"
    INFLUENCER = "influencer"
    USER = "user"
    GATEKEEPER = "gatekeeper"


@dataclass(frozen=True)
class Segment:
    """A target (ICP) segment: who, why us, and what it may bring."""

    id: str
    name: str
    criteria: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # industry, size, region, persona
    value_proposition: str = ""
    messages: tuple[str, ...] = ()
    potential_accounts: int | None = None
    potential_value: Decimal | None = None
    rates: Mapping[Stage, Decimal] = field(default_factory=dict)  # historical or assumed, per stage
    cycle_days: int | None = None
    acquisition_cost: Decimal | None = None  # per won customer


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    segment: str | None = None
    strategic: bool = False
    potential: Decimal | None = None
    icp_fit: Decimal | None = None  # 0..1
    owner: str | None = None
    stage: Stage | None = None


@dataclass(frozen=True)
class Contact:
    id: str
    account: str
    name: str
    persona: str | None = None  # CFO, COO…
    buying_role: BuyingRole | None = None
    email: str | None = None


@dataclass(frozen=True)
class Raci:
    """Exactly one Accountable, at least one Responsible (checked where it is entered)."""

    responsible: tuple[str, ...]
    accountable: str
    consulted: tuple[str, ...] = ()
    informed: tuple[str, ...] = ()

    @property
    def people(self) -> tuple[str, ...]:
        """Everyone named, once, in R, A, C, I order."""
        return tuple(dict.fromkeys((*self.responsible, self.accountable, *self.consulted, *self.informed)))

    def letters(self, person: str) -> str:
        """The person's part, e.g. ``"R/A"`` for someone who does the work and answers for it."""
        parts = (("R", self.responsible), ("A", (self.accountable,)), ("C", self.consulted), ("I", self.informed))
        return "/".join(letter for letter, members in parts if person in members)


@dataclass(frozen=True)
class Milestone:
    name: str
    date: dt.date


@dataclass(frozen=True)
class ExpectedOutcome:
    """What an action should yield: ``volume`` of ``stage`` (feeds the funnel diagnostics), or of a
    free ``metric``; ``objective`` names the objective it serves."""

    volume: Decimal
    stage: Stage | None = None
    metric: str | None = None
    objective: str | None = None


@dataclass(frozen=True)
class Action:
    id: str
    type: ActionType
    name: str
    start: dt.date
    end: dt.date
    owner: str | None = None
    role: Role | None = None  # whose hours ``hours`` are
    channel: Channel | None = None
    segment: str | None = None
    accounts: tuple[str, ...] = ()
    persona: str | None = None
    message: str = ""
    expected: ExpectedOutcome | None = None
    raci: Raci | None = None
    milestones: tuple[Milestone, ...] = ()
    budget: Decimal = Decimal(0)
    hours: Decimal = Decimal(0)
    status: ActionStatus = ActionStatus.PLANNED
    kpi: str | None = None
    value: Decimal | None = None  # expected value when known better than the funnel's estimate
    event: str | None = None  # the event an activation campaign prepares


@dataclass(frozen=True)
class Event:
    """A launch window: trade show, budget season… with activation campaigns before it."""

    id: str
    name: str
    kind: EventKind
    start: dt.date
    end: dt.date
    campaigns: tuple[int, ...] = (60, 30, 7)  # calendar days before the start
    location: str | None = None


@dataclass(frozen=True)
class Partner:
    """A channel partner the plan recruits and sells through; ``owner`` is the team member who manages it,
    ``recruited`` the day it signed (given from the status recruited on), ``mdf_budget`` its co-marketing funds."""

    id: str
    name: str
    kind: PartnerKind = PartnerKind.VAR
    owner: str | None = None
    status: PartnerStatus = PartnerStatus.PROSPECT
    recruited: dt.date | None = None
    region: str | None = None
    segment: str | None = None
    mdf_budget: Decimal = Decimal(0)

    def recruited_by(self, day: dt.date) -> bool:
        """Whether it counts as recruited on ``day``: recruited or active, signed that day or before."""
        return (
            self.status in (PartnerStatus.RECRUITED, PartnerStatus.ACTIVE)
            and self.recruited is not None
            and self.recruited <= day
        )


@dataclass(frozen=True)
class Ritual:
    """A recurring team meeting (RFC 5545 RRULE), e.g. the weekly pipeline review."""

    id: str
    name: str
    rrule: str
    time: dt.time = dt.time(9, 0)
    minutes: int = 60
    owner: str | None = None
    attendees: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deadline:
    """A reporting deadline: one date, or a recurrence (RRULE)."""

    id: str
    name: str
    date: dt.date | None = None
    rrule: str | None = None
    owner: str | None = None


@dataclass(frozen=True)
class GovernanceRaci:
    """Who is R/A/C/I for a recurring activity of the team (forecast, pricing, pipeline review…)."""

    activity: str
    raci: Raci


@dataclass(frozen=True)
class PriorityWeights:
    value: Decimal = Decimal("0.5")
    velocity: Decimal = Decimal("0.3")
    cost: Decimal = Decimal("0.2")


@dataclass(frozen=True)
class AlertThresholds:
    """When an alert fires (``engine.alerts``); a plan may set its own in the ``alerts`` section.

    Rates are fractions (0.10 for 10 %), a drop is in points of rate (0.10 for 10 points)."""

    pace_behind: Decimal = Decimal("0.10")  # behind the expected-to-date by this share of it, or more
    coverage_margin: Decimal = Decimal(1)  # pipeline must cover margin ÷ win rate times what is left
    min_probability: Decimal = Decimal("0.5")  # P(target) under this
    max_no_show: Decimal = Decimal("0.20")  # no-show rate at or above this
    conversion_drop: Decimal = Decimal("0.10")  # a stage's rate this many points under its history, or more
    stalled_factor: Decimal = Decimal(2)  # a deal in its stage for this many times the median, or more
    slip_days: int = 7  # expected close pushed back by this many days, or more
    min_sample: int = 10  # rates measured on fewer cases than this say nothing yet
    max_load: Decimal = Decimal(1)  # a role's week loaded above this share of its hours
    diagnostics: Severity = Severity.WARNING  # plan diagnostics of this severity or worse
    history_gap: Decimal = Decimal("0.20")  # a plan's rate more than this share away from history (relative)


@dataclass(frozen=True)
class Plan:
    name: str
    start: dt.date
    end: dt.date
    currency: str = "EUR"
    country: str = "FR"
    objectives: tuple[Objective, ...] = ()
    average_deal: Decimal | None = None
    steps: tuple[FunnelStep, ...] = ()
    weekly_weights: tuple[Decimal, ...] | None = None
    team: tuple[TeamRole, ...] = ()
    effort: tuple[Effort, ...] = field(default_factory=tuple)
    fiscal_year_start: int = 1  # month
    timezone: str = "Europe/Paris"
    budget: Decimal | None = None
    priority_weights: PriorityWeights = field(default_factory=PriorityWeights)
    segments: tuple[Segment, ...] = ()
    accounts: tuple[Account, ...] = ()
    contacts: tuple[Contact, ...] = ()
    actions: tuple[Action, ...] = ()
    events: tuple[Event, ...] = ()
    rituals: tuple[Ritual, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    raci: tuple[GovernanceRaci, ...] = ()
    alerts: AlertThresholds = field(default_factory=AlertThresholds)
    sequences: tuple[PlannedSequence, ...] = ()
    partners: tuple[Partner, ...] = ()
    touch_capacity: Capacity | None = None  # touches per owner and business day (engine.sequences)

    @property
    def days(self) -> int:
        """Calendar days covered, both ends included."""
        return (self.end - self.start).days + 1
