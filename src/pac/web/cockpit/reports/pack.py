"""The review pack: every figure of a plan's Monday review (``weekly``) or quarterly report, gathered
once, worded in the active language, for one reader.

The pack is plain data (``ReviewPack``): the PDF and the workbook only lay it out. The forecast, the
alerts and the corrective levers are optional sections, filled by whoever computes them
(``dataclasses.replace(pack, forecast=forecast_section(...))``) and shown only when given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from django.utils.translation import gettext, ngettext

from pac.engine.analysis import PlanAnalysis, analyse
from pac.engine.formatting import Formatter
from pac.engine.funnel import revenue_target
from pac.engine.kpis.display import comment, kpi_label
from pac.engine.kpis.reasons import explain
from pac.engine.labels import ACTION_STATUS_LABELS, METRIC_LABELS, PERIOD_LABELS, SEVERITY_LABELS
from pac.engine.labels import STAGE_PLURALS as STAGE_LABELS
from pac.engine.model import RATE_DIGITS, ActionStatus, Metric, Plan, Severity, Stage
from pac.engine.progress import (
    CUMULATIVE,
    METRIC_KPIS,
    Actual,
    ObjectiveProgress,
    actual_reason,
    objective_progress,
    plan_actuals,
)
from pac.web.cockpit.charts import kpi_chart, progress_chart
from pac.web.cockpit.reports.charts import funnel_chart
from pac.web.cockpit.reports.figures import Figure, Figures
from pac.web.cockpit.reports.scope import TEAM, Reader, actions_of, tables_of
from pac.web.language import formatter, role_label

KINDS = ("weekly", "quarterly")
#: How far back "what changed" looks, and the periods of the KPI trend chart, by kind of pack.
LOOK_BACK_DAYS = {"weekly": 7, "quarterly": 28}
TREND_PERIOD = {"weekly": "week", "quarterly": "month"}
TREND_SPAN_DAYS = {"weekly": 84, "quarterly": 366}
#: The weeks of targets shown: the week under way and the next ones (weekly), or the whole plan.
WEEKS_AHEAD = {"weekly": 4, "quarterly": 60}

#: The KPI tiles, in the order they are shown; a lower sales cycle is the good direction.
TILE_KPIS = ("revenue", "wins", "win_rate", "average_deal", "sales_cycle", "pipeline_coverage", "leads", "meetings")
LOWER_IS_BETTER = {"sales_cycle"}
#: The KPI that counts each funnel stage's actual volume (proposals have none yet).
STAGE_KPIS: dict[Stage, str] = {
    Stage.LEAD: "leads",
    Stage.MQL: "mql",
    Stage.SQL: "sql",
    Stage.MEETING: "meetings",
    Stage.DEMO: "demos",
    Stage.WON: "wins",
}
DONE = {ActionStatus.DONE, ActionStatus.CANCELLED}


@dataclass(frozen=True)
class ObjectiveLine:
    name: str
    due: Figure
    target: Figure
    actual: Figure
    share: Figure
    expected: Figure
    before: Figure  # the actual at the start of the look-back
    change: Figure
    on_track: bool | None
    lower_is_better: bool
    cumulative: bool  # a total that grows over the plan (a rate or an average is compared as it is)
    why: str  # why there is no actual ('' when there is one)


@dataclass(frozen=True)
class FunnelLine:
    stage: str
    total: Figure  # the plan's volume for the whole plan
    to_date: Figure  # what the schedule asked for by now
    actual: Figure
    share: Figure  # actual ÷ to date


@dataclass(frozen=True)
class KpiTile:
    kpi: str
    label: str
    value: Figure
    before: Figure
    change: Figure
    better: bool | None  # the change goes the good way (None: no change to judge)
    note: str
    measures_objective: bool  # its change is already told by an objective's


@dataclass(frozen=True)
class WeekRow:
    week: str
    monday: Figure
    volumes: tuple[Figure, ...]
    current: bool


@dataclass(frozen=True)
class CapacityLine:
    role: str
    headcount: Figure
    needed: Figure
    available: Figure
    utilisation: Figure
    peak: Figure
    weeks_over: Figure
    overloaded: bool


@dataclass(frozen=True)
class DiagnosticLine:
    severity: str  # the code, for the layout
    severity_label: str
    message: str


@dataclass(frozen=True)
class OverdueAction:
    name: str
    owner: str
    due: Figure
    days_late: Figure
    status: str


@dataclass(frozen=True)
class ForecastSection:
    probability: Figure
    p10: Figure
    p50: Figure
    p90: Figure
    expected: Figure


@dataclass(frozen=True)
class Lever:
    text: str
    feasibility: str


@dataclass(frozen=True)
class ReviewPack:
    kind: str
    title: str
    plan_name: str
    team_name: str
    language: str
    currency: str
    today: Figure
    since: Figure
    plan_start: Figure
    plan_end: Figure
    scope: str  # whose figures these are, in words
    headlines: tuple[str, ...]
    attention: tuple[str, ...]
    objectives: tuple[ObjectiveLine, ...]
    funnel: tuple[FunnelLine, ...]
    kpis: tuple[KpiTile, ...]
    stage_headers: tuple[str, ...]
    weeks: tuple[WeekRow, ...]
    capacity: tuple[CapacityLine, ...]
    diagnostics: tuple[DiagnosticLine, ...]
    overdue: tuple[OverdueAction, ...]
    actions_count: int
    news: tuple[str, ...]  # what else changed in the look-back (actions fallen overdue), worded
    charts: Mapping[str, dict[str, Any]]
    no_crm_data: bool
    forecast: ForecastSection | None = None
    alerts: tuple[str, ...] | None = None
    levers: tuple[Lever, ...] | None = None


def forecast_section(
    *,
    probability: Decimal | None,
    p10: Decimal | None,
    p50: Decimal | None,
    p90: Decimal | None,
    expected: Decimal | None,
    currency: str,
) -> ForecastSection:
    """The forecast's figures written for the pack (probability of the target, P10/P50/P90 and the
    expected bookings, in the plan's currency)."""
    figures = Figures(formatter(currency))
    return ForecastSection(
        figures.percent(probability),
        figures.money(p10),
        figures.money(p50),
        figures.money(p90),
        figures.money(expected),
    )


