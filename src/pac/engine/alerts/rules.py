"""The alert rules: each one reads part of ``AlertInputs``, compares it with the plan's threshold and
returns alerts — a code, a subject, figures — or nothing. A rule whose input is missing stays quiet.

Comparisons are inclusive on the side of the threshold that fires (« 10 % behind or more »), except
the floors (coverage, P(target)), which fire strictly under them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from pac.engine.alerts.inputs import AlertInputs, OpenDeal
from pac.engine.diagnostics import Diagnostic
from pac.engine.formatting import Formatter
from pac.engine.labels import METRIC_LABELS, Translate, gettext_noop
from pac.engine.model import RATE_DIGITS, ActionStatus, AlertThresholds, Metric, Plan, Severity, Stage
from pac.engine.wording import render
from pac.engine.workdays import IsoWeek

TEMPLATES: dict[str, str] = {
    "pace_behind": gettext_noop(
        "Objective “{objective}” is behind: {actual} so far where {expected} were expected by now "
        "({behind_rate} behind, target {target})."
    ),
    "coverage_low": gettext_noop(
        "The open pipeline ({pipeline}) covers {coverage}× the {remaining} still to win; at a win rate of "
        "{win_rate} it should cover {needed}×."
    ),
    "target_unlikely": gettext_noop(
        "The target is reached in {probability_rate} of the forecast's scenarios (alert under {threshold_rate})."
    ),
    "no_show_high": gettext_noop(
        "{no_show_rate} of the {count} meetings booked did not take place (alert from {threshold_rate})."
    ),
    "conversion_drop": gettext_noop(
        "The {stage} conversion fell to {current_rate} this period, against {history_rate} before "
        "({points} points, over {count} deals)."
    ),
    "deal_stalled": gettext_noop(
        "Deal “{deal}” has been at the {stage} stage for {days} days, {factor}× the usual {median} days."
    ),
    "deal_stalled_age": gettext_noop(
        "Deal “{deal}” is {days} days old and still at the {stage} stage; deals usually get past it by "
        "day {median} (alert at {factor}×)."
    ),
    "deal_past_close": gettext_noop("Deal “{deal}” was expected to close on {expected_close}: {days} days ago."),
    "deal_slipping": gettext_noop(
        "Deal “{deal}” slipped: expected to close on {expected_close} instead of {first_expected_close} "
        "({days} days later)."
    ),
    "action_overdue": gettext_noop("Action “{action}” was due on {end} ({days} days ago) and is not done."),
    "capacity_overload": gettext_noop(
        "Role {role} is loaded at {load_rate} in week {week}: {needed} hours needed for {available} available."
    ),
}

SEVERITIES: dict[str, Severity] = {
    "pace_behind": Severity.WARNING,
    "coverage_low": Severity.ERROR,
    "target_unlikely": Severity.ERROR,
    "no_show_high": Severity.WARNING,
    "conversion_drop": Severity.WARNING,
    "deal_stalled": Severity.WARNING,
    "deal_stalled_age": Severity.WARNING,
    "deal_past_close": Severity.WARNING,
    "deal_slipping": Severity.INFO,
    "action_overdue": Severity.WARNING,
    "capacity_overload": Severity.WARNING,
}

#: The code of an alert that carries one of the plan's own diagnostics (worded by ``diagnostics``).
DIAGNOSTIC = "plan_diagnostic"

_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}

#: Parameters shown as money (revenue objectives' figures too).
_MONEY = frozenset({"pipeline", "remaining"})
_MONEY_WHEN_REVENUE = frozenset({"actual", "expected", "target"})
#: An objective's figures, worded as its metric reads.
_OBJECTIVE_FIGURES = frozenset({"actual", "expected", "target"})


@dataclass(frozen=True)
class Alert:
    """One situation to act on. ``subject`` names what it is about ({"deal": "D-12"}, {"role": "ae",
    "week": "2027-W05"}…); ``key`` is built from the code and the subject only, so the same situation
    keeps its key from one run to the next while its figures move (the web layer acknowledges or
    snoozes by key)."""

    code: str
    severity: Severity
    subject: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return "|".join([self.code, *(f"{k}={v}" for k, v in sorted(self.subject.items()))])

    def message(self, formatter: Formatter | None = None, translate: Translate = lambda s: s) -> str:
        fmt = formatter or Formatter("en")
        diagnostic = self.params.get("diagnostic")
        if isinstance(diagnostic, Diagnostic):
            return diagnostic.message(fmt, translate)
        metric = self.params.get("metric")
        money = _MONEY | (_MONEY_WHEN_REVENUE if metric in (Metric.REVENUE.value, Metric.AVERAGE_DEAL.value) else set())
        known = isinstance(metric, str) and metric in set(Metric)
        special = _objective_values(Metric(str(metric)), self.params, fmt, translate) if known else None
        return render(TEMPLATES[self.code], self.params, fmt, translate, money, special)


def _objective_values(
    metric: Metric, params: Mapping[str, object], fmt: Formatter, translate: Translate
) -> Callable[[str, object, Callable[[str, object], str]], str | None]:
    """An objective's figures as its metric reads: a rate as a percentage, a count of deals or of days as
    a whole number; the objective by its metric's name (and segment), not its code in the plan file."""

    def special(key: str, value: object, show: Callable[[str, object], str]) -> str | None:
        if key == "objective":
            segment = params.get("segment")
            return translate(METRIC_LABELS[metric]) + (f" · {segment}" if segment else "")
        if key not in _OBJECTIVE_FIGURES or not isinstance(value, int | Decimal):
            return None
        if metric in RATE_DIGITS:
            return fmt.percent(Decimal(value), RATE_DIGITS[metric])
        if metric not in (Metric.REVENUE, Metric.AVERAGE_DEAL):
            return fmt.number(round(Decimal(value)))
        return None

    return special


