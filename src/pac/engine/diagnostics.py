"""Plan consistency diagnostics: what makes the plan unreachable, contradictory or not SMART.

Each diagnostic is a stable ``code`` (documented in docs/diagnostics.md), a severity and the
figures behind it. The text is a template filled from those figures, so the CLI and the web app
can translate it and format the numbers for the reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from pac.engine import wording
from pac.engine.capacity import RoleCapacity
from pac.engine.formatting import Formatter
from pac.engine.funnel import FunnelInputError, ReverseFunnel, ceil_div, periods_in_plan
from pac.engine.labels import METRIC_LABELS, gettext_noop
from pac.engine.model import ActionStatus, Metric, Objective, PartnerStatus, Period, Plan, Severity, Stage
from pac.engine.schedule import Schedule
from pac.engine.workdays import IsoWeek

TEMPLATES: dict[str, str] = {
    "objective_no_metric": gettext_noop(
        "Objective “{objective}” has no metric: say what is measured (revenue, demos, wins…)."
    ),
    "objective_no_target": gettext_noop("Objective “{objective}” has no target: give the figure to reach."),
    "objective_no_deadline": gettext_noop(
        "Objective “{objective}” has no deadline: give a date or a recurrence (per week, per month)."
    ),
    "objective_deadline_outside_plan": gettext_noop(
        "Objective “{objective}” is due on {deadline}, outside the plan ({start} – {end})."
    ),
    "funnel_no_target": gettext_noop(
        "No volume target: add a revenue objective (with the average deal) or a wins objective."
    ),
    "funnel_no_average_deal": gettext_noop("The revenue objective needs an average deal size to be turned into wins."),
    "funnel_no_won_stage": gettext_noop("The funnel must end with the “won” stage."),
    "funnel_rate_missing": gettext_noop("Stage “{stage}” has no conversion rate to the next stage."),
    "funnel_weights_length": gettext_noop(
        "The weekly weights give {given} values but the plan spans {expected} ISO weeks."
    ),
    "activity_above_funnel": gettext_noop(
        "Objective “{objective}”: {planned} {stage} planned ({basis}) while the funnel needs {needed} "
        "to reach {won} wins. With {next_volume} {next_stage}, that implies a {stage} → {next_stage} "
        "rate of {implied_rate} instead of {plan_rate}."
    ),
    "activity_below_funnel": gettext_noop(
        "Objective “{objective}”: {planned} {stage} planned ({basis}) but the funnel needs {needed} "
        "to reach {won} wins. Reaching {next_volume} {next_stage} would take a {stage} → {next_stage} "
        "rate of {implied_rate} instead of {plan_rate}."
    ),
    "lead_time_exceeds_plan": gettext_noop(
        "From {stage} to won takes {lead_time} days, longer than the plan's {plan_days} days: "
        "the early wins must come from the pipeline that already exists."
    ),
    "pipeline_before_start": gettext_noop("Before {start}, the pipeline must already hold: {volumes}."),
    "capacity_overload": gettext_noop(
        "Role {role} is overloaded: {needed} hours needed for {available} available "
        "({utilisation_rate}); {headcount_needed} people would be needed instead of {headcount}."
    ),
    # xgettext:no-python-format
    "capacity_weeks_over": gettext_noop(
        "Role {role} goes over 100 % in {count} week(s) ({weeks}), peaking at {peak_rate}; "
        "{headcount_needed} people would be needed in the busiest week instead of {headcount}."
    ),
    "role_without_headcount": gettext_noop(
        "Role {role} has effort in the funnel ({needed} hours) but nobody in the team."
    ),
    "actions_below_funnel": gettext_noop(
        "The actions plan {planned} {stage} ({actions}) but the funnel needs {needed}: "
        "{missing} are not covered by any action."
    ),
    "plan_no_business_day": gettext_noop(
        "The plan has no business day from {start} to {end} (weekends and public holidays of {country}): "
        "there is no day to produce the volumes on. Widen its dates."
    ),
    "funnel_weights_on_days_off": gettext_noop(
        "The weekly weights only weigh weeks without a business day: give weight to weeks people work in."
    ),
    "wins_objective_conflict": gettext_noop(
        "Objective “{objective}” asks for {wins} wins, but {revenue} of revenue at an average deal of "
        "{average_deal} takes {needed}. Both cannot hold: {wins} wins would mean an average deal of "
        "{implied_deal}."
    ),
    "capacity_before_start_unassigned": gettext_noop(
        "Before the plan starts, {hours} hours of {role} work are needed ({weeks}) to build the pipeline, "
        "and nobody in that role is in the team yet: add people from an earlier date, or have someone else "
        "do that work."
    ),
    "capacity_before_start_over": gettext_noop(
        "Before the plan starts, role {role} needs {needed} hours in {count} week(s) ({weeks}) to build the "
        "pipeline, for {available} available in those weeks: that work comes on top of the current quarter."
    ),
    "partners_mdf_over_budget": gettext_noop(
        "The partners' MDF budgets add up to {mdf}, more than the plan's whole budget of {budget}."
    ),
    "partners_objective_above_listed": gettext_noop(
        "Objective “{objective}” asks for {target} recruited partners, but the plan lists only {listed} "
        "(dropped ones left out): add the partners to recruit."
    ),
    "partner_owner_not_in_team": gettext_noop(
        "Partner “{partner}” is managed by {owner}, who is not in the team: give it to a team member."
    ),
}

SEVERITIES: dict[str, Severity] = {
    "objective_no_metric": Severity.WARNING,
    "objective_no_target": Severity.WARNING,
    "objective_no_deadline": Severity.WARNING,
    "objective_deadline_outside_plan": Severity.WARNING,
    "funnel_no_target": Severity.ERROR,
    "funnel_no_average_deal": Severity.ERROR,
    "funnel_no_won_stage": Severity.ERROR,
    "funnel_rate_missing": Severity.ERROR,
    "funnel_weights_length": Severity.ERROR,
    "activity_above_funnel": Severity.WARNING,
    "activity_below_funnel": Severity.ERROR,
    "lead_time_exceeds_plan": Severity.WARNING,
    "pipeline_before_start": Severity.INFO,
    "capacity_overload": Severity.ERROR,
    "capacity_weeks_over": Severity.WARNING,
    "role_without_headcount": Severity.ERROR,
    "actions_below_funnel": Severity.WARNING,
    "plan_no_business_day": Severity.ERROR,
    "funnel_weights_on_days_off": Severity.ERROR,
    "wins_objective_conflict": Severity.WARNING,
    "capacity_before_start_unassigned": Severity.WARNING,
    "capacity_before_start_over": Severity.WARNING,
    "partners_mdf_over_budget": Severity.WARNING,
    "partners_objective_above_listed": Severity.WARNING,
    "partner_owner_not_in_team": Severity.WARNING,
}

#: How a planned volume was obtained, in words.
BASIS_TEMPLATES: dict[Period | None, str] = {
    None: gettext_noop("in total"),
    Period.WEEK: gettext_noop("{target} per week × {periods} weeks"),
    Period.MONTH: gettext_noop("{target} per month × {periods} months"),
    Period.QUARTER: gettext_noop("{target} per quarter × {periods} quarters"),
}

#: Parameters shown as money, in the plan's currency.
MONEY_KEYS = frozenset({"revenue", "average_deal", "implied_deal", "mdf", "budget"})

#: An activity objective may exceed what the funnel needs by this much before it is flagged.
ABOVE_TOLERANCE = Decimal("0.10")


@dataclass(frozen=True)
class Diagnostic:
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return SEVERITIES[self.code]

    def message(self, formatter: Formatter | None = None, translate: Callable[[str], str] = lambda s: s) -> str:
        return render(self.code, self.params, formatter or Formatter("en"), translate)


def render(code: str, params: Mapping[str, object], fmt: Formatter, translate: Callable[[str], str]) -> str:
    """Fill a template (``engine.wording``'s conventions), with a target's basis and volumes by stage."""

    def special(key: str, value: object, show: Callable[[str, object], str]) -> str | None:
        metric = params.get("objective_metric")
        if key == "objective" and isinstance(metric, Metric):  # by what it measures, not its id in the file
            segment = params.get("objective_segment")
            return translate(METRIC_LABELS[metric]) + (f" · {segment}" if segment else "")
        if isinstance(value, Basis):
            return translate(BASIS_TEMPLATES[value.per]).format(
                target=fmt.number(value.target), periods=fmt.number(value.periods)
            )
        if isinstance(value, dict):
            return ", ".join(f"{show(key, v)} {show(key, k)}" for k, v in value.items())
        return None

    return wording.render(TEMPLATES[code], params, fmt, translate, MONEY_KEYS, special)


def _segment_name(plan: Plan, segment: str) -> str:
    return next((s.name for s in plan.segments if s.id == segment), segment)


def named(plan: Plan, objective: Objective) -> dict[str, object]:
    """An objective's parameters: its id (the plan file's) and what names it where it is shown, its metric
    and its segment's name (« Démos · SaaS mid-market »)."""
    found: dict[str, object] = {"objective": objective.id}
    if objective.metric is not None:
        found["objective_metric"] = objective.metric
    if objective.segment:
        found["objective_segment"] = _segment_name(plan, objective.segment)
    return found