def review_pack(
    plan: Plan,
    *,
    team_name: str,
    tables: Mapping[str, Any],
    kind: str,
    today: dt.date,
    reader: Reader = TEAM,
    analysis: PlanAnalysis | None = None,
) -> ReviewPack:
    """The pack of ``plan`` on ``today`` for ``reader``, measured on the team's canonical ``tables``
    (Ibis; empty when the team has no CRM data), in the active language."""
    if kind not in KINDS:
        raise ValueError(kind)
    analysis = analysis or analyse(plan)
    fmt = formatter(plan.currency)
    figures = Figures(fmt)
    since = today - dt.timedelta(days=LOOK_BACK_DAYS[kind])
    scoped = tables_of(reader, tables) if today >= plan.start else {}
    progress = objective_progress(plan, plan_actuals(plan, scoped, today), today)
    earlier = plan_actuals(plan, scoped, since) if since >= plan.start else {}
    objectives = tuple(_objective_line(p, earlier.get(p.objective.id), plan, figures) for p in progress)
    target = revenue_target(plan)
    kpi_now = _kpi_rows(scoped, plan.start, today, target)
    kpi_before = _kpi_rows(scoped, plan.start, since, target) if since >= plan.start else {}
    told = {METRIC_KPIS.get(p.objective.metric) for p in progress if p.objective.metric is not None}
    tiles = tuple(_tile(name, kpi_now.get(name), kpi_before.get(name), figures, name in told) for name in TILE_KPIS)
    funnel = _funnel_lines(analysis, kpi_now, today, figures)
    overdue = _overdue(plan, reader, today, figures)
    names = {line.objective.id: shown.name for line, shown in zip(progress, objectives, strict=True)}
    charts = {
        name: spec
        for name, spec in (
            ("progress", progress_chart(progress, names)),
            ("funnel", funnel_chart(funnel)),
            ("trend", _trend_chart(scoped, kind, plan.start, today, fmt)),
        )
        if spec is not None
    }
    stages = [s.stage for s in analysis.funnel.stages] if analysis.funnel else []
    return ReviewPack(
        kind=kind,
        title=gettext("Monday review") if kind == "weekly" else gettext("Quarterly report"),
        plan_name=plan.name,
        team_name=team_name,
        language=fmt.locale.language,
        currency=plan.currency,
        today=figures.date(today),
        since=figures.date(since),
        plan_start=figures.date(plan.start),
        plan_end=figures.date(plan.end),
        scope=(
            gettext("Figures of the whole team.")
            if reader.whole_team
            else gettext("Figures of %(name)s only: their actions and their own deals, leads and activities.")
            % {"name": reader.shown_name}
        ),
        headlines=tuple(_headline(line) for line in objectives),
        attention=_attention(analysis, overdue, fmt),
        objectives=objectives,
        funnel=funnel,
        kpis=tiles,
        stage_headers=tuple(gettext(STAGE_LABELS[s]) for s in stages),
        weeks=_weeks(analysis, stages, kind, today, figures),
        capacity=tuple(_capacity(analysis, figures)),
        diagnostics=tuple(
            DiagnosticLine(d.severity.value, gettext(SEVERITY_LABELS[d.severity]), d.message(fmt, gettext))
            for d in analysis.diagnostics
        ),
        overdue=overdue,
        actions_count=len(actions_of(reader, plan.actions)),
        news=_news(overdue, since, fmt),
        charts=charts,
        no_crm_data=not scoped,
    )


