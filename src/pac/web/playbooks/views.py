"""Thin views: the playbooks page (built-in and the team's own, an upload), a plan started from a playbook
(form → preview without writing → « Create the plan »), a plan saved as a playbook, a team playbook deleted."""

from __future__ import annotations

import datetime as dt
import hashlib
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

from pac.engine import model
from pac.engine.analysis import analyse
from pac.engine.formatting import Formatter
from pac.engine.kpis.display import kpi_label
from pac.engine.kpis.reasons import explain
from pac.engine.labels import STAGE_NAMES
from pac.engine.learned import Learned, apply_learned, basis_text, learn
from pac.engine.model import Stage
from pac.engine.planfile import PlanFileError, to_plan
from pac.engine.playbooks import Playbook, PlaybookError, check_values, instantiate
from pac.web.accounts.abilities import Ability, requires
from pac.web.accounts.models import Team
from pac.web.cockpit.history_rates import history_range
from pac.web.crm.kpi_tables import team_tables
from pac.web.language import formatter, language
from pac.web.plans import selectors as plan_selectors
from pac.web.plans.presenters import present
from pac.web.plans.selectors import plan_scope
from pac.web.playbooks import selectors, services
from pac.web.playbooks.forms import SaveForm, StartForm, UploadForm
from pac.web.playbooks.models import TeamPlaybook
from pac.web.requests import current_user

ONLY_MANAGERS = gettext_lazy("Only a manager creates a team plan.")


def _localised(texts: dict[str, str]) -> str:
    return texts.get(language()) or texts.get("fr") or ""


def _list_context(
    request: HttpRequest, form: UploadForm | None = None, issues: list[str] | None = None
) -> dict[str, Any]:
    user = current_user(request)
    teams = plan_selectors.teams_of(user)
    return {
        "builtins": [
            {"name": p.name, "title": _localised(p.title), "description": _localised(p.description)}
            for p in selectors.builtins()
        ],
        "custom": [{"row": row, "description": _description(row)} for row in selectors.team_playbooks(user)],
        "upload_form": form or UploadForm(teams=teams),
        "upload_issues": issues or [],
        "max_kb": services.MAX_UPLOAD_BYTES // 1024,
    }


def _description(row: TeamPlaybook) -> str:
    try:
        return _localised(selectors.parsed(row).description)
    except PlaybookError:  # stored before a stricter schema: still listed, to be deleted
        return ""


@requires(get=Ability.CHANGE_PLANS, refusal=ONLY_MANAGERS)
def playbook_list(request: HttpRequest) -> HttpResponse:
    return render(request, "playbooks/list.html", _list_context(request))


