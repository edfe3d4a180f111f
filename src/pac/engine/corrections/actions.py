"""Concrete actions for a lever, as ``model.Action`` the web layer can add to the plan: who (the role
with free hours on the stage), when (from today to the date the lever's volume is needed by), how much
(volume, stage, hours). The plan knows roles, not people: the page picks the person."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pac.engine.labels import STAGE_PLURALS, Translate, gettext_noop
from pac.engine.model import Action, ActionStatus, ActionType, ExpectedOutcome, Plan, Role, Stage

#: The kind of action that produces a stage's volume, or raises its conversion.
STAGE_ACTIONS: dict[Stage, ActionType] = {
    Stage.LEAD: ActionType.PROSPECTING_SEQUENCE,
    Stage.MQL: ActionType.PROSPECTING_SEQUENCE,
    Stage.SQL: ActionType.PROSPECTING_SEQUENCE,
    Stage.MEETING: ActionType.FOLLOW_UP,
    Stage.DEMO: ActionType.DEMO,
    Stage.PROPOSAL: ActionType.PROPOSAL,
    Stage.WON: ActionType.FOLLOW_UP,
}

NAMES: dict[str, str] = {
    "volume": gettext_noop("Add {volume} {stage}"),
    "conversion": gettext_noop("Raise the {stage} conversion to {to_rate}"),
    "deal_size": gettext_noop("Raise the average deal to {amount}"),
    "cycle": gettext_noop("Shorten the cycle by {days} days"),
    "headcount": gettext_noop("Add {volume} {stage} with {count} new {role}"),
}


def unique_id(plan: Plan, base: str) -> str:
    """``base``, or ``base-2``, ``base-3``… when the plan already has an action by that id."""
    taken = {a.id for a in plan.actions}
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


def stage_text(stage: Stage, translate: Translate) -> str:
    return translate(STAGE_PLURALS[stage])


def proposed_action(
    plan: Plan,
    code: str,
    stage: Stage,
    start: dt.date,
    end: dt.date,
    name: str,
    role: Role | None,
    volume: int | None = None,
    hours: Decimal = Decimal(0),
) -> Action:
    """An action with status ``proposed``: the page shows it, the manager adds it to the plan or not."""
    expected = ExpectedOutcome(Decimal(volume), stage) if volume else None
    return Action(
        id=unique_id(plan, f"fix-{code}-{stage.value}".replace("_", "-")),
        type=STAGE_ACTIONS[stage],
        name=name[:200],
        start=start,
        end=max(start, end),
        role=role,
        expected=expected,
        hours=hours.quantize(Decimal("0.01")),
        status=ActionStatus.PROPOSED,
    )
