"""What the cockpit's landing page gathers for one plan, as the reader may see it: the revenue pace
(burn-up and re-plan), the funnel plan against actual, KPI tiles with their trend and the deals that
need attention. A rep sees their own deals only; a manager may narrow to an owner or a segment.

Everything is measured on the team's canonical tables by the engine (KPIs, ``pace``); this module only
scopes the tables and puts the figures side by side."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pac.engine.analysis import PlanAnalysis
from pac.engine.funnel import revenue_target
from pac.engine.model import Plan, Stage
from pac.engine.pace import Pace, pace
from pac.engine.workdays import IsoWeek, business_days_between, business_days_in_week

#: The KPI that counts each funnel stage; the SQL stage falls back on new opportunities when the CRM
#: keeps no leads (an opportunity is a qualified lead).
STAGE_KPIS: dict[Stage, tuple[str, ...]] = {
    Stage.LEAD: ("leads",),
    Stage.MQL: ("mql",),
    Stage.SQL: ("sql", "opportunities"),
    Stage.MEETING: ("meetings",),
    Stage.DEMO: ("demos",),
    Stage.WON: ("wins",),
}

#: The KPI tiles, each with the plan's figure it is read against.
TILES = ("win_rate", "average_deal", "sales_cycle_median", "opportunities")

#: A deal open for more than this many median cycles is stalled.
STALLED_CYCLES = 2
ATTENTION_ROWS = 10


@dataclass(frozen=True)
class Scope:
    """Whose figures: one owner's (a rep always sees their own), one segment's, or the whole team's."""

    owner: str = ""
    segment: str = ""