@requires(post=Ability.CHANGE_PLANS, refusal=ONLY_MANAGERS)
def playbook_upload(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = UploadForm(request.POST, request.FILES, teams=plan_selectors.teams_of(user))
    issues: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(services.MAX_UPLOAD_BYTES + 1)
        try:
            row = services.playbook_import(user=user, team=form.cleaned_data["team"], data=data, file_name=upload.name)
        except ValidationError as refused:
            issues = list(refused.messages)
        else:
            messages.success(request, _("Playbook « %(title)s » imported.") % {"title": row.title})
            return redirect("playbooks:list")
    return render(request, "playbooks/list.html", _list_context(request, form, issues), status=400)


@requires(post=Ability.CHANGE_PLANS, scope=selectors.playbook_scope, refusal=ONLY_MANAGERS)
def playbook_delete(request: HttpRequest, playbook_id: int) -> HttpResponse:
    row = selectors.playbook_row(current_user(request), playbook_id)
    services.playbook_delete(user=current_user(request), playbook=row)
    messages.success(request, _("Playbook « %(title)s » deleted.") % {"title": row.title})
    return redirect("playbooks:list")


@requires(get=Ability.CHANGE_PLANS, post=Ability.CHANGE_PLANS, refusal=ONLY_MANAGERS)
def start_builtin(request: HttpRequest, name: str) -> HttpResponse:
    return _start(request, selectors.builtin(name), plan_selectors.teams_of(current_user(request)))


@requires(get=Ability.CHANGE_PLANS, post=Ability.CHANGE_PLANS, scope=selectors.playbook_scope, refusal=ONLY_MANAGERS)
def start_custom(request: HttpRequest, playbook_id: int) -> HttpResponse:
    row = selectors.playbook_row(current_user(request), playbook_id)
    return _start(request, selectors.parsed(row), Team.objects.filter(pk=row.team_id))


def _start(request: HttpRequest, playbook: Playbook, teams: Any) -> HttpResponse:
    """The playbook's form; posted: the plan it makes previewed (nothing written), or created."""
    today = timezone.localdate()
    form = StartForm(
        request.POST if request.method == "POST" else None,
        playbook=playbook,
        teams=teams,
        people=selectors.people_of(teams),
        history=history_range(today),
    )
    context: dict[str, Any] = {
        "form": form,
        "playbook": {"title": _localised(playbook.title), "description": _localised(playbook.description)},
        "issues": [],
    }
    if request.method != "POST":
        return render(request, "playbooks/start.html", context)
    plan = _made(form, context)
    if plan is None:
        return render(request, "playbooks/start.html", context, status=400)
    if "create" in request.POST and request.POST.get("previewed") != context["signature"]:
        # the values changed since the preview: show the plan they make before creating it
        context["issues"] = [_("The values changed since the preview: check this preview, then create the plan.")]
        return render(request, "playbooks/start.html", context)
    if "create" in request.POST:
        try:
            row = services.plan_create(user=current_user(request), team=form.cleaned_data["team"], plan=plan)
        except ValidationError as refused:  # a section another app keeps refused: nothing saved
            context["issues"] = list(refused.messages)
            return render(request, "playbooks/start.html", context, status=400)
        messages.success(request, _("Plan created from the playbook."))
        return redirect("plans:detail", plan_id=row.pk)
    return render(request, "playbooks/start.html", context)


def _made(form: StartForm, context: dict[str, Any]) -> model.Plan | None:
    """The plan the form's values make, with what the preview shows put in ``context``; None (and the
    problems on the form) when it cannot be made."""
    if not form.is_valid():
        try:  # the engine's problems with the fields that were read, next to them, in the same answer
            check_values(form.playbook, {k: v for k, v in form.values().items() if k not in form.errors})
        except PlaybookError as error:
            form.add_problems([p for p in error.problems if p.parameter.split("[")[0] not in form.errors], _)
        return None
    try:
        instance = instantiate(form.playbook, form.values())
    except PlaybookError as error:
        form.add_problems(error.problems, _)
        return None
    except PlanFileError as error:  # the playbook's own template made a plan that is not valid
        context["issues"] = [_("The playbook made a plan that is not valid: the playbook needs fixing.")]
        context["issues"] += error.lines(_)
        return None
    plan = to_plan(instance.doc)
    fmt = formatter(plan.currency)
    if form.cleaned_data.get("use_history"):
        learned = _learned(
            form.cleaned_data["team"], form.cleaned_data["history_from"], form.cleaned_data["history_to"]
        )
        if learned is None:
            form.add_error("use_history", _("The team has no CRM data to learn from: import its deals first."))
            return None
        plan = apply_learned(plan, learned)
        context["learned"] = _learned_lines(learned, fmt)
        context["learned_range"] = (fmt.date(learned.start), fmt.date(learned.end))
    page = present(analyse(plan))
    context["signature"] = _signature(form)
    context.update(
        preview=True,
        page=page,
        plan_name=plan.name,
        plan_period=(fmt.date(plan.start), fmt.date(plan.end)),
        notes=[note.explained(_) for note in instance.notes],
        volumes=_volumes(plan, fmt),
    )
    return plan


def _signature(form: StartForm) -> str:
    """What the preview was made of (the values read), so that « Create » creates the plan previewed."""
    read = sorted((k, repr(v)) for k, v in form.cleaned_data.items())
    return hashlib.sha256(repr(read).encode()).hexdigest()[:32]


def _learned(team: Team, start: dt.date, end: dt.date) -> Learned | None:
    tables = team_tables(team)
    if "opportunities" not in tables and "leads" not in tables:
        return None
    return learn(tables, start, end)


def _stage_name(code: str) -> str:
    try:
        return _(STAGE_NAMES[Stage(code)])
    except (ValueError, KeyError):
        return code  # a stage of the team's CRM, as the team names it


def _learned_lines(learned: Learned, fmt: Formatter) -> list[dict[str, str]]:
    """Each whole-team figure learnt, with its basis (« 28 % sur 1 214 affaires conclues depuis janvier »)."""

    def reason(code: str, params: Any) -> str:
        return explain(code, params, _, lambda n: fmt.number(n, 0))

    lines = []
    for figure in learned.figures:
        if figure.segment is not None:
            continue
        label = kpi_label(figure.kpi, _)
        if figure.stage:
            label = f"{label} · {_stage_name(figure.stage)}"
        lines.append({"label": label, "basis": basis_text(figure, fmt, _, reason), "known": figure.known})
    return lines


def _volumes(plan: model.Plan, fmt: Formatter) -> list[dict[str, str]]:
    """The plan's key volumes: its objectives' targets, counted or in money."""
    from pac.engine.labels import METRIC_LABELS

    rows = []
    for objective in plan.objectives:
        if objective.target is None:
            continue
        money = objective.metric is model.Metric.REVENUE
        target = Decimal(objective.target)
        shown = fmt.money(target) if money else fmt.number(target)
        label = _(METRIC_LABELS[objective.metric]) if objective.metric in METRIC_LABELS else objective.id
        rows.append(
            {"label": label, "target": shown, "deadline": fmt.date(objective.deadline) if objective.deadline else "—"}
        )
    return rows


@requires(get=Ability.CHANGE_PLANS, post=Ability.CHANGE_PLANS, scope=plan_scope)
def plan_save(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A plan saved as a playbook of its team."""
    plan = plan_selectors.plan_for_editing(current_user(request), plan_id)
    name = slugify(plan.name)[:40].strip("-") or "plan"
    initial = {"name": name if name[:1].isalpha() else f"plan-{name}"[:40], "title": plan.name}
    form = SaveForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.playbook_save(
                user=current_user(request), plan=plan, name=form.cleaned_data["name"], title=form.cleaned_data["title"]
            )
        except ValidationError as refused:
            for message in refused.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Plan saved as the playbook « %(title)s ».") % {"title": row.title})
            return redirect("playbooks:list")
    status = 400 if request.method == "POST" else 200
    return render(request, "playbooks/save.html", {"form": form, "plan": plan}, status=status)
