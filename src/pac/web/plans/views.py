"""Thin views: scoped reads from selectors, writes through services, partials for HTMX."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pac.engine.analysis import analyse
from pac.engine.model import Plan as EnginePlan
from pac.engine.planfile import PlanFileError, decode_plan_file, dump_plan, parse_plan_file, to_plan
from pac.web.accounts.abilities import Ability, requires
from pac.web.language import formatter, language
from pac.web.plans import adapters, breakdown, filesections, selectors, services
from pac.web.plans.forms import SECTION_FORMSETS, PlanForm, PlanImportForm
from pac.web.plans.inputs import show_percent
from pac.web.plans.models import Plan
from pac.web.plans.presenters import present
from pac.web.plans.selectors import plan_scope
from pac.web.plans.versioning import PlanConflict, require_plan_creator
from pac.web.requests import current_user, posted_version

SECTION_TITLES = {
    "objectives": gettext_lazy("Objectives"),
    "stages": gettext_lazy("Funnel stages"),
    "roles": gettext_lazy("Team"),
    "efforts": gettext_lazy("Effort per stage"),
}


ONLY_MANAGERS = gettext_lazy("Only a manager creates a team plan.")


def _section_titles() -> dict[str, str]:
    return {k: str(v) for k, v in SECTION_TITLES.items()}


@requires(get=Ability.READ_PLANS)
def plan_list(request: HttpRequest) -> HttpResponse:
    teams = selectors.teams_of(current_user(request))
    return render(
        request,
        "plans/list.html",
        {
            "plans": selectors.plans_visible_to(current_user(request)),
            "import_form": PlanImportForm(teams=teams),
            "can_create": selectors.can_create_plans(current_user(request)),
        },
    )


@requires(get=Ability.CHANGE_PLANS, post=Ability.CHANGE_PLANS, refusal=ONLY_MANAGERS)
def plan_create(request: HttpRequest) -> HttpResponse:
    require_plan_creator(current_user(request))  # a rep gets the 403 page that says why
    teams = selectors.teams_of(current_user(request))
    form = PlanForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan = services.plan_create(
            user=current_user(request),
            team=data["team"],
            name=data["name"],
            start=data["start"],
            end=data["end"],
            currency=data["currency"],
            country=data["country"],
            average_deal=data.get("average_deal"),
            options={k: data.get(k) for k in services.HEADER_OPTIONS},
        )
        messages.success(request, _("Plan created: now give its objectives and funnel rates."))
        return redirect("plans:detail", plan_id=plan.pk)
    return render(request, "plans/form.html", {"form": form, "title": _("New plan"), "starts": True})


#: The rituals' next meetings linked from the plan page (the Monday review first when it is the soonest).
NEXT_MEETINGS = 3


def _plan_context(request: HttpRequest, plan: Plan) -> dict[str, Any]:
    engine_plan = adapters.to_engine(plan)
    people = set(plan.team.members.values_list("username", flat=True))
    can_edit = selectors.can_edit(current_user(request), plan)
    return {
        "plan": plan,
        "parts": list(breakdown.parts_of(plan)),
        "part_label": breakdown.part_label(plan.part_key, plan.part_of.fiscal_year_start, formatter(plan.currency))
        if plan.part_of is not None and plan.part_key
        else "",
        "split_choices": breakdown.split_choices(plan, engine_plan) if can_edit else [],
        "page": present(analyse(engine_plan, people)),
        "partners": _partners(engine_plan, plan.currency),
        "can_edit": can_edit,
        "sections": _section_titles(),
        "roles": _team(plan),
        "next_meetings": selectors.next_occurrences(plan, timezone.localdate())[:NEXT_MEETINGS],
        "stage_rows": [
            {"label": s.get_stage_display(), "rate": show_percent(s.rate, language()) if s.rate else "", "days": s.days}
            for s in plan.stages.all()
        ],
    }


def _partners(plan: EnginePlan, currency: str) -> dict[str, str] | None:
    """The plan page's partners card: how many, how many recruited by today, their MDF (None without any)."""
    if not plan.partners:
        return None
    fmt = formatter(currency)
    today = timezone.localdate()
    return {
        "count": fmt.number(len(plan.partners)),
        "recruited": fmt.number(sum(1 for p in plan.partners if p.recruited_by(today))),
        "mdf": fmt.money(sum((p.mdf_budget for p in plan.partners), Decimal(0))),
    }


def _team(plan: Plan) -> list[dict[str, Any]]:
    """The team entries as the plan page shows them: when each joins and how fast they ramp up."""
    fmt = formatter(plan.currency)
    return [
        {
            "role": r.get_role_display(),
            "headcount": r.headcount,
            "hours_per_week": fmt.number(r.hours_per_week, 2),
            "start": fmt.date(r.start) if r.start else "",
            "ramp_up": ", ".join(fmt.percent(Decimal(str(share)), 0) for share in r.ramp_up),
        }
        for r in plan.roles.all()
    ]


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for(current_user(request), plan_id)
    return render(request, "plans/detail.html", _plan_context(request, plan))