def objective_diagnostics(plan: Plan) -> list[Diagnostic]:
    found = []
    for o in plan.objectives:
        if o.metric is None:
            found.append(Diagnostic("objective_no_metric", {"objective": o.id}))
        if o.target is None:
            found.append(Diagnostic("objective_no_target", named(plan, o)))
        if o.deadline is None and o.per is None:
            found.append(Diagnostic("objective_no_deadline", named(plan, o)))
        elif o.deadline is not None and not plan.start <= o.deadline <= plan.end:
            found.append(
                Diagnostic(
                    "objective_deadline_outside_plan",
                    {**named(plan, o), "deadline": o.deadline, "start": plan.start, "end": plan.end},
                )
            )
    return found


def planned_volume(plan: Plan, objective: Objective) -> int:
    assert objective.target is not None
    total = objective.target * periods_in_plan(plan, objective.per)
    return int(total.to_integral_value())


@dataclass(frozen=True)
class Basis:
    """How a planned volume was obtained: a total, or a target repeated over periods."""

    target: Decimal
    periods: Decimal
    per: Period | None


def _basis(plan: Plan, objective: Objective) -> Basis:
    assert objective.target is not None
    return Basis(objective.target, periods_in_plan(plan, objective.per), objective.per)


def activity_diagnostics(plan: Plan, funnel: ReverseFunnel) -> list[Diagnostic]:
    """Compare each activity objective with the funnel's need and show the rate it implies with
    the next stage down (the next objective, or else the funnel's own need)."""
    planned: dict[Stage, tuple[Objective, int]] = {}
    for o in plan.objectives:
        stage = o.metric.stage if o.metric else None
        if stage is not None and o.target is not None and funnel.volume(stage) is not None:
            planned.setdefault(stage, (o, planned_volume(plan, o)))
    found = []
    order = [s.stage for s in funnel.stages]
    for stage, (objective, volume) in planned.items():
        needed = funnel.volume(stage)
        assert needed is not None
        above = volume > needed * (1 + ABOVE_TOLERANCE)
        if (not above and volume >= needed) or stage is Stage.WON:
            continue
        lower = order[order.index(stage) + 1 :]
        next_stage = next((s for s in lower if s in planned), lower[0])
        next_volume = planned[next_stage][1] if next_stage in planned else funnel.volume(next_stage)
        assert next_volume is not None
        plan_rate = Decimal(1)
        for sv in funnel.stages[order.index(stage) : order.index(next_stage)]:
            assert sv.rate is not None
            plan_rate *= sv.rate
        found.append(
            Diagnostic(
                "activity_above_funnel" if above else "activity_below_funnel",
                {
                    **named(plan, objective),
                    "stage": stage,
                    "planned": volume,
                    "needed": needed,
                    "basis": _basis(plan, objective),
                    "won": funnel.won,
                    "next_stage": next_stage,
                    "next_volume": next_volume,
                    # a target that rounds to 0 (0.4 demos) cannot reach anything: the implied rate is ∞
                    "implied_rate": Decimal(next_volume) / Decimal(volume) if volume else Decimal("Infinity"),
                    "plan_rate": plan_rate,
                },
            )
        )
    return found


