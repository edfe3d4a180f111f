"""Why an action is in or out, in the reader's language, and the ``pac priorities --json`` document."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pac.engine.formatting import Formatter
from pac.engine.labels import gettext_noop
from pac.engine.model import Role
from pac.engine.priorities.scoring import InputValue, Ranked, Rankings
from pac.engine.priorities.selection import (
    Binding,
    Constraint,
    ConstraintKind,
    Decision,
    LeftOut,
    Reason,
    Selection,
    Violation,
    ViolationCode,
)

REASON_TEMPLATES: dict[str, str] = {
    "excluded_by_decision": gettext_noop("Excluded by decision."),
    "excluded_by_decision_of": gettext_noop("Excluded by decision of {who}."),
    "decision_why": gettext_noop("Reason given: {why}"),
    Reason.CANCELLED: gettext_noop("Cancelled action."),
    Reason.NO_SUCH_ROLE: gettext_noop("Its {hours} hours are for role {role}, which is not in the team."),
    Reason.NO_VALUE_ESTIMATE: gettext_noop(
        "No value estimate: give it a value, or an expected outcome at a funnel stage "
        "(with rates down to won and an average deal)."
    ),
    Reason.ZERO_VALUE: gettext_noop("Its expected value is zero."),
    Reason.DOES_NOT_FIT: gettext_noop("Does not fit, even alone: {constraints}."),
    Reason.LOWER_VALUE: gettext_noop(
        "Fits alone, but not with the selected actions, which are worth more: {constraints}."
    ),
    Reason.SOLVER_LIMIT: gettext_noop("Would fit, but the solver stopped at its time limit before taking it."),
    "binding": gettext_noop("{constraint} needs {needed}, {available} left"),
    "hours": gettext_noop("{hours} h"),
    "no_role": gettext_noop("(none)"),
}

VIOLATION_TEMPLATES: dict[ViolationCode, str] = {
    ViolationCode.OVER_CAPACITY: gettext_noop(
        "Actions included by decision ({actions}) overflow the {constraint}: {used} for {available} available."
    ),
    ViolationCode.NO_SUCH_ROLE: gettext_noop(
        "Included by decision, {actions} has {hours} hours for role {role}, which is not in the team: "
        "they are counted nowhere."
    ),
}

Translate = Callable[[str], str]


def _identity(text: str) -> str:
    return text


def _amount(constraint: Constraint, amount: float, fmt: Formatter, translate: Translate) -> str:
    figure = Decimal(str(round(amount, 2)))
    if constraint.kind is ConstraintKind.BUDGET:
        return fmt.money(figure)
    return translate(REASON_TEMPLATES["hours"]).format(hours=fmt.number(figure))


def binding_message(binding: Binding, fmt: Formatter, translate: Translate = _identity) -> str:
    c = binding.constraint
    return translate(REASON_TEMPLATES["binding"]).format(
        constraint=c.label(translate),
        needed=_amount(c, binding.needed, fmt, translate),
        available=_amount(c, binding.available, fmt, translate),
    )


def _role(role: Role | None, translate: Translate) -> str:
    return role.value.upper() if role is not None else translate(REASON_TEMPLATES["no_role"])


def left_out_message(item: LeftOut, fmt: Formatter | None = None, translate: Translate = _identity) -> str:
    """Why an action was left out, in the reader's language."""
    fmt = fmt or Formatter("en")
    if item.reason is Reason.EXCLUDED_BY_DECISION:
        d = item.decision
        text = (
            translate(REASON_TEMPLATES["excluded_by_decision_of"]).format(who=d.who)
            if d and d.who
            else translate(REASON_TEMPLATES["excluded_by_decision"])
        )
        if d and d.why:
            text += " " + translate(REASON_TEMPLATES["decision_why"]).format(why=d.why)
        return text
    return translate(REASON_TEMPLATES[item.reason]).format(
        hours=fmt.number(item.hours),
        role=_role(item.role, translate),
        constraints="; ".join(binding_message(b, fmt, translate) for b in item.bindings),
    )


