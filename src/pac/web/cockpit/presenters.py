"""What the cockpit shows, in the reader's language: KPI rows (label, value per unit, why not) and plan
versus actual (each objective's target, actual, share and where it should be by now, or why it has no
actual)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext, gettext_lazy

from pac.engine.alerts import Alert
from pac.engine.corrections import Lever
from pac.engine.forecast import Forecast
from pac.engine.formatting import Formatter
from pac.engine.kpis.display import comment, kpi_label, value_text
from pac.engine.kpis.reasons import explain
from pac.engine.labels import METRIC_LABELS, PERIOD_LABELS, SEVERITY_LABELS, STAGE_NAMES
from pac.engine.model import RATE_DIGITS, Metric, Plan
from pac.engine.pace import Pace
from pac.engine.progress import ObjectiveProgress, actual_reason
from pac.web.cockpit.overview import Overview, Tile
from pac.web.language import formatter, role_label


def present_kpi(row: Mapping[str, Any], fmt: Formatter) -> dict[str, Any]:
    return {
        **row,
        "label": kpi_label(row["kpi"], gettext),
        "shown": value_text(row, fmt),
        "comment": comment(row, fmt, gettext),
        "by_value": ", ".join("—" if v is None else str(v) for v in row["by"].values()),
    }


def _metric_value(metric: Metric | None, value: Decimal | None, fmt: Formatter) -> str:
    if value is None or metric is None:
        return "—"
    if metric in (Metric.REVENUE, Metric.AVERAGE_DEAL):
        return fmt.money(round(value))
    if metric in RATE_DIGITS:
        return fmt.percent(value, RATE_DIGITS[metric])
    if metric is Metric.CYCLE_DAYS:
        return gettext("%(days)s days") % {"days": fmt.number(value, 1)}
    return fmt.number(value, 1)


def _kpi_reason(code: str, params: Mapping[str, Any], fmt: Formatter, translate: Any) -> str:
    return explain(code, params, translate, lambda n: fmt.number(n, 0))


def present_progress(lines: list[ObjectiveProgress], plan: Plan) -> list[dict[str, Any]]:
    """Plan versus actual, formatted: money for revenue, percent for rates, days for the cycle; an objective
    without an actual says why."""
    fmt = formatter(plan.currency)
    segments = {s.id: s.name for s in plan.segments}
    shown = []
    for p in lines:
        objective, metric = p.objective, p.objective.metric
        name = gettext(METRIC_LABELS[metric]) if metric is not None else objective.id
        if objective.per is not None:
            name = f"{name} ({gettext(PERIOD_LABELS[objective.per])})"
        shown.append(
            {
                "id": objective.id,
                "name": name,
                "segment": segments.get(objective.segment, objective.segment) if objective.segment else "",
                "deadline": fmt.date(objective.deadline) if objective.deadline else "",
                "metric": metric,
                "target": _metric_value(metric, p.target, fmt),
                "actual": _metric_value(metric, p.actual.value, fmt),
                "why": actual_reason(p.actual, fmt, gettext, _kpi_reason) if p.actual.value is None else "",
                "share": fmt.percent(p.share, 0) if p.share is not None else "—",
                "expected": fmt.percent(p.expected_share, 0),
                "on_track": p.on_track,
                "lower_is_better": metric is not None and metric.lower_is_better,
            }
        )
    return shown


def _tile_value(kpi: str, value: float | Decimal | None, fmt: Formatter) -> str:
    if value is None:
        return "—"
    if kpi == "win_rate":
        return fmt.percent(Decimal(str(value)), 0)
    if kpi == "average_deal":
        return fmt.money(round(Decimal(str(value))))
    if kpi == "sales_cycle_median":
        return gettext("%(days)s days") % {"days": fmt.number(Decimal(str(value)), 0)}
    return fmt.number(Decimal(str(value)), 0)


def _trend(tile: Tile) -> str:
    """« up », « down » or « » against the same length of time before the plan: whether that is good
    depends on the KPI (a shorter cycle is better), which ``better`` says."""
    if tile.value is None or tile.previous is None or tile.value == tile.previous:
        return ""
    return "up" if tile.value > tile.previous else "down"


def present_overview(found: Overview, fmt: Formatter) -> dict[str, Any]:
    """The landing page's figures as the reader writes them."""
    pace = found.pace
    tiles = []
    for tile in found.tiles:
        trend = _trend(tile)
        lower_is_better = tile.kpi == "sales_cycle_median"
        tiles.append(
            {
                "kpi": tile.kpi,
                "label": kpi_label(tile.kpi, gettext),
                "value": _tile_value(tile.kpi, tile.value, fmt),
                "previous": _tile_value(tile.kpi, tile.previous, fmt),
                "planned": _tile_value(tile.kpi, tile.planned, fmt) if tile.planned is not None else "",
                "trend": trend,
                "good": bool(trend) and ((trend == "down") == lower_is_better),
                "why": explain(tile.reason, tile.reason_params, gettext, lambda n: fmt.number(n, 0))
                if tile.reason
                else "",
            }
        )
    funnel = [
        {
            "stage": gettext(STAGE_NAMES[line.stage]),
            "planned": fmt.number(line.planned, 0),
            "actual": fmt.number(line.actual, 0) if line.actual is not None else "—",
            "share": fmt.percent(line.actual / line.planned, 0) if line.actual is not None and line.planned else "—",
            "behind": line.actual is not None and line.actual < line.planned,
            "counted_as": kpi_label(line.kpi, gettext) if line.kpi else "",
        }
        for line in found.funnel
    ]
    weeks = present_weeks(pace, fmt) if pace else []
    deals = [
        {
            "id": d.external_id,
            "name": d.name,
            "owner": d.owner,
            "stage": d.stage,
            "amount": fmt.money(round(d.amount)) if d.amount is not None else "—",
            "age": gettext("%(days)s days") % {"days": fmt.number(d.age_days, 0)},
            "stalled": d.stalled,
        }
        for d in found.deals
    ]
    actual = pace.actual_to_date if pace else None
    expected = pace_expected(found)
    return {
        "target": fmt.money(round(found.target)) if found.target is not None else "",
        "actual": fmt.money(round(actual)) if actual is not None else "",
        "share": fmt.percent(actual / found.target, 0) if actual is not None and found.target else "",
        "expected": fmt.money(round(expected)) if expected is not None else "",
        "behind": actual is not None and expected is not None and actual < expected,
        "gap": fmt.money(round(expected - actual)) if actual is not None and expected is not None else "",
        "remaining": fmt.money(round(pace.remaining)) if pace else "",
        "weekly_now": fmt.money(round(pace.replanned_week)) if pace and pace.replanned_week is not None else "",
        "weekly_plan": fmt.money(round(max(w.planned for w in pace.weeks))) if pace and pace.weeks else "",
        "days_left": found.business_days_left,
        "tiles": tiles,
        "funnel": funnel,
        "weeks": weeks,
        "deals": deals,
        "open_deals": fmt.number(found.open_deals, 0),
        "stalled_deals": found.stalled_deals,
        "stalled_shown": fmt.number(found.stalled_deals, 0),
        "median_cycle": fmt.number(Decimal(str(found.median_cycle)), 0) if found.median_cycle else "",
    }