def action_diagnostics(plan: Plan, funnel: ReverseFunnel) -> list[Diagnostic]:
    """Compare, stage by stage, what the plan's actions expect to produce with what the funnel
    needs. Only actions that can feed this plan's wins count: not cancelled, and running between
    the plan's start minus the stage's lead time and the plan's end. Stages no action targets are
    left to the activity objectives: a plan need not have an action for every stage."""
    planned: dict[Stage, Decimal] = {}
    names: dict[Stage, list[str]] = {}
    lead_time = {s.stage: s.days_to_won for s in funnel.stages}
    for action in plan.actions:
        expected = action.expected
        if action.status is ActionStatus.CANCELLED or expected is None or expected.stage not in lead_time:
            continue
        assert expected.stage is not None
        earliest = plan.start - dt.timedelta(days=lead_time[expected.stage])
        if action.end < earliest or action.start > plan.end:
            continue
        planned[expected.stage] = planned.get(expected.stage, Decimal(0)) + expected.volume
        names.setdefault(expected.stage, []).append(wording.Quoted(action.name or action.id))
    found = []
    for stage_volume in funnel.stages:
        volume = planned.get(stage_volume.stage)
        if volume is not None and volume < stage_volume.volume:
            found.append(
                Diagnostic(
                    "actions_below_funnel",
                    {
                        "stage": stage_volume.stage,
                        "planned": volume,
                        "needed": stage_volume.volume,
                        "missing": stage_volume.volume - volume,
                        "actions": tuple(names[stage_volume.stage]),
                    },
                )
            )
    return found