# --- objectives -----------------------------------------------------------------------------------


def _metric_figure(metric: Metric, value: Decimal | None, figures: Figures) -> Figure:
    if metric in (Metric.REVENUE, Metric.AVERAGE_DEAL):
        return figures.money(value)
    if metric in RATE_DIGITS:
        return figures.percent(value, RATE_DIGITS[metric])
    if metric is Metric.CYCLE_DAYS:
        return figures.days(value)
    if metric in CUMULATIVE:
        return figures.count(None if value is None else round(value))
    return figures.number(value)


def _objective_name(progress: ObjectiveProgress, plan: Plan) -> str:
    objective = progress.objective
    name = gettext(METRIC_LABELS[objective.metric]) if objective.metric is not None else objective.id
    if objective.per is not None:
        name = f"{name} ({gettext(PERIOD_LABELS[objective.per])})"
    segment = next((s.name for s in plan.segments if s.id == objective.segment), objective.segment)
    return f"{name} · {segment}" if segment else name


def _objective_line(p: ObjectiveProgress, before: Actual | None, plan: Plan, figures: Figures) -> ObjectiveLine:
    metric = p.objective.metric
    assert metric is not None  # objective_progress keeps only objectives with a metric
    actual = _metric_figure(metric, p.actual.value, figures)
    earlier = _metric_figure(metric, before.value if before else None, figures)
    return ObjectiveLine(
        name=_objective_name(p, plan),
        due=figures.date(p.objective.deadline),
        target=_metric_figure(metric, p.target, figures),
        actual=actual,
        share=figures.percent(p.share),
        expected=figures.percent(p.expected_share),
        before=earlier,
        change=figures.change(actual, earlier),
        on_track=p.on_track,
        lower_is_better=metric.lower_is_better,
        cumulative=metric in CUMULATIVE,
        why="" if p.actual.value is not None else actual_reason(p.actual, figures.fmt, gettext, _kpi_reason),
    )


def _kpi_reason(code: str, params: Mapping[str, Any], fmt: Formatter, translate: Any) -> str:
    return explain(code, params, translate, lambda n: fmt.number(n, 0))


def _headline(line: ObjectiveLine) -> str:
    if not line.actual.known:
        return gettext("%(name)s: %(why)s") % {"name": line.name, "why": line.why} if line.why else line.name
    if line.lower_is_better:
        return gettext("%(name)s: %(actual)s for a target of at most %(target)s") % {
            "name": line.name,
            "actual": line.actual.text,
            "target": line.target.text,
        }
    if not line.cumulative:
        return gettext("%(name)s: %(actual)s for a target of %(target)s (%(share)s)") % {
            "name": line.name,
            "actual": line.actual.text,
            "target": line.target.text,
            "share": line.share.text,
        }
    return gettext("%(name)s: %(actual)s of %(target)s (%(share)s; %(expected)s expected by now)") % {
        "name": line.name,
        "actual": line.actual.text,
        "target": line.target.text,
        "share": line.share.text,
        "expected": line.expected.text,
    }


