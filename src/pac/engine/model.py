"""Enums and frozen dataclasses shared by the engine.

The plan file (``planfile``) and the web app both convert their own representation into these
objects once, so the funnel, capacity and diagnostics code has a single input shape.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


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

    @property
    def stage(self) -> Stage | None:
        return _METRIC_STAGE.get(self)


_METRIC_STAGE = {
    Metric.LEADS: Stage.LEAD,
    Metric.MQLS: Stage.MQL,
    Metric.SQLS: Stage.SQL,
    Metric.MEETINGS: Stage.MEETING,
    Metric.DEMOS: Stage.DEMO,
    Metric.PROPOSALS: Stage.PROPOSAL,
    Metric.WINS: Stage.WON,
}


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
    role: Role
    headcount: int
    hours_per_week: Decimal


@dataclass(frozen=True)
class Effort:
    """Hours of ``role`` work each unit of ``stage`` volume costs."""

    stage: Stage
    role: Role
    hours: Decimal


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

    @property
    def days(self) -> int:
        """Calendar days covered, both ends included."""
        return (self.end - self.start).days + 1