def timing_diagnostics(plan: Plan, funnel: ReverseFunnel, schedule: Schedule) -> list[Diagnostic]:
    found = []
    if funnel.lead_time_days > plan.days:
        found.append(
            Diagnostic(
                "lead_time_exceeds_plan",
                {"stage": funnel.stages[0].stage, "lead_time": funnel.lead_time_days, "plan_days": plan.days},
            )
        )
    before = schedule.before_plan()
    if before:
        ordered = {s.stage: before[s.stage] for s in funnel.stages if s.stage in before}
        found.append(Diagnostic("pipeline_before_start", {"start": plan.start, "volumes": ordered}))
    return found


def wins_diagnostics(plan: Plan) -> list[Diagnostic]:
    """A wins objective that disagrees with the revenue objective ÷ the average deal, compared within
    one scope (the whole plan, or one segment): both figures cannot be right."""
    if not plan.average_deal:
        return []
    revenue: dict[str | None, Decimal] = {}
    wins: dict[str | None, tuple[list[str], Decimal]] = {}
    for o in plan.objectives:
        if o.target is None:
            continue
        total = o.target * periods_in_plan(plan, o.per)
        if o.metric is Metric.REVENUE:
            revenue[o.segment] = revenue.get(o.segment, Decimal(0)) + total
        elif o.metric is Metric.WINS:
            ids, count = wins.get(o.segment, ([], Decimal(0)))
            wins[o.segment] = ([*ids, o.id], count + total)
    found = []
    for scope, (ids, count) in wins.items():
        if scope not in revenue or not count:
            continue
        needed = ceil_div(revenue[scope], plan.average_deal)
        asked = int(count.to_integral_value())
        if asked != needed:
            found.append(
                Diagnostic(
                    "wins_objective_conflict",
                    {
                        "objective": ", ".join(ids),
                        "objective_metric": Metric.WINS,
                        **({"objective_segment": _segment_name(plan, scope)} if scope else {}),
                        "wins": asked,
                        "revenue": revenue[scope],
                        "average_deal": plan.average_deal,
                        "needed": needed,
                        "implied_deal": revenue[scope] / count,
                    },
                )
            )
    return found


