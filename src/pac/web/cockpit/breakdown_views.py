"""« Découper en trimestres / en mois »: the preview of a plan's parts (dates, revenue target, funnel volumes,
the season's weights: even, from the team's won revenue, or typed) and their creation, all or nothing
(``plans.breakdown``); and the year page's card « Découpage » with each part's progress. The team reads;
the plan's editors create. Here rather than in ``plans`` because the season and the progress read the CRM."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pac.engine.breakdown import Part
from pac.engine.formatting import Formatter
from pac.engine.funnel import FunnelInputError, ReverseFunnel, reverse_funnel
from pac.engine.model import Plan as EnginePlan
from pac.engine.model import Stage
from pac.web.accounts.abilities import Ability, requires
from pac.web.cockpit.breakdown import Season, part_lines, season_from_history
from pac.web.language import formatter
from pac.web.plans import adapters, breakdown, selectors
from pac.web.plans.breakdown import EVEN, HISTORY, TYPED, SplitForm
from pac.web.plans.presenters import stage_label
from pac.web.plans.selectors import plan_scope
from pac.web.plans.versioning import PlanConflict
from pac.web.requests import current_user, posted_version

EMPTY = "—"


def _funnel(plan: EnginePlan) -> ReverseFunnel | None:
    try:
        return reverse_funnel(plan)
    except FunnelInputError:  # rates missing: no volumes, the target still splits
        return None


def _row(
    label: str, dates: str, share: str, funnel: ReverseFunnel | None, stages: list[Stage], fmt: Formatter
) -> dict[str, Any]:
    target = funnel.revenue_target if funnel is not None else None
    return {
        "label": label,
        "dates": dates,
        "share": share,
        "target": fmt.money(target) if target is not None else EMPTY,
        "volumes": [fmt.number(v, 0) if funnel and (v := funnel.volume(s)) is not None else EMPTY for s in stages],
    }


def _table(year: EnginePlan, parts: list[Part], fiscal_year_start: int, fmt: Formatter) -> dict[str, Any]:
    """The preview's lines: each part, then the parts' total and the year's own figures."""
    whole = _funnel(year)
    funnels = [_funnel(p.plan) for p in parts]
    stages = [s.stage for s in whole.stages] if whole is not None else []
    rows = [
        _row(
            breakdown.part_label(p.key, fiscal_year_start, fmt),
            f"{fmt.date(p.start)} – {fmt.date(p.end)}",
            fmt.percent(p.share, 1),
            f,
            stages,
            fmt,
        )
        for p, f in zip(parts, funnels, strict=True)
    ]
    targets = [f.revenue_target for f in funnels if f is not None and f.revenue_target is not None]
    total_volumes = [
        fmt.number(sum(f.volume(s) or 0 for f in funnels if f is not None), 0) if all(funnels) else EMPTY
        for s in stages
    ]
    total = {
        "label": _("Total of the parts"),
        "target": fmt.money(sum(targets, Decimal(0))) if targets else EMPTY,
        "volumes": total_volumes,
    }
    own = _row(_("The plan itself"), f"{fmt.date(year.start)} – {fmt.date(year.end)}", "", whole, stages, fmt)
    return {"stages": [stage_label(s) for s in stages], "rows": rows, "total": total, "year": own}


def _season_shown(weights: tuple[Decimal, ...] | None, fmt: Formatter) -> list[dict[str, str]]:
    """The twelve months' weights as shares of the year (« 8,3 % »), for the preview."""
    from pac.web.plans.inputs import month_choices

    values = weights or (Decimal(1),) * 12
    whole = sum(values, Decimal(0))
    return [
        {"month": name.capitalize(), "share": fmt.percent(w / whole, 1)}
        for (_n, name), w in zip(month_choices(), values, strict=True)
    ]


def _typed_initial(season: Season | None) -> dict[str, str]:
    """The typed fields' first values: history's shares when there is one, else even (8,33 %)."""
    from pac.web.language import language
    from pac.web.plans.inputs import show_percent

    values = season.weights if season is not None else (Decimal(1),) * 12
    whole = sum(values, Decimal(0))
    return {f"m{n}": show_percent(round(w / whole, 4), language()) for n, w in enumerate(values, start=1)}


@requires(get=Ability.READ_PLANS, post=Ability.CHANGE_PLANS, scope=plan_scope)
def plan_split(request: HttpRequest, plan_id: int) -> HttpResponse:
    """GET: the preview (nothing written); POST « Créer les N plans »: the parts made from the same choices."""
    user = current_user(request)
    plan = selectors.plan_for(user, plan_id)
    today = timezone.localdate()
    fmt = formatter(plan.currency)
    history = season_from_history(plan, today)
    initial = {"by": "quarter", "season": EVEN, **_typed_initial(history)}
    if request.method == "POST":
        form = SplitForm(request.POST)
    elif "by" in request.GET:  # a link asks for a way to break down: the rest as the form first offers it
        form = SplitForm({**initial, **request.GET.dict()})
    else:
        form = SplitForm(initial=initial)
    error = ""
    parts: list[Part] = []
    weights: tuple[Decimal, ...] | None = None
    if form.is_bound and form.is_valid():
        season = form.cleaned_data["season"]
        if season == TYPED:
            weights = form.typed_season()
        elif season == HISTORY:
            weights = history.weights if history is not None else None
        try:
            if request.method == "POST":
                made = breakdown.split_create(
                    user=user,
                    plan=plan,
                    by=form.cleaned_data["by"],
                    season=weights,
                    expected_version=posted_version(request),
                    today=today,
                )
                messages.success(
                    request,
                    ngettext(
                        "%(count)s plan created, linked to this one.",
                        "%(count)s plans created, linked to this one.",
                        len(made),
                    )
                    % {"count": len(made)},
                )
                return redirect("plans:detail", plan_id=plan.pk)
            parts = breakdown.preview(plan, form.cleaned_data["by"], weights)
        except (ValidationError, PlanConflict) as refused:
            error = " ".join(refused.messages) if isinstance(refused, ValidationError) else str(refused)
    elif not form.is_bound:
        try:
            breakdown.preview(plan, "quarter", None)
        except ValidationError as refused:
            error = " ".join(refused.messages)
    year = adapters.to_engine(plan)
    context = {
        "plan": plan,
        "form": form,
        "error": error,
        "parts": parts,
        "table": _table(year, parts, plan.fiscal_year_start, fmt) if parts else None,
        "season": _season_shown(weights, fmt) if parts else [],
        "history": history,
        "history_since": fmt.month(history.first) if history else "",
        "history_until": fmt.month(history.last) if history else "",
        "history_chosen": form.is_bound and form.is_valid() and form.cleaned_data["season"] == HISTORY,
        "can_edit": selectors.can_edit(user, plan),
        "title": _("Break the plan down"),
    }
    bad = bool(error) or (form.is_bound and not form.is_valid())
    return render(request, "cockpit/split.html", context, status=400 if bad and request.method == "POST" else 200)


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def plan_parts(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The card « Découpage » with each part's progress so far (the partial the plan page loads)."""
    plan = selectors.plan_for(current_user(request), plan_id)
    return render(request, "cockpit/_plan_parts.html", parts_context(plan, progress=True))


def parts_context(plan: Any, progress: bool) -> dict[str, Any]:
    fmt = formatter(plan.currency)
    lines = part_lines(plan, timezone.localdate(), fmt, progress)
    amounts = [line.amount for line in lines if line.amount is not None]
    return {
        "plan": plan,
        "part_lines": lines,
        "parts_total": fmt.money(sum(amounts, Decimal(0))) if amounts else EMPTY,
        "progress": progress,
    }