def present_weeks(pace: Pace, fmt: Formatter) -> list[dict[str, Any]]:
    """The weekly targets, original and re-planned side by side, past weeks with what they brought."""
    return [
        {
            "label": fmt.date(w.week.monday),
            "week": w.week.label,
            "planned": fmt.money(round(w.planned)),
            "replanned": fmt.money(round(w.replanned)) if w.replanned is not None else "",
            "actual": fmt.money(round(w.actual)) if w.actual is not None else "",
            "past": w.past,
        }
        for w in pace.weeks
    ]


def pace_expected(found: Overview) -> Decimal | None:
    """Where the revenue should be today: the plan's cumulative target at the last week that has begun."""
    if found.pace is None:
        return None
    begun = [w for w in found.pace.weeks if w.actual_to_date is not None]
    return begun[-1].planned_to_date if begun else Decimal(0)


#: Alerts of one kind shown at most, the others counted (1 400 stalled deals are one line and a number).
ALERTS_SHOWN = 3


def present_alerts(alerts: Sequence[Alert], fmt: Formatter) -> list[dict[str, Any]]:
    """The alerts grouped by kind, the most severe first: a few worded, the rest counted."""
    groups: dict[str, list[Alert]] = {}
    for alert in alerts:
        groups.setdefault(alert.code, []).append(alert)
    return [
        {
            "code": code,
            "severity": found[0].severity.value,
            "severity_label": gettext(SEVERITY_LABELS[found[0].severity]),
            "lines": [(a.message(fmt, gettext), a.key) for a in found[:ALERTS_SHOWN]],
            "more": len(found) - ALERTS_SHOWN if len(found) > ALERTS_SHOWN else 0,
        }
        for code, found in groups.items()
    ]


def lever_key(lever: Lever) -> str:
    """Which lever a form accepts: its code and figures, so that a lever whose figures changed since the
    page was shown is not accepted blind."""
    figures = ",".join(f"{k}={lever.params[k]}" for k in sorted(lever.params))
    return f"{lever.code}:{figures}"


#: What each kind of lever pulls on, as a heading.
LEVER_LABELS = {
    "volume": gettext_lazy("More volume"),
    "conversion": gettext_lazy("Better conversion"),
    "deal_size": gettext_lazy("Bigger deals"),
    "cycle": gettext_lazy("Shorter cycle"),
    "headcount": gettext_lazy("More people"),
}


def present_levers(levers: Sequence[Lever], fmt: Formatter) -> list[dict[str, Any]]:
    return [
        {
            "key": lever_key(lever),
            "code": lever.code,
            "label": str(LEVER_LABELS.get(lever.code, lever.code)),
            "message": lever.message(fmt, gettext),
            "feasible": lever.feasible and lever.change is not None,
            "why_not": (lever.why_not(fmt, gettext) or "") if lever.change is not None else "",
            "actions": [
                {
                    "name": a.name,
                    "start": fmt.date(a.start),
                    "end": fmt.date(a.end),
                    "role": role_label(a.role) if a.role else "",
                    "volume": fmt.number(a.expected.volume, 0) if a.expected else "",
                    "hours": fmt.number(a.hours, 0) if a.hours else "",
                }
                for a in lever.actions
            ],
        }
        for lever in levers
    ]


def present_forecast(found: Forecast, fmt: Formatter) -> dict[str, Any]:
    """« Probabilité d'atteindre l'objectif : 62 % (P10 2,1 M€ · P50 2,4 M€ · P90 2,7 M€) », with what it
    is made of."""
    probability = found.probability_of_target
    return {
        "probability": fmt.percent(Decimal(str(probability)), 0) if probability is not None else "",
        "p10": fmt.money_compact(found.p10),
        "p50": fmt.money_compact(found.p50),
        "p90": fmt.money_compact(found.p90),
        "expected": fmt.money_compact(found.expected),
        "closed_won": fmt.money_compact(found.closed_won),
        "open_pipeline": fmt.money_compact(found.open_pipeline),
        "new_business": fmt.money_compact(found.new_business),
        "likely": probability is not None and probability >= 0.5,
    }