def violation_message(violation: Violation, fmt: Formatter | None = None, translate: Translate = _identity) -> str:
    fmt = fmt or Formatter("en")
    c = violation.constraint
    return translate(VIOLATION_TEMPLATES[violation.code]).format(
        actions=", ".join(violation.actions),
        constraint=c.label(translate) if c else "",
        used=_amount(c, violation.used, fmt, translate) if c else "",
        available=_amount(c, violation.available, fmt, translate) if c else "",
        hours=fmt.number(violation.hours),
        role=_role(violation.role, translate),
    )


def _num(value: Decimal | float | int | None, digits: int = 6) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(round(value, digits))
    return round(float(value), digits) if isinstance(value, float) else value


def _input(value: InputValue) -> Any:
    return _num(value) if isinstance(value, Decimal) else value


def ranked_to_json(ranked: Ranked) -> dict[str, Any]:
    b = ranked.breakdown
    return {
        "id": ranked.id,
        "name": ranked.name,
        "group": ranked.group,
        "rank": ranked.rank,
        "score": round(b.score, 4),
        "components": {
            name: {
                "raw": _num(c.raw),
                "normalised": round(c.normalised, 4),
                "weight": round(c.weight, 6),
                "points": round(c.points, 4),
            }
            for name, c in (("value", b.value), ("velocity", b.velocity), ("cost", b.cost))
        },
        "inputs": {k: _input(v) for k, v in b.inputs.items()},
        "flags": list(b.flags),
    }


def _decision_json(d: Decision) -> dict[str, Any]:
    return {
        "action": d.action,
        "include": d.include,
        "who": d.who,
        "why": d.why,
        "when": d.when.isoformat() if d.when else None,
    }


def selection_to_json(selection: Selection, fmt: Formatter | None = None) -> dict[str, Any]:
    fmt = fmt or Formatter("en")
    return {
        "selected": list(selection.selected),
        "total_value": _num(selection.total_value, 2),
        "budget_used": _num(selection.budget_used, 2),
        "budget_available": _num(selection.budget_available, 2),
        "optimal": selection.optimal,
        "gap": selection.gap,
        "funnel_load_subtracted": selection.funnel_load_subtracted,
        "left_out": [
            {
                "id": lo.action,
                "reason": lo.reason.value,
                "message": left_out_message(lo, fmt),
                "value": _num(lo.value, 2),
                "constraints": [
                    {
                        "constraint": b.constraint.key,
                        "label": b.constraint.label(),
                        "needed": _num(b.needed, 4),
                        "available": _num(b.available, 4),
                    }
                    for b in lo.bindings
                ],
                "decision": _decision_json(lo.decision) if lo.decision else None,
            }
            for lo in selection.left_out
        ],
        "constraints": [
            {
                "constraint": c.constraint.key,
                "kind": c.constraint.kind.value,
                "role": c.constraint.role.value if c.constraint.role else None,
                "week": c.constraint.week.label if c.constraint.week else None,
                "label": c.constraint.label(),
                "capacity": _num(c.capacity, 4),
                "funnel_load": _num(c.funnel_load, 4),
                "available": _num(c.available, 4),
                "used": _num(c.used, 4),
                "slack": _num(c.slack, 4),
                "binding": c.binding,
            }
            for c in selection.constraints
        ],
        "violations": [
            {
                "code": v.code.value,
                "actions": list(v.actions),
                "constraint": v.constraint.key if v.constraint else None,
                "used": _num(v.used, 4),
                "available": _num(v.available, 4),
                "message": violation_message(v, fmt),
            }
            for v in selection.violations
        ],
        "decisions": [_decision_json(d) for d in selection.decisions],
        "unknown_decisions": list(selection.unknown_decisions),
    }


def to_json(ranks: Rankings, selection: Selection, fmt: Formatter | None = None) -> dict[str, Any]:
    """The ``pac priorities --json`` document."""
    w = ranks.weights
    return {
        "weights": {"value": _num(w.value), "velocity": _num(w.velocity), "cost": _num(w.cost)},
        "hourly_cost": _num(ranks.hourly_cost),
        "segments": [ranked_to_json(r) for r in ranks.segments],
        "accounts": [ranked_to_json(r) for r in ranks.accounts],
        "actions": [ranked_to_json(r) for r in ranks.actions],
        "selection": selection_to_json(selection, fmt),
    }