def partner_diagnostics(plan: Plan, people: Collection[str] | None = None) -> list[Diagnostic]:
    """The channel partners against the plan: their MDF over the plan's budget (when it has one), a
    recruitment objective larger than the partners listed, and — when the caller knows the team's
    ``people`` (the engine does not) — a partner managed by someone outside it."""
    found = []
    listed = [p for p in plan.partners if p.status is not PartnerStatus.DROPPED]
    mdf = sum((p.mdf_budget for p in listed), Decimal(0))
    if plan.budget is not None and mdf > plan.budget:
        found.append(Diagnostic("partners_mdf_over_budget", {"mdf": mdf, "budget": plan.budget}))
    for o in plan.objectives:
        if o.metric is Metric.PARTNERS and o.target is not None:
            pool = [p for p in listed if not o.segment or p.segment == o.segment]
            target = planned_volume(plan, o)
            if target > len(pool):
                found.append(
                    Diagnostic(
                        "partners_objective_above_listed", {**named(plan, o), "target": target, "listed": len(pool)}
                    )
                )
    if people is not None:
        for p in plan.partners:
            if p.owner and p.owner not in people and p.status is not PartnerStatus.DROPPED:
                found.append(Diagnostic("partner_owner_not_in_team", {"partner": p.name, "owner": p.owner}))
    return found


def _before_start(rc: RoleCapacity) -> list[Diagnostic]:
    """Pipeline work dated before the start: nobody there to do it, or more than those there can do."""
    found = []
    unassigned = [w for w in rc.before if w.hours_needed and not w.hours_available]
    if unassigned:
        found.append(
            Diagnostic(
                "capacity_before_start_unassigned",
                {
                    "role": rc.role.upper(),
                    "hours": sum((w.hours_needed for w in unassigned), Decimal(0)),
                    "weeks": [w.week.label for w in unassigned],
                },
            )
        )
    over = [w for w in rc.before if w.hours_available and w.over]
    if over:
        found.append(
            Diagnostic(
                "capacity_before_start_over",
                {
                    "role": rc.role.upper(),
                    "needed": sum((w.hours_needed for w in over), Decimal(0)),
                    "available": sum((w.hours_available for w in over), Decimal(0)),
                    "count": len(over),
                    "weeks": [w.week.label for w in over],
                },
            )
        )
    return found


def capacity_diagnostics(roles: list[RoleCapacity]) -> list[Diagnostic]:
    found = []
    for rc in roles:
        weeks: list[IsoWeek] = rc.weeks_over_capacity
        if rc.headcount:
            found += _before_start(rc)
        if rc.headcount == 0:
            if rc.hours_needed:
                found.append(Diagnostic("role_without_headcount", {"role": rc.role.upper(), "needed": rc.hours_needed}))
            continue
        utilisation = rc.utilisation
        if utilisation is not None and utilisation > 1:
            found.append(
                Diagnostic(
                    "capacity_overload",
                    {
                        "role": rc.role.upper(),
                        "needed": rc.hours_needed,
                        "available": rc.hours_available,
                        "utilisation_rate": utilisation,
                        "headcount_needed": rc.headcount_needed,
                        "headcount": rc.headcount,
                    },
                )
            )
        elif weeks:
            found.append(
                Diagnostic(
                    "capacity_weeks_over",
                    {
                        "role": rc.role.upper(),
                        "count": len(weeks),
                        "weeks": [w.label for w in weeks],
                        "peak_rate": rc.peak_utilisation,
                        "headcount_needed": rc.headcount_needed,
                        "headcount": rc.headcount,
                    },
                )
            )
    return found


def input_diagnostic(error: FunnelInputError) -> Diagnostic:
    params = dict(error.params)
    if "stage" in params:
        params["stage"] = Stage(str(params["stage"])).value
    return Diagnostic(error.code, params)
