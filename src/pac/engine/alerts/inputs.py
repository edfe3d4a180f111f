"""What the alert rules read, as plain data: each caller (the web cockpit, a test, a script) fills it
from its own sources — progress lines, KPI values, the open deals, the plan's analysis and the
forecast's P(target) — so the rules depend on none of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from pac.engine.capacity import RoleCapacity
from pac.engine.diagnostics import Diagnostic
from pac.engine.model import Stage
from pac.engine.progress import ObjectiveProgress

#: Deals, conversions and progress lines read at most (a team's open pipeline is far smaller).
MAX_DEALS = 20_000
MAX_LINES = 1_000


@dataclass(frozen=True)
class OpenDeal:
    """A deal not closed yet. ``entered_stage``: when it reached its current stage (None when the CRM
    keeps no stage history: its age since ``created`` is used); ``first_expected_close``: the close
    date first forecast, to see it slip."""

    id: str
    stage: Stage
    created: dt.date
    amount: Decimal | None = None
    entered_stage: dt.date | None = None
    expected_close: dt.date | None = None
    first_expected_close: dt.date | None = None
    owner: str | None = None


@dataclass(frozen=True)
class StageConversion:
    """A stage's conversion to the next one this period (``rate`` over ``count`` deals that left the
    stage) and over the trailing history before it."""

    stage: Stage
    rate: Decimal
    count: int
    history_rate: Decimal


@dataclass(frozen=True)
class AlertInputs:
    """Everything the rules read; every part is optional, and a rule without its input stays quiet.

    ``remaining_target``: revenue still to win in the period; ``win_rate`` the measured win rate (the
    plan's last stage rate when None); ``no_show`` the meetings that did not happen ÷ the meetings
    held or not, over ``no_show_count`` meetings; ``stage_days`` the historical median days in each
    stage (the plan's ``days`` when missing); ``probability_of_target`` the forecast's P(target)."""

    progress: tuple[ObjectiveProgress, ...] = ()
    open_deals: tuple[OpenDeal, ...] = ()
    remaining_target: Decimal | None = None
    win_rate: Decimal | None = None
    no_show_rate: Decimal | None = None
    no_show_count: int = 0
    conversions: tuple[StageConversion, ...] = ()
    stage_days: Mapping[Stage, Decimal] = field(default_factory=dict)
    capacity: tuple[RoleCapacity, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    probability_of_target: float | None = None

    def __post_init__(self) -> None:
        if len(self.open_deals) > MAX_DEALS:
            raise ValueError(f"at most {MAX_DEALS} open deals")
        if max(len(self.progress), len(self.conversions), len(self.diagnostics)) > MAX_LINES:
            raise ValueError(f"at most {MAX_LINES} progress lines, conversions and diagnostics")