@requires(get=Ability.CHANGE_PLANS, post=Ability.CHANGE_PLANS, scope=plan_scope)
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for_editing(current_user(request), plan_id)
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        optional = services.HEADER_OPTIONS - {"budget"}  # left empty: keep what the plan has
        fields = {
            k: v
            for k, v in form.cleaned_data.items()
            if k not in ("version", "team") and not (k in optional and v in (None, ""))
        }
        try:
            services.plan_update(
                user=current_user(request),
                plan=Plan.objects.get(pk=plan.pk),
                expected_version=posted_version(request),
                fields=fields,
            )
        except PlanConflict as conflict:
            form.add_error(None, str(conflict))
        else:
            messages.success(request, _("Plan saved."))
            return redirect("plans:detail", plan_id=plan.pk)
    return render(request, "plans/form.html", {"form": form, "plan": plan, "title": _("Edit the plan")})


def _section_initial(plan: Plan, section: str) -> list[dict[str, Any]]:
    if section == "objectives":
        return [
            {
                "code": o.code,
                "metric": o.metric,
                "target": o.target,
                "deadline": o.deadline,
                "per": o.per,
                "segment": o.segment,
            }
            for o in plan.objectives.all()
        ]
    if section == "stages":
        return [{"stage": s.stage, "rate": s.rate, "days": s.days} for s in plan.stages.all()]
    if section == "roles":
        return [
            {
                "role": r.role,
                "headcount": r.headcount,
                "hours_per_week": r.hours_per_week,
                "start": r.start,
                "ramp_up": r.ramp_up,
            }
            for r in plan.roles.all()
        ]
    return [{"stage": e.stage, "role": e.role, "hours": e.hours} for e in plan.efforts.all()]


@requires(get=Ability.CHANGE_PLANS, post=Ability.CHANGE_PLANS, scope=plan_scope)
def plan_section(request: HttpRequest, plan_id: int, section: str) -> HttpResponse:
    """Edit one section as a formset; HTMX gets the form partial, others the full page."""
    plan = selectors.plan_for_editing(current_user(request), plan_id)
    formset_class = SECTION_FORMSETS[section]
    version = plan.version
    if request.method == "POST":
        formset = formset_class(request.POST, plan=plan, prefix=section)
        version = posted_version(request)
        if formset.is_valid():
            try:
                services.plan_replace_section(
                    user=current_user(request),
                    plan=plan,
                    expected_version=version,
                    section=section,
                    rows=formset.rows(),
                )
            except PlanConflict as conflict:
                messages.error(request, str(conflict))
            else:
                messages.success(request, _("%(section)s saved.") % {"section": _section_titles()[section]})
                return redirect("plans:detail", plan_id=plan.pk)
    else:
        formset = formset_class(initial=_section_initial(plan, section), plan=plan, prefix=section)
    context = {
        "plan": plan,
        "formset": formset,
        "section": section,
        "version": version,
        "title": _section_titles()[section],
        # the section's rows in the plan's history (plans.history.KINDS)
        "history_kind": {"objectives": "objective", "stages": "stage", "roles": "role", "efforts": "effort"}[section],
    }
    template = "plans/_section_form.html" if getattr(request, "htmx", False) else "plans/section.html"
    return render(request, template, context)


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def plan_export(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for(current_user(request), plan_id)
    response = HttpResponse(dump_plan(filesections.plan_for_file(plan)), content_type="application/yaml; charset=utf-8")
    filename = slugify(plan.name) or f"plan-{plan.pk}"
    response["Content-Disposition"] = f'attachment; filename="{filename}.yaml"'
    return response


@requires(post=Ability.CHANGE_PLANS, refusal=ONLY_MANAGERS)
def plan_import(request: HttpRequest) -> HttpResponse:
    require_plan_creator(current_user(request))
    teams = selectors.teams_of(current_user(request))
    form = PlanImportForm(request.POST, request.FILES, teams=teams)
    issues: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            doc = parse_plan_file(decode_plan_file(upload.read(), upload.name), upload.name)
        except PlanFileError as error:
            issues = error.lines(_)
        else:
            try:
                plan = services.plan_create_from_file(
                    user=current_user(request), team=form.cleaned_data["team"], plan=to_plan(doc)
                )
            except ValidationError as refused:  # a section another app keeps (sequences) refused: nothing saved
                issues = list(refused.messages)
            else:
                messages.success(request, _("Plan imported."))
                return redirect("plans:detail", plan_id=plan.pk)
    return render(
        request,
        "plans/list.html",
        {
            "plans": selectors.plans_visible_to(current_user(request)),
            "import_form": form,
            "import_issues": issues,
            "can_create": True,
        },
        status=400,
    )


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def plan_delete(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for_editing(current_user(request), plan_id)
    try:
        services.plan_delete(user=current_user(request), plan=plan)
    except ValidationError as refused:  # it has parts: they go first
        messages.error(request, " ".join(refused.messages))
        return redirect("plans:detail", plan_id=plan.pk)
    messages.success(request, _("Plan deleted."))
    return redirect("plans:list")
