"""One call that runs the whole plan check: reverse funnel, weekly schedule, capacity, diagnostics.

The CLI's ``--json`` document and the web plan page are both views of a ``PlanAnalysis``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pac.engine.capacity import RoleCapacity, capacity
from pac.engine.diagnostics import (
    Diagnostic,
    action_diagnostics,
    activity_diagnostics,
    capacity_diagnostics,
    input_diagnostic,
    objective_diagnostics,
    partner_diagnostics,
    timing_diagnostics,
    wins_diagnostics,
)
from pac.engine.formatting import Formatter
from pac.engine.funnel import FunnelInputError, ReverseFunnel, funnel_gaps, reverse_funnel
from pac.engine.model import Plan, Severity
from pac.engine.schedule import Schedule, weekly_schedule

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class PlanAnalysis:
    plan: Plan
    funnel: ReverseFunnel | None
    schedule: Schedule | None
    capacity: tuple[RoleCapacity, ...]
    diagnostics: tuple[Diagnostic, ...]


def analyse(plan: Plan, people: Collection[str] | None = None) -> PlanAnalysis:
    """Everything the plan implies; a plan too incomplete for the funnel still gets diagnostics.
    ``people``: the team's usernames when the caller knows them (a partner's manager is checked against them)."""
    found = objective_diagnostics(plan)
    funnel: ReverseFunnel | None = None
    schedule: Schedule | None = None
    roles: list[RoleCapacity] = []
    gaps = funnel_gaps(plan)
    found += [input_diagnostic(gap) for gap in gaps]
    if not gaps:
        funnel = reverse_funnel(plan)
        try:
            schedule = weekly_schedule(plan, funnel)
        except FunnelInputError as error:  # no business day, or weights that no longer fit the dates
            found.append(input_diagnostic(error))
    if funnel is not None:
        found += activity_diagnostics(plan, funnel)
        found += action_diagnostics(plan, funnel)
    if funnel is not None and schedule is not None:
        roles = capacity(plan, schedule)
        found += timing_diagnostics(plan, funnel, schedule)
        found += capacity_diagnostics(roles)
    found += wins_diagnostics(plan)
    found += partner_diagnostics(plan, people)
    found.sort(key=lambda d: _SEVERITY_ORDER[d.severity])
    return PlanAnalysis(plan, funnel, schedule, tuple(roles), tuple(found))


def _num(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(round(value, 4))


def to_json(analysis: PlanAnalysis, formatter: Formatter | None = None) -> dict[str, Any]:
    """The ``pac funnel --json`` contract of DESIGN.md (plus a few extra keys)."""
    funnel, schedule = analysis.funnel, analysis.schedule
    return {
        "plan": {
            "name": analysis.plan.name,
            "start": analysis.plan.start.isoformat(),
            "end": analysis.plan.end.isoformat(),
            "currency": analysis.plan.currency,
        },
        "stages": [
            {"stage": s.stage.value, "volume": s.volume, "rate": _num(s.rate), "days_to_won": s.days_to_won}
            for s in (funnel.stages if funnel else ())
        ],
        "lead_time_days": funnel.lead_time_days if funnel else None,
        "weekly": [
            {
                "week": r.week.label,
                "week_start": r.week.monday.isoformat(),
                "stage": r.stage.value,
                "volume": r.volume,
                "before_plan": r.before_plan,
            }
            for r in (schedule.rows if schedule else ())
        ],
        "pipeline_before_start": [
            {"stage": stage.value, "volume": volume}
            for stage, volume in (schedule.before_plan().items() if schedule else ())
        ],
        "capacity": [
            {
                "role": rc.role,
                "headcount": rc.headcount,
                "hours_needed": _num(rc.hours_needed),
                "hours_available": _num(rc.hours_available),
                "utilisation": _num(rc.utilisation),
                "peak_utilisation": _num(rc.peak_utilisation),
                "weeks_over_capacity": [w.label for w in rc.weeks_over_capacity],
                "headcount_needed": rc.headcount_needed,
                "hours_before_plan": _num(rc.hours_before_plan),
            }
            for rc in analysis.capacity
        ],
        "diagnostics": [
            {"code": d.code, "severity": d.severity.value, "message": d.message(formatter)}
            for d in analysis.diagnostics
        ],
    }