def _alert(code: str, subject: Mapping[str, str], **params: object) -> Alert:
    return Alert(code, SEVERITIES[code], subject, params)


def pace(inputs: AlertInputs, limits: AlertThresholds) -> list[Alert]:
    """Objectives behind their expected-to-date by ``pace_behind`` of it or more (for a rate or an
    average, of its target; for the sales cycle, over its target by that much)."""
    found = []
    for line in inputs.progress:
        metric, value = line.objective.metric, line.actual.value
        if metric is None or value is None or line.share is None or not line.expected_share:
            continue
        behind = line.share - 1 if metric.lower_is_better else 1 - line.share / line.expected_share
        if behind >= limits.pace_behind:
            found.append(
                _alert(
                    "pace_behind",
                    {"objective": line.objective.id},
                    objective=line.objective.id,
                    segment=line.objective.segment or "",
                    metric=metric.value,
                    actual=value,
                    expected=line.target * line.expected_share,
                    target=line.target,
                    behind_rate=behind,
                )
            )
    return found


def plan_win_rate(plan: Plan) -> Decimal | None:
    """The rate of the stage just above « won »: the plan's win rate on its last step."""
    steps = [s for s in plan.steps if s.stage is not Stage.WON]
    return steps[-1].rate if steps and plan.steps[-1].stage is Stage.WON else None


def pipeline_value(plan: Plan, deals: tuple[OpenDeal, ...]) -> Decimal:
    """The open deals' amounts; a deal without one counts as the plan's average deal."""
    fallback = plan.average_deal or Decimal(0)
    return sum((d.amount if d.amount is not None else fallback for d in deals), Decimal(0))


def coverage(plan: Plan, inputs: AlertInputs, limits: AlertThresholds) -> list[Alert]:
    """Open pipeline ÷ revenue still to win under ``coverage_margin`` ÷ win rate."""
    remaining, win_rate = inputs.remaining_target, inputs.win_rate or plan_win_rate(plan)
    if remaining is None or remaining <= 0 or not win_rate:
        return []
    pipeline = pipeline_value(plan, inputs.open_deals)
    ratio, needed = pipeline / remaining, limits.coverage_margin / win_rate
    if ratio >= needed:
        return []
    return [
        _alert(
            "coverage_low",
            {},
            pipeline=pipeline,
            remaining=remaining,
            coverage=round(ratio, 2),
            needed=round(needed, 2),
            win_rate=win_rate,
        )
    ]


def probability(inputs: AlertInputs, limits: AlertThresholds) -> list[Alert]:
    """P(target) from the forecast under ``min_probability`` (a value that is not a probability says
    nothing): a warning, an error under half the floor (a quarter at risk is not yet a quarter lost)."""
    p = inputs.probability_of_target
    if p is None or not 0 <= p <= 1 or Decimal(str(p)) >= limits.min_probability:
        return []
    found = _alert("target_unlikely", {}, probability_rate=Decimal(str(p)), threshold_rate=limits.min_probability)
    if Decimal(str(p)) >= limits.min_probability / 2:
        found = replace(found, severity=Severity.WARNING)
    return [found]


def no_show(inputs: AlertInputs, limits: AlertThresholds) -> list[Alert]:
    rate = inputs.no_show_rate
    if rate is None or inputs.no_show_count < limits.min_sample or rate < limits.max_no_show:
        return []
    return [
        _alert("no_show_high", {}, no_show_rate=rate, count=inputs.no_show_count, threshold_rate=limits.max_no_show)
    ]