# --- KPIs and the funnel ---------------------------------------------------------------------------


def _kpi_rows(
    tables: Mapping[str, Any], start: dt.date, as_of: dt.date, target: Decimal | None
) -> dict[str, dict[str, Any]]:
    """The tiles' and the funnel stages' KPIs over the plan so far; the pipeline's coverage is of what is
    left to win of the plan's revenue ``target`` (a second, small KPI run, once the revenue is known)."""
    if not tables:
        return {}
    from pac.engine.kpis import compute_kpis  # Ibis is loaded only when there is CRM data

    wanted = sorted(set(TILE_KPIS) | set(STAGE_KPIS.values()))
    rows = compute_kpis(tables, as_of=as_of, start=start, kpis=wanted)
    found = {r["kpi"]: dict(r) for r in rows if r["period"] is None and not r["by"]}
    revenue: dict[str, Any] = found.get("revenue") or {}
    if target is not None and revenue.get("status") == "ok":
        left = float(target) - float(revenue["value"] or 0)
        coverage = compute_kpis(tables, as_of=as_of, kpis=["pipeline_coverage"], remaining_target=left)
        found.update({r["kpi"]: dict(r) for r in coverage if r["period"] is None and not r["by"]})
    return found


def _value(row: Mapping[str, Any] | None, figures: Figures) -> Figure:
    if row is None or row["status"] != "ok":
        return figures.of_unit(None, "")
    return figures.of_unit(row["value"], row["unit"])


def _tile(
    name: str, now: Mapping[str, Any] | None, before: Mapping[str, Any] | None, figures: Figures, told: bool
) -> KpiTile:
    value, earlier = _value(now, figures), _value(before, figures)
    change = figures.change(value, earlier)
    delta = change.value if isinstance(change.value, Decimal) and change.value != 0 else None
    better = None if delta is None else (delta < 0) == (name in LOWER_IS_BETTER)
    note = comment(now, figures.fmt, gettext) if now is not None else gettext("No CRM data yet.")
    return KpiTile(name, kpi_label(name, gettext), value, earlier, change, better, note, told)


def _funnel_lines(
    analysis: PlanAnalysis, kpis: Mapping[str, Mapping[str, Any]], today: dt.date, figures: Figures
) -> tuple[FunnelLine, ...]:
    """Each stage: the plan's volume, what the schedule asked for by ``today`` (the weeks begun), and
    the volume the CRM counted."""
    if analysis.funnel is None:
        return ()
    schedule = analysis.schedule
    lines = []
    for stage in analysis.funnel.stages:
        to_date = (
            sum(
                r.volume
                for r in schedule.rows
                if r.stage is stage.stage and not r.before_plan and r.week.monday <= today
            )
            if schedule is not None
            else None
        )
        row = kpis.get(STAGE_KPIS.get(stage.stage, ""))
        actual = _value(row, figures)
        counted = actual.value if isinstance(actual.value, int | Decimal) else None
        share = Decimal(counted) / Decimal(to_date) if counted is not None and to_date else None
        lines.append(
            FunnelLine(
                gettext(STAGE_LABELS[stage.stage]),
                figures.count(stage.volume),
                figures.count(to_date),
                actual if actual.known else figures.count(None),
                figures.percent(share),
            )
        )
    return tuple(lines)


def _trend_chart(
    tables: Mapping[str, Any], kind: str, start: dt.date, today: dt.date, fmt: Formatter
) -> dict[str, Any] | None:
    """Revenue won period by period (weeks for the Monday pack, months for the quarter), each period named
    as the reader names it (« 5 oct. », « oct. 2026 ») rather than by its code (``2026-W41``)."""
    if not tables:
        return None
    from pac.engine.kpis import compute_kpis

    first = max(start, today - dt.timedelta(days=TREND_SPAN_DAYS[kind]))
    period = TREND_PERIOD[kind]
    rows = compute_kpis(tables, as_of=today, start=first, period=period, kpis=["revenue"])  # type: ignore[arg-type]
    shown = sorted((dict(r) for r in rows if not r["by"] and r["period"]), key=lambda r: str(r["period"]))
    for row in shown:
        row["period"] = _period_text(str(row["period"]), fmt)
    spec = kpi_chart(shown, "revenue")
    if spec is not None:
        spec["encoding"]["x"]["sort"] = None  # the data's order, which is time's
    return spec


