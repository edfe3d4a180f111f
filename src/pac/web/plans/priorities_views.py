"""The priorities page: rankings with their score breakdowns, the proposed selection of actions
under the team's hours and the budget, why each left-out action is out, and the manager's
decisions (overrides kept with who, why and when)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pac.engine import priorities as prio
from pac.engine.model import Stage
from pac.engine.priorities import scoring
from pac.web.accounts.abilities import Ability, requires
from pac.web.language import formatter
from pac.web.plans import adapters, execution, selectors
from pac.web.plans.models import Plan
from pac.web.plans.presenters import stage_label
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user


def engine_decisions(plan: Plan) -> list[prio.Decision]:
    """The active decisions of the plan, oldest first, as the engine takes them."""
    rows = plan.decisions.filter(active=True).select_related("action", "decided_by").order_by("decided_at", "id")
    return [prio.Decision(d.action.code, d.include, d.decided_by.get_username(), d.reason, d.decided_at) for d in rows]


def _one_decimal(value: float, fmt: Any) -> str:
    """A score with one decimal, as the reader writes it: 72,0 or 72,5 in French, 72.5 in English."""
    from babel.numbers import format_decimal

    return str(format_decimal(Decimal(f"{value:.1f}"), "#,##0.0", locale=fmt.locale))


#: What a score could not estimate, as the page says it (the engine flags it with a code).
FLAG_LABELS = {
    scoring.NO_VALUE_ESTIMATE: gettext_noop("value not estimated"),
    scoring.NO_VELOCITY_ESTIMATE: gettext_noop("velocity not estimated"),
    scoring.NO_COST_ESTIMATE: gettext_noop("acquisition cost not estimated"),
}


def _breakdown(ranked: prio.Ranked, fmt: Any) -> dict[str, Any]:
    b = ranked.breakdown
    parts = []
    for label, component, money in (
        (_("value"), b.value, True),
        (_("velocity"), b.velocity, False),
        (_("acquisition cost"), b.cost, True),
    ):
        if component.raw is None:
            raw = "—"
        elif money:
            raw = fmt.money(round(component.raw))
        else:
            raw = _("%(days)s days") % {"days": fmt.number(round(1 / component.raw))} if component.raw else "—"
        parts.append(
            {
                "label": label,
                "raw": raw,
                "normalised": f"{component.normalised:.0f}",
                "weight": fmt.percent(round(Decimal(str(component.weight)), 3), 0),
                "points": _one_decimal(component.points, fmt),
            }
        )
    return {
        "id": ranked.id,
        "name": ranked.name,
        "rank": ranked.rank,
        "score": _one_decimal(b.score, fmt),
        "group": ranked.group,
        "parts": parts,
        "flags": ", ".join(_(FLAG_LABELS[f]) if f in FLAG_LABELS else f for f in b.flags),
    }


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def plan_priorities(request: HttpRequest, plan_id: int) -> HttpResponse:
    row = selectors.plan_for(current_user(request), plan_id)
    plan = adapters.to_engine(row)
    fmt = formatter(plan.currency)
    ranks = prio.rankings(plan)
    selection = prio.select_actions(plan, decisions=engine_decisions(row))
    names = {a.id: a.name for a in plan.actions}
    groups: dict[str, list[dict[str, Any]]] = {}
    for ranked in ranks.actions:
        key = ranked.group or prio.NO_STAGE
        label = stage_label(Stage(key)) if key != prio.NO_STAGE else _("no expected stage")
        groups.setdefault(label, []).append(_breakdown(ranked, fmt))
    decided = {d.action: d for d in selection.decisions}
    pks = dict(row.actions.values_list("code", "pk"))
    actions = []
    for action in plan.actions:
        value = selection.values.get(action.id)
        left = selection.left_out_reason(action.id)
        actions.append(
            {
                "id": action.id,
                "pk": pks[action.id],
                "name": action.name,
                "value": fmt.money(round(value)) if value is not None else "—",
                "selected": action.id in selection.selected,
                "reason": prio.left_out_message(left, fmt, _) if left else "",
                "decision": decided.get(action.id),
            }
        )
    binding = [
        {
            "label": c.constraint.label(_),
            "used": fmt.number(round(Decimal(str(c.used)), 1)),
            "available": fmt.number(round(Decimal(str(c.available)), 1)),
        }
        for c in selection.binding_constraints
    ]
    return render(
        request,
        "plans/priorities.html",
        {
            "plan": row,
            "can_edit": selectors.can_edit(current_user(request), row),
            "segments": [_breakdown(r, fmt) for r in ranks.segments],
            "accounts": [_breakdown(r, fmt) for r in ranks.accounts],
            "action_groups": groups.items(),
            "actions": actions,
            "total": fmt.money(round(selection.total_value)),
            "budget_used": fmt.money(round(selection.budget_used)),
            "budget": fmt.money(selection.budget_available) if selection.budget_available is not None else None,
            "binding": binding,
            "violations": [prio.violation_message(v, fmt, _) for v in selection.violations],
            "optimal": selection.optimal,
            "funnel_load": selection.funnel_load_subtracted,
            "history": row.decisions.select_related("action", "decided_by")[:30],
            "names": names,
            "hourly_cost": fmt.money(ranks.hourly_cost),
        },
    )


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def plan_decide(request: HttpRequest, plan_id: int) -> HttpResponse:
    row = selectors.plan_for(current_user(request), plan_id)
    asked = request.POST.get("action", "")
    action = row.actions.filter(pk=int(asked)).first() if asked.isdigit() else None
    if action is None:  # a form sent without its action, or one of another plan: said, not a missing page
        messages.error(request, _("Choose an action of the plan."))
        return redirect("plans:priorities", plan_id=row.pk)
    choice = request.POST.get("choice")
    try:
        if choice == "withdraw":
            execution.decision_withdraw(user=current_user(request), plan=row, action=action)
        elif choice in ("include", "exclude"):
            execution.decision_record(
                user=current_user(request),
                plan=row,
                action=action,
                include=choice == "include",
                reason=request.POST.get("reason", ""),
            )
        else:
            raise ValidationError(_("Choose to keep or drop the action."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("plans:priorities", plan_id=row.pk)