def conversion(inputs: AlertInputs, limits: AlertThresholds) -> list[Alert]:
    """A stage's rate this period ``conversion_drop`` points or more under its trailing history."""
    found = []
    for c in inputs.conversions:
        drop = c.history_rate - c.rate
        if c.count >= limits.min_sample and drop >= limits.conversion_drop:
            found.append(
                _alert(
                    "conversion_drop",
                    {"stage": c.stage.value},
                    stage=c.stage,
                    current_rate=c.rate,
                    history_rate=c.history_rate,
                    points=drop * 100,
                    count=c.count,
                )
            )
    return found


def _stage_days(plan: Plan, inputs: AlertInputs, stage: Stage) -> Decimal | None:
    if stage in inputs.stage_days:
        return inputs.stage_days[stage]
    step = next((s for s in plan.steps if s.stage is stage), None)
    return Decimal(step.days) if step is not None else None


def stalled(plan: Plan, inputs: AlertInputs, today: dt.date, limits: AlertThresholds) -> list[Alert]:
    """Deals in their stage ``stalled_factor`` × its median days or more; without a stage history,
    deals whose age reaches that factor × the days deals usually take to get past their stage."""
    found = []
    for deal in inputs.open_deals:
        median = _stage_days(plan, inputs, deal.stage)
        if deal.entered_stage is not None:
            code, since = "deal_stalled", deal.entered_stage
        else:
            upper = [s.stage for s in plan.steps if s.stage.order <= deal.stage.order]
            days = [_stage_days(plan, inputs, s) for s in upper]
            median = sum((d for d in days if d is not None), Decimal(0)) if upper else None
            code, since = "deal_stalled_age", deal.created
        elapsed = (today - since).days
        if median and elapsed >= limits.stalled_factor * median:
            found.append(
                _alert(
                    code,
                    {"deal": deal.id},
                    deal=deal.id,
                    stage=deal.stage,
                    days=elapsed,
                    median=median,
                    factor=limits.stalled_factor,
                )
            )
    return found


def slipping(inputs: AlertInputs, today: dt.date, limits: AlertThresholds) -> list[Alert]:
    """Deals past their expected close, or whose expected close moved ``slip_days`` or more later."""
    found = []
    for deal in inputs.open_deals:
        close, first = deal.expected_close, deal.first_expected_close
        if close is not None and close < today:
            found.append(
                _alert(
                    "deal_past_close", {"deal": deal.id}, deal=deal.id, expected_close=close, days=(today - close).days
                )
            )
        elif close is not None and first is not None and (close - first).days >= limits.slip_days:
            found.append(
                _alert(
                    "deal_slipping",
                    {"deal": deal.id},
                    deal=deal.id,
                    expected_close=close,
                    first_expected_close=first,
                    days=(close - first).days,
                )
            )
    return found


def overdue_actions(plan: Plan, today: dt.date) -> list[Alert]:
    """The plan's actions whose end has passed, neither done nor cancelled."""
    open_statuses = {ActionStatus.PROPOSED, ActionStatus.PLANNED, ActionStatus.IN_PROGRESS}
    return [
        _alert(
            "action_overdue",
            {"action": a.id},
            action=a.name or a.id,
            end=a.end,
            days=(today - a.end).days,
            owner=a.owner or "",
        )
        for a in plan.actions
        if a.end < today and a.status in open_statuses
    ]


def overload(inputs: AlertInputs, today: dt.date, limits: AlertThresholds) -> list[Alert]:
    """Each role's weeks, from this one on, loaded above ``max_load`` of the hours it has (a role with
    nobody is a plan diagnostic, not a weekly alert)."""
    this_week = IsoWeek.of(today)
    found = []
    for rc in inputs.capacity:
        for w in rc.weeks:
            if w.week < this_week or not w.hours_available:
                continue
            load = w.hours_needed / w.hours_available
            if load > limits.max_load:
                found.append(
                    _alert(
                        "capacity_overload",
                        {"role": rc.role, "week": w.week.label},
                        role=rc.role.upper(),
                        week=w.week.label,
                        needed=w.hours_needed,
                        available=w.hours_available,
                        load_rate=load,
                    )
                )
    return found


def plan_diagnostics(inputs: AlertInputs, limits: AlertThresholds) -> list[Alert]:
    """The plan's own diagnostics of ``diagnostics`` severity or worse; the subject is the diagnostic's
    code and the names in it (role, stage, objective…), not its figures."""
    found = []
    for d in inputs.diagnostics:
        if _SEVERITY_RANK[d.severity] > _SEVERITY_RANK[limits.diagnostics]:
            continue
        names = {k: str(v) for k, v in d.params.items() if isinstance(v, str)}
        found.append(Alert(DIAGNOSTIC, d.severity, {"diagnostic": d.code, **names}, {"diagnostic": d}))
    return found
