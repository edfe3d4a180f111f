"""« Versions »: the plan's saved versions (newest first), any two compared in words, and the baseline
chosen. The team reads them; an editor of the plan chooses the baseline."""

from __future__ import annotations

import yaml
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from pac.web.accounts.abilities import Ability, requires
from pac.web.plans import selectors, versions
from pac.web.plans.history_values import local_when
from pac.web.plans.selectors import plan_scope
from pac.web.plans.version_diff import worded_changes
from pac.web.requests import current_user

#: Versions listed on the page (the newest).
SHOWN = 100


def _number(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 9 else None


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def plan_versions(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = current_user(request)
    plan = selectors.plan_for(user, plan_id)
    rows = list(plan.versions.select_related("author")[:SHOWN])
    baseline = next((v for v in plan.versions.filter(baseline=True)), None)
    latest = rows[0] if rows else None
    return render(
        request,
        "plans/versions.html",
        {
            "plan": plan,
            "rows": [{"version": v, "when": local_when(v.created_at), "author": versions.author_name(v)} for v in rows],
            "total": plan.versions.count(),
            "baseline": baseline,
            "default_old": baseline.number if baseline else (rows[1].number if len(rows) > 1 else None),
            "default_new": latest.number if latest else None,
            "can_edit": selectors.can_edit(user, plan),
        },
    )


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def plan_versions_compare(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for(current_user(request), plan_id)
    numbers = _number(request.GET.get("old")), _number(request.GET.get("new"))
    if None in numbers:  # no choice made: the baseline (else the previous version) against the latest
        if plan.versions.count() < 2:
            return redirect("plans:versions", plan.pk)
        numbers = (None, None)
    old, new = versions.version_pair(plan, *numbers)
    try:
        changes = versions.changes_between(old, new)
    except ValidationError as refused:  # a version saved under rules since tightened
        messages.error(request, " ".join(refused.messages))
        return redirect("plans:versions", plan.pk)
    worded = worded_changes(plan, yaml.safe_load(old.content), yaml.safe_load(new.content), changes)
    return render(
        request,
        "plans/versions_compare.html",
        {
            "plan": plan,
            "old": {"version": old, "when": local_when(old.created_at), "author": versions.author_name(old)},
            "new": {"version": new, "when": local_when(new.created_at), "author": versions.author_name(new)},
            **worded,
        },
    )


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def plan_version_baseline(request: HttpRequest, plan_id: int, number: int) -> HttpResponse:
    user = current_user(request)
    plan = selectors.plan_for(user, plan_id)
    versions.baseline_set(user=user, plan=plan, number=number)
    return redirect("plans:versions", plan.pk)
