"""Steering a plan under way: the alerts and the corrective levers, fed from the team's CRM data.

The engine (``pac.engine.alerts``, ``pac.engine.corrections``) reads plain inputs; this module fills them
from the canonical tables (open deals, their stage, the pace of new opportunities, the win rate) and the
plan's own analysis, for the scope the reader sees (a rep's deals only)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pac.engine.alerts import Alert, AlertInputs, OpenDeal, evaluate
from pac.engine.alerts.inputs import MAX_DEALS
from pac.engine.analysis import PlanAnalysis
from pac.engine.corrections import Gap, Lever, levers
from pac.engine.formatting import Formatter
from pac.engine.labels import STAGE_NAMES, Translate
from pac.engine.model import Plan, Stage
from pac.engine.outlook import MAX_DAYS
from pac.engine.progress import ObjectiveProgress
from pac.web.cockpit.overview import Overview, whole_range

#: New opportunities are counted over these last weeks to give the pace of the funnel's entry.
INFLOW_WEEKS = 4


@dataclass(frozen=True)
class Steering:
    alerts: tuple[Alert, ...]
    levers: tuple[Lever, ...]
    gap: Gap
    #: the levers are the team's: a narrower scope (one owner, one segment) has none, since the plan's
    #: objectives, funnel and capacity are the whole team's
    team_wide: bool = True


def plan_stage(plan: Plan, crm_stage: str | None) -> Stage:
    """The plan's stage of a CRM deal: its stage when the CRM names one of the plan's (by code or label,
    in either language), else the first stage from SQL on — an opportunity is at least qualified."""
    stages = [s.stage for s in plan.steps if s.stage is not Stage.WON]
    wanted = (crm_stage or "").strip().casefold()
    for stage in stages:
        if wanted in (stage.value, STAGE_NAMES[stage].casefold()):
            return stage
    order = list(Stage)
    return next((s for s in stages if order.index(s) >= order.index(Stage.SQL)), stages[0] if stages else Stage.SQL)


def _date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value  # type: ignore[no-any-return]


def open_deals(plan: Plan, tables: dict[str, Any], today: dt.date) -> tuple[OpenDeal, ...]:
    """The open deals created by today, the newest first when there are more than the rules read."""
    t = tables.get("opportunities")
    if t is None:
        return ()
    t = t.filter((t.outcome == "open") & t.created.notnull() & (t.created <= today))
    columns = [c for c in ("external_id", "stage", "created", "amount", "owner") if c in t.columns]
    rows = t.order_by(t.created.desc()).select(*columns).limit(MAX_DEALS).to_pyarrow().to_pylist()
    return tuple(
        OpenDeal(
            id=str(r["external_id"]),
            stage=plan_stage(plan, r.get("stage")),
            created=_date(r["created"]),
            amount=Decimal(str(r["amount"])) if r.get("amount") is not None else None,
            owner=r.get("owner") or None,
        )
        for r in rows
    )


def _kpis(tables: dict[str, Any], today: dt.date, start: dt.date, names: list[str]) -> dict[str, Any]:
    from pac.engine.kpis import compute_kpis

    return {
        kpi: row["value"]
        for kpi, row in whole_range(compute_kpis(tables, as_of=today, start=start, kpis=names)).items()
    }


def _by_days_in_stage(deals: tuple[OpenDeal, ...], today: dt.date) -> dict[Stage, dict[int, int]]:
    """The open deals by stage and days spent in it (since they entered it, else since created)."""
    found: dict[Stage, Counter[int]] = {}
    for d in deals:
        days = min(max((today - (d.entered_stage or d.created)).days, 0), MAX_DAYS)
        found.setdefault(d.stage, Counter())[days] += 1
    return {stage: dict(by_days) for stage, by_days in found.items()}


def steering(
    analysis: PlanAnalysis,
    tables: dict[str, Any],
    progress: list[ObjectiveProgress],
    booked: Decimal,
    remaining: Decimal | None,
    today: dt.date,
    fmt: Formatter,
    translate: Translate,
    probability_of_target: float | None = None,
    booked_wins: int | None = None,
    team_wide: bool = True,
) -> Steering:
    """``booked_wins``: the deals won since the plan's start when the caller has counted them already."""
    plan = analysis.plan
    deals = open_deals(plan, tables, today) if tables else ()
    figures = (
        _kpis(tables, today, today - dt.timedelta(days=365), ["win_rate", "no_show_rate", "meetings"]) if tables else {}
    )
    since_start = (
        {"wins": booked_wins}
        if booked_wins is not None
        else _kpis(tables, today, plan.start, ["wins"])
        if tables and today >= plan.start
        else {}
    )
    inflow = (
        _kpis(tables, today, today - dt.timedelta(weeks=INFLOW_WEEKS) + dt.timedelta(days=1), ["opportunities"])
        if tables
        else {}
    )
    first = next((s.stage for s in plan.steps), None)
    weekly_inflow = (
        {first: Decimal(str(inflow["opportunities"])) / INFLOW_WEEKS}
        if first is not None and inflow.get("opportunities") is not None
        else {}
    )
    gap = Gap(
        booked_revenue=booked,
        booked_wins=int(since_start.get("wins") or 0),
        aged_deals=_by_days_in_stage(deals, today),
        weekly_inflow=weekly_inflow,
    )
    inputs = AlertInputs(
        progress=tuple(progress),
        open_deals=deals,
        remaining_target=remaining,
        win_rate=Decimal(str(figures["win_rate"])) if figures.get("win_rate") is not None else None,
        no_show_rate=Decimal(str(figures["no_show_rate"])) if figures.get("no_show_rate") is not None else None,
        no_show_count=int(figures.get("meetings") or 0),
        capacity=analysis.capacity,
        diagnostics=analysis.diagnostics,
        probability_of_target=probability_of_target,
    )
    found_levers = (
        levers(plan, gap, today, roles=analysis.capacity, formatter=fmt, translate=translate) if team_wide else []
    )
    return Steering(tuple(evaluate(plan, inputs, today)), tuple(found_levers), gap, team_wide)


def steer(
    analysis: PlanAnalysis,
    tables: dict[str, Any],
    found: Overview,
    today: dt.date,
    fmt: Formatter,
    translate: Translate,
    probability_of_target: float | None = None,
    progress: list[ObjectiveProgress] | None = None,
    team_wide: bool = True,
) -> Steering | None:
    """The alerts and levers of the scope ``found`` was computed for (the page, the digest and the review
    pack all ask through here); None before the plan has a pace (not started, no revenue objective)."""
    if found.pace is None:
        return None
    return steering(
        analysis,
        tables,
        progress or [],
        found.pace.actual_to_date,
        found.pace.remaining,
        today,
        fmt,
        translate,
        probability_of_target,
        found.wins_since_start,
        team_wide,
    )