def scoped(tables: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """The tables narrowed to the scope: a table without the column is left out of an owner's or a
    segment's view rather than shown whole (a rep must not see the team's figures as theirs)."""
    out = dict(tables)
    for column in ("owner", "segment"):
        value = getattr(scope, column)
        if not value:
            continue
        for name, table in list(out.items()):
            if column in table.columns:
                out[name] = table.filter(table[column] == value)
            else:
                del out[name]
    return out


@dataclass(frozen=True)
class FunnelLine:
    stage: Stage
    planned: int  # by today, from the weekly schedule
    actual: Decimal | None
    kpi: str | None


@dataclass(frozen=True)
class Tile:
    kpi: str
    value: float | None
    previous: float | None  # the same length of time before the plan started
    planned: Decimal | None
    reason: str | None
    reason_params: Mapping[str, Any] = field(default_factory=dict)  # what the reason's sentence names


@dataclass(frozen=True)
class Deal:
    external_id: str
    name: str
    owner: str
    stage: str
    amount: Decimal | None
    age_days: int
    stalled: bool


@dataclass(frozen=True)
class Overview:
    plan: Plan
    today: dt.date
    target: Decimal | None
    pace: Pace | None
    funnel: tuple[FunnelLine, ...]
    tiles: tuple[Tile, ...]
    deals: tuple[Deal, ...]
    open_deals: int
    stalled_deals: int
    median_cycle: float | None
    business_days_left: int
    wins_since_start: int | None = None  # the deals won from the plan's start (the levers' booked wins)


def _week(label: str) -> IsoWeek:
    year, week = label.split("-W")
    return IsoWeek(int(year), int(week))


def whole_range(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each KPI's row over the whole range asked (no period, no breakdown), by KPI."""
    return {r["kpi"]: r for r in rows if not r["period"] and not r["by"]}


def weekly_revenue(tables: dict[str, Any], plan: Plan, today: dt.date) -> dict[IsoWeek, Decimal]:
    from pac.engine.kpis import compute_kpis

    rows = compute_kpis(tables, as_of=today, start=plan.start, period="week", kpis=["revenue"])
    return {_week(r["period"]): Decimal(str(r["value"])) for r in rows if r["period"] and r["value"] is not None}


def planned_by_today(analysis: PlanAnalysis, today: dt.date) -> dict[Stage, int]:
    """Each stage's volume the schedule asks for by today (the week under way by its business days)."""
    plan, schedule = analysis.plan, analysis.schedule
    if schedule is None:
        return {}
    current = IsoWeek.of(today)
    totals: dict[Stage, Decimal] = {}
    for row in schedule.rows:
        if row.before_plan or row.week > current:
            continue
        share = Decimal(1)
        if row.week == current:
            days = business_days_in_week(row.week, plan.start, plan.end, plan.country)
            share = Decimal(sum(1 for d in days if d <= today)) / len(days) if days else Decimal(0)
        totals[row.stage] = totals.get(row.stage, Decimal(0)) + row.volume * share
    return {stage: round(total) for stage, total in totals.items()}


def _since_start(plan: Plan, tables: dict[str, Any], today: dt.date) -> dict[str, dict[str, Any]]:
    """In one KPI run (its queries shared): the funnel's stage counts, the tiles and the wins, from the
    plan's start to today."""
    from pac.engine.kpis import compute_kpis

    wanted = {k for s in plan.steps for k in STAGE_KPIS.get(s.stage, ())} | set(TILES) | {"wins"}
    return whole_range(compute_kpis(tables, as_of=today, start=plan.start, kpis=sorted(wanted)))


def _funnel(
    analysis: PlanAnalysis, found: dict[str, dict[str, Any]], today: dt.date, share: Decimal
) -> tuple[FunnelLine, ...]:
    plan = analysis.plan
    planned = planned_by_today(analysis, today)
    lines = []
    for step in plan.steps:
        kpi = next((k for k in STAGE_KPIS.get(step.stage, ()) if found.get(k, {}).get("value") is not None), None)
        actual = Decimal(str(found[kpi]["value"])) if kpi else None
        lines.append(FunnelLine(step.stage, round(planned.get(step.stage, 0) * share), actual, kpi))
    return tuple(lines)


def _plan_figures(plan: Plan) -> dict[str, Decimal | None]:
    rates = [s.rate for s in plan.steps if s.rate is not None]
    sql_on = [s for s in plan.steps if s.stage in (Stage.SQL, Stage.DEMO, Stage.PROPOSAL) and s.rate is not None]
    win_rate: Decimal | None = None
    if sql_on:
        win_rate = Decimal(1)
        for step in sql_on:
            win_rate *= step.rate or Decimal(1)
    cycle = sum(
        (Decimal(s.days or 0) for s in plan.steps if s.stage in (Stage.SQL, Stage.DEMO, Stage.PROPOSAL)), Decimal(0)
    )
    return {
        "win_rate": win_rate if rates else None,
        "average_deal": plan.average_deal,
        "sales_cycle_median": cycle or None,
        "opportunities": None,
    }


def _tiles(plan: Plan, tables: dict[str, Any], now: dict[str, dict[str, Any]], today: dt.date) -> tuple[Tile, ...]:
    from pac.engine.kpis import compute_kpis

    length = today - plan.start
    before = whole_range(
        compute_kpis(tables, as_of=plan.start - dt.timedelta(days=1), start=plan.start - length, kpis=TILES)
    )
    planned = _plan_figures(plan)
    return tuple(
        Tile(
            kpi,
            now.get(kpi, {}).get("value"),
            before.get(kpi, {}).get("value"),
            planned.get(kpi),
            now.get(kpi, {}).get("reason_code"),
            now.get(kpi, {}).get("reason_params") or {},
        )
        for kpi in TILES
    )


def _deals(tables: dict[str, Any], today: dt.date, median_cycle: float | None) -> tuple[list[Deal], int, int]:
    """The open deals that need attention first: the stalled ones (open for more than twice the median
    cycle), oldest first, then those without an amount."""
    import ibis

    opportunities = tables.get("opportunities")
    if opportunities is None:
        return [], 0, 0
    t = opportunities.filter((opportunities.outcome == "open") & opportunities.created.notnull())
    t = t.filter(t.created <= today)
    columns = [c for c in ("external_id", "name", "account", "owner", "stage", "amount", "created") if c in t.columns]
    limit = STALLED_CYCLES * median_cycle if median_cycle else None
    since = today - dt.timedelta(days=limit) if limit is not None else None
    # both counts in one pass over the team's deals; only the first rows travel (LIMIT in SQL)
    counts = t.aggregate(
        total=t.count(), stalled=(t.created < since).sum() if since is not None else ibis.literal(0)
    ).to_pyarrow()
    total, stalled = (int(counts.column(name)[0].as_py() or 0) for name in ("total", "stalled"))
    first = t.order_by(t.created).select(*columns).limit(ATTENTION_ROWS).to_pyarrow().to_pylist()
    deals = []
    for row in first:
        created = row["created"].date() if isinstance(row["created"], dt.datetime) else row["created"]
        age = (today - created).days
        deals.append(
            Deal(
                str(row.get("external_id") or ""),
                str(row.get("name") or row.get("account") or row.get("external_id") or ""),
                str(row.get("owner") or ""),
                str(row.get("stage") or ""),
                Decimal(str(row["amount"])) if row.get("amount") is not None else None,
                age,
                limit is not None and age > limit,
            )
        )
    return deals, total, stalled


def overview(analysis: PlanAnalysis, tables: dict[str, Any], today: dt.date, share: Decimal = Decimal(1)) -> Overview:
    """The landing page's figures; ``share`` is the part of the plan the scope carries (a rep's: the team's
    target split evenly among the owners of the team's deals, as long as plans set no target per person)."""
    from pac.engine.kpis import compute_kpis

    plan = analysis.plan
    target = revenue_target(plan)
    target = (target * share).quantize(Decimal("0.01")) if target is not None else None
    started = today >= plan.start and bool(tables)
    the_pace = pace(plan, target, weekly_revenue(tables, plan, today), today) if target and started else None
    history = whole_range(compute_kpis(tables, as_of=today, kpis=["sales_cycle_median"])) if tables else {}
    median_cycle = history.get("sales_cycle_median", {}).get("value")
    deals, open_deals, stalled = _deals(tables, today, median_cycle) if tables else ([], 0, 0)
    since_start = _since_start(plan, tables, today) if started else {}
    wins = since_start.get("wins", {}).get("value")
    return Overview(
        plan=plan,
        today=today,
        target=target,
        pace=the_pace,
        funnel=_funnel(analysis, since_start, today, share) if started else (),
        tiles=_tiles(plan, tables, since_start, today) if started and today > plan.start else (),
        deals=tuple(deals),
        open_deals=open_deals,
        stalled_deals=stalled,
        median_cycle=median_cycle,
        business_days_left=business_days_between(max(today, plan.start), plan.end, plan.country)
        if today <= plan.end
        else 0,
        wins_since_start=int(wins) if wins is not None else None,
    )