def _period_text(code: str, fmt: Formatter) -> str:
    """``2026-W41`` → « 5 oct. » (its Monday); ``2026-10`` → « oct. 2026 »."""
    year, _, rest = code.partition("-")
    if rest.startswith("W"):
        return format_date(dt.date.fromisocalendar(int(year), int(rest[1:]), 1), "d MMM", locale=fmt.locale)
    return format_date(dt.date(int(year), int(rest), 1), "MMM y", locale=fmt.locale)


# --- the plan's side: weeks, capacity, overdue actions, attention ----------------------------------


def _weeks(
    analysis: PlanAnalysis, stages: Sequence[Stage], kind: str, today: dt.date, figures: Figures
) -> tuple[WeekRow, ...]:
    schedule = analysis.schedule
    if schedule is None:
        return ()
    weeks = list(schedule.plan_weeks)
    current = next((i for i, w in enumerate(weeks) if w.monday <= today < w.monday + dt.timedelta(days=7)), None)
    first = current if current is not None else (len(weeks) - 1 if weeks and today > weeks[-1].monday else 0)
    if kind == "quarterly":
        first = 0
    return tuple(
        WeekRow(
            gettext("Week %(number)s") % {"number": w.week},
            figures.date(w.monday),
            tuple(figures.count(schedule.volume(w, s, False)) for s in stages),
            i == current,
        )
        for i, w in enumerate(weeks[first : first + WEEKS_AHEAD[kind]], start=first)
    )


def _capacity(analysis: PlanAnalysis, figures: Figures) -> list[CapacityLine]:
    return [
        CapacityLine(
            role_label(rc.role),
            figures.count(rc.headcount),
            figures.count(round(rc.hours_needed)),
            figures.count(round(rc.hours_available)),
            figures.percent(rc.utilisation),
            figures.percent(rc.peak_utilisation),
            figures.count(len(rc.weeks_over_capacity)),
            (rc.peak_utilisation or 0) > 1 or (rc.hours_needed > 0 and rc.headcount == 0),
        )
        for rc in analysis.capacity
    ]


def _overdue(plan: Plan, reader: Reader, today: dt.date, figures: Figures) -> tuple[OverdueAction, ...]:
    """The reader's actions past their end and neither done nor cancelled, the latest first."""
    late = sorted(
        (a for a in actions_of(reader, plan.actions) if a.end < today and a.status not in DONE),
        key=lambda a: (a.end, a.name),
    )
    return tuple(
        OverdueAction(
            a.name,
            a.owner or "",
            figures.date(a.end),
            figures.count((today - a.end).days),
            gettext(ACTION_STATUS_LABELS[a.status]),
        )
        for a in late
    )


def _news(overdue: Sequence[OverdueAction], since: dt.date, fmt: Formatter) -> tuple[str, ...]:
    """The actions that fell overdue during the look-back (due on ``since`` or after)."""
    fallen = sum(1 for a in overdue if isinstance(a.due.value, dt.date) and a.due.value >= since)
    if not fallen:
        return ()
    return (
        ngettext(
            "%(count)s action fell overdue since %(day)s.", "%(count)s actions fell overdue since %(day)s.", fallen
        )
        % {"count": fmt.number(fallen, 0), "day": fmt.date(since)},
    )


def _attention(analysis: PlanAnalysis, overdue: Sequence[OverdueAction], fmt: Formatter) -> tuple[str, ...]:
    """What the glance page points at: overdue actions, then the plan's errors and warnings (three)."""
    lines = []
    if overdue:
        lines.append(
            ngettext("%(count)s action is overdue.", "%(count)s actions are overdue.", len(overdue))
            % {"count": fmt.number(len(overdue), 0)}
        )
    serious = [d for d in analysis.diagnostics if d.severity in (Severity.ERROR, Severity.WARNING)]
    lines += [d.message(fmt, gettext) for d in serious[:3]]
    return tuple(lines)
