"""The comparison side by side of a plan and up to four of its what-if scenarios (``cockpit.scenarios``):
read by the plan's team."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from pac.web.accounts.abilities import Ability, requires
from pac.web.cockpit.scenarios import columns, table
from pac.web.plans import scenarios, selectors
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def scenarios_compare(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for(current_user(request), plan_id)
    if plan.scenario_of is not None:  # a scenario's id stands for its plan
        plan = plan.scenario_of
    asked = [int(raw) for raw in request.GET.getlist("scenario") if raw.isdigit() and len(raw) < 12]
    asked = list(dict.fromkeys(asked))[: scenarios.COMPARED]
    kept = {s.pk: s for s in scenarios.scenarios_of(plan).filter(pk__in=asked)}
    if len(kept) != len(asked):
        raise Http404
    if not asked:  # nothing chosen: the first ones
        kept = {s.pk: s for s in scenarios.scenarios_of(plan)[: scenarios.COMPARED]}
        asked = list(kept)
    if not asked:
        return redirect("plans:scenarios", plan_id=plan.pk)
    cols = columns(plan, [kept[pk] for pk in asked], timezone.localdate())
    return render(
        request,
        "cockpit/scenarios_compare.html",
        {
            "plan": plan,
            "columns": cols,
            "sections": table(cols),
            "can_edit": selectors.can_edit(current_user(request), plan),
            "title": _("Scenarios compared"),
        },
    )
