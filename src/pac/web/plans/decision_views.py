"""The plan's decision log: every arbitration (priorities, corrective levers, alerts set aside, forecast
adjustments, decisions taken in rituals) with who, when, what it changed and why; filtered by kind,
read by the whole team (the decisions are made through their own pages' write paths)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from pac.web.accounts.abilities import Ability, requires
from pac.web.language import formatter
from pac.web.paging import paging
from pac.web.plans import selectors
from pac.web.plans.decision_log import KIND_LABELS, kind_label, worded_change
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user

#: Decisions a page, the latest first.
PAGE_SIZE = 50


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def decision_log(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for(current_user(request), plan_id)
    kind = request.GET.get("kind", "")
    kind = kind if kind in KIND_LABELS else ""  # an unknown filter shows everything
    fmt = formatter(plan.currency)
    decisions = selectors.decisions_of(plan, kind)
    pages = paging(request, decisions.count(), PAGE_SIZE, {"kind": kind} if kind else {})
    rows = [
        {
            "entry": d,
            "kind": kind_label(d.kind),
            "who": d.decided_by.get_full_name() or d.decided_by.get_username(),
            "what": worded_change(d.change, d.params, fmt, plan.currency),
        }
        for d in decisions[pages.start : pages.end]
    ]
    return render(
        request,
        "plans/decisions.html",
        {
            "plan": plan,
            "rows": rows,
            "kind": kind,
            "paging": pages,
            "kinds": [(code, str(label)) for code, label in KIND_LABELS.items()],
            "title": _("Decision log"),
        },
    )
