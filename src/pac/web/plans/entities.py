"""List, create, edit and delete the rows of a plan's execution sections, one generic set of views
driven by a small description of each section (form, columns, filters)."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pac.engine.labels import campaign_offset
from pac.io.accounts_import import read_accounts
from pac.io.crm import Report, write_report_csv
from pac.web.accounts.abilities import Ability, requires
from pac.web.language import formatter
from pac.web.plans import execution, selectors
from pac.web.plans import execution_forms as f
from pac.web.plans import models as m
from pac.web.plans.action_list import action_table
from pac.web.plans.partner_list import partner_table
from pac.web.plans.recurrence import recurrence_text
from pac.web.plans.selectors import plan_scope
from pac.web.plans.versioning import PlanConflict
from pac.web.requests import current_user, posted_version

Column = tuple[Any, Callable[[Any, Any], str]]


def _people(*names: str) -> str:
    return ", ".join(n for n in names if n)


@dataclass(frozen=True)
class Section:
    key: str
    title: Any
    form: type[f.PlanScopedForm]
    columns: list[Column]
    filters: list[str] = field(default_factory=list)
    related: tuple[str, ...] = ()
    scope: str = "plan"  # the lookup from a row to its plan

    def queryset(self, plan: m.Plan) -> QuerySet[Any]:
        model = self.form._meta.model
        return model.objects.filter(**{self.scope: plan}).select_related(*self.related)


def _money(fmt: Any, value: Any) -> str:
    return fmt.money(value) if value is not None else ""


#: Each section's kind of object in the plan's history (``plans.history.KINDS``).
ENTITY_KINDS = {
    "segments": "segment",
    "accounts": "account",
    "contacts": "contact",
    "events": "event",
    "actions": "action",
    "rituals": "ritual",
    "deadlines": "deadline",
    "governance": "governance",
    "partners": "partner",
}

#: A segment's criteria by their key in the plan file, named as the segment form names them.
CRITERIA_LABELS = {
    "industry": gettext_lazy("Industries"),
    "size": gettext_lazy("Company sizes"),
    "region": gettext_lazy("Regions"),
    "persona": gettext_lazy("Personas"),
}


def _criteria(criteria: dict[str, list[str]]) -> str:
    """« Secteurs d'activité : santé, industrie · Régions : France », not the plan file's keys."""
    return " · ".join(
        _("{criterion}: {values}").format(criterion=CRITERIA_LABELS.get(k, k), values=", ".join(v))
        for k, v in criteria.items()
    )


SECTIONS: dict[str, Section] = {
    "segments": Section(
        "segments",
        gettext_lazy("Segments"),
        f.SegmentForm,
        [
            (gettext_lazy("Segment"), lambda r, fmt: r.name),
            (gettext_lazy("Criteria"), lambda r, fmt: _criteria(r.criteria)),
            (gettext_lazy("Value proposition"), lambda r, fmt: r.value_proposition),
            (
                gettext_lazy("Potential accounts"),
                lambda r, fmt: fmt.number(r.potential_accounts) if r.potential_accounts is not None else "",
            ),
            (gettext_lazy("Potential value"), lambda r, fmt: _money(fmt, r.potential_value)),
            (gettext_lazy("Cycle (days)"), lambda r, fmt: str(r.cycle_days or "")),
            (gettext_lazy("Acquisition cost"), lambda r, fmt: _money(fmt, r.acquisition_cost)),
        ],
    ),
    "accounts": Section(
        "accounts",
        gettext_lazy("Accounts"),
        f.AccountForm,
        [
            (gettext_lazy("Account"), lambda r, fmt: r.name),
            (gettext_lazy("Segment"), lambda r, fmt: r.segment.name if r.segment else ""),
            (gettext_lazy("Strategic"), lambda r, fmt: "★" if r.strategic else ""),
            (gettext_lazy("Potential value"), lambda r, fmt: _money(fmt, r.potential)),
            (gettext_lazy("ICP fit"), lambda r, fmt: fmt.percent(r.icp_fit, 0) if r.icp_fit is not None else ""),
            (gettext_lazy("Owner"), lambda r, fmt: r.owner),
            (gettext_lazy("Stage"), lambda r, fmt: r.get_stage_display()),
            (
                gettext_lazy("Contacts"),
                lambda r, fmt: ", ".join(f"{c.name} ({c.persona})" if c.persona else c.name for c in r.contacts.all()),
            ),
        ],
        filters=["owner", "segment"],
        related=("segment",),
    ),
    "actions": Section(
        "actions",
        gettext_lazy("Actions"),
        f.ActionForm,
        [
            (gettext_lazy("Action"), lambda r, fmt: r.name),
            (gettext_lazy("Type"), lambda r, fmt: r.get_type_display()),
            (gettext_lazy("Channel"), lambda r, fmt: r.get_channel_display()),
            (gettext_lazy("Segment"), lambda r, fmt: r.segment.name if r.segment else ""),
            (gettext_lazy("Owner"), lambda r, fmt: r.owner),
            (gettext_lazy("Dates"), lambda r, fmt: f"{fmt.date(r.start)} – {fmt.date(r.end)}"),
            (
                gettext_lazy("Expected"),
                lambda r, fmt: (
                    f"{fmt.number(r.expected_volume)} {r.get_expected_stage_display()}"
                    if r.expected_volume is not None
                    else ""
                ),
            ),
            (gettext_lazy("Budget"), lambda r, fmt: _money(fmt, r.budget)),
            (gettext_lazy("Hours"), lambda r, fmt: fmt.number(r.hours)),
            (gettext_lazy("Status"), lambda r, fmt: r.get_status_display()),
            (
                gettext_lazy("RACI"),
                lambda r, fmt: " · ".join(
                    f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in r.raci.items() if v
                ),
            ),
        ],
        filters=["owner", "segment", "status", "type"],
        related=("segment",),
    ),
    "contacts": Section(
        "contacts",
        gettext_lazy("Contacts"),
        f.ContactForm,
        [
            (gettext_lazy("Contact"), lambda r, fmt: r.name),
            (gettext_lazy("Account"), lambda r, fmt: r.account.name),
            (gettext_lazy("Persona"), lambda r, fmt: r.persona),
            (gettext_lazy("Buying role"), lambda r, fmt: r.get_buying_role_display()),
            (gettext_lazy("Email"), lambda r, fmt: r.email),
        ],
        related=("account",),
        scope="account__plan",
    ),
    "events": Section(
        "events",
        gettext_lazy("Events and launch windows"),
        f.EventForm,
        [
            (gettext_lazy("Event"), lambda r, fmt: r.name),
            (gettext_lazy("Kind"), lambda r, fmt: r.get_kind_display()),
            (gettext_lazy("Dates"), lambda r, fmt: f"{fmt.date(r.start)} – {fmt.date(r.end)}"),
            (
                gettext_lazy("Activation campaigns"),
                lambda r, fmt: ", ".join(campaign_offset(c, _) for c in r.campaigns),
            ),
            (gettext_lazy("Location"), lambda r, fmt: r.location),
        ],
    ),
    "rituals": Section(
        "rituals",
        gettext_lazy("Rituals"),
        f.RitualForm,
        [
            (gettext_lazy("Ritual"), lambda r, fmt: r.name),
            (gettext_lazy("Recurrence"), lambda r, fmt: recurrence_text(r.rrule, r.time)),
            (gettext_lazy("Duration (minutes)"), lambda r, fmt: str(r.minutes)),
            (gettext_lazy("Owner"), lambda r, fmt: r.owner),
            (gettext_lazy("Attendees"), lambda r, fmt: _people(*r.attendees)),
        ],
        filters=["owner"],
    ),
    "deadlines": Section(
        "deadlines",
        gettext_lazy("Reporting deadlines"),
        f.DeadlineForm,
        [
            (gettext_lazy("Deadline"), lambda r, fmt: r.name),
            (
                gettext_lazy("Date or recurrence"),
                lambda r, fmt: fmt.date(r.date) if r.date else recurrence_text(r.rrule),
            ),
            (gettext_lazy("Owner"), lambda r, fmt: r.owner),
        ],
        filters=["owner"],
    ),
    "partners": Section(
        "partners",
        gettext_lazy("Channel partners"),
        f.PartnerForm,
        [],  # the list is ``partner_list.partner_table``'s: the deals each brought, and their total
        filters=["owner", "status", "kind"],
        related=("segment",),
    ),
    "governance": Section(
        "governance",
        gettext_lazy("Team RACI"),
        f.GovernanceForm,
        [
            (gettext_lazy("Activity"), lambda r, fmt: r.activity),
            (
                gettext_lazy("RACI"),
                lambda r, fmt: " · ".join(
                    f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in r.raci.items() if v
                ),
            ),
        ],
    ),
}

FILTER_LABELS = {
    "owner": gettext_lazy("Owner"),
    "segment": gettext_lazy("Segment"),
    "status": gettext_lazy("Status"),
    "type": gettext_lazy("Type"),
    "kind": gettext_lazy("Kind"),
}


#: The ability changing a section's rows needs, by the URL's ``entity`` (marketing: the events).
BY_SECTION = {"entity": selectors.SECTION_ABILITIES}


def _section(name: str) -> Section:
    if name not in SECTIONS:
        raise Http404
    return SECTIONS[name]


def _filters(section: Section, plan: m.Plan, request: HttpRequest) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Chosen filter values (from the query string) and the options of each filter."""
    model = section.form._meta.model
    chosen = {k: request.GET.get(k, "") for k in section.filters if request.GET.get(k)}
    options = []
    for key in section.filters:
        if key == "segment":
            choices = [(s.code, s.name) for s in plan.segments.all()]
        elif key == "owner":
            owners = set(model.objects.filter(plan=plan).values_list("owner", flat=True)) - {""}
            names = selectors.people_names(plan)  # people by name, the username stays the value
            choices = sorted(((o, names.get(o, o)) for o in owners), key=lambda choice: choice[1])
        else:
            choices = list(model._meta.get_field(key).choices)
        options.append({"key": key, "label": FILTER_LABELS[key], "choices": choices, "value": chosen.get(key, "")})
    return chosen, options


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def entity_list(request: HttpRequest, plan_id: int, entity: str) -> HttpResponse:
    section = _section(entity)
    plan = selectors.plan_for(current_user(request), plan_id)
    chosen, options = _filters(section, plan, request)
    rows = section.queryset(plan)
    for key, value in chosen.items():
        rows = rows.filter(**({"segment__code": value} if key == "segment" else {key: value}))
    if entity == "accounts":
        rows = rows.prefetch_related("contacts")
    fmt = formatter(plan.currency)
    context = {
        "plan": plan,
        "section": section,
        "filters": options,
        "can_edit": selectors.can_edit_section(current_user(request), plan, entity),
        "history_kind": ENTITY_KINDS.get(entity, ""),
    }
    rows_template = "plans/_entity_rows.html"
    if entity == "actions":  # owners by name, totals, progress, overdue flags, the inline status update
        context["table"] = action_table(plan, rows, current_user(request), fmt)
        rows_template = "plans/_action_rows.html"
    elif entity == "partners":
        context.update(partner_table(plan, list(rows), fmt))
    else:
        context["headers"] = [label for label, _c in section.columns]
        context["rows"] = [
            {"pk": row.pk, "cells": [render_cell(row, fmt) for _label, render_cell in section.columns]} for row in rows
        ]
    template = rows_template if getattr(request, "htmx", False) else "plans/entity_list.html"
    return render(request, template, context)


@requires(get=Ability.CHANGE_PLANS, post=Ability.CHANGE_PLANS, scope=plan_scope, by_kwarg=BY_SECTION)
def entity_edit(request: HttpRequest, plan_id: int, entity: str, pk: int | None = None) -> HttpResponse:
    section = _section(entity)
    plan = selectors.plan_for_section_editing(current_user(request), plan_id, entity)
    model = section.form._meta.model
    instance = section.queryset(plan).filter(pk=pk).first() if pk else model()
    if instance is None:
        raise Http404
    form = section.form(request.POST or None, instance=instance, plan=plan)
    milestones = None
    if entity == "actions":
        initial = [{"name": ms.name, "date": ms.date} for ms in instance.milestones.all()] if pk else []
        milestones = f.MilestoneFormSet(request.POST or None, initial=initial, prefix="milestones")
    if request.method == "POST" and form.is_valid() and (milestones is None or milestones.is_valid()):
        try:
            row = form.save(commit=False)
            version = form.cleaned_data["version"]
            if milestones is not None:
                execution.action_save(
                    user=current_user(request),
                    plan=plan,
                    expected_version=version,
                    instance=row,
                    accounts=form.cleaned_data["accounts"],
                    milestones=[d for d in milestones.cleaned_data if d and not d.get("DELETE")],
                )
            else:
                execution.entity_save(
                    user=current_user(request), plan=plan, expected_version=version, entity=entity, instance=row
                )
        except PlanConflict as conflict:
            form.add_error(None, str(conflict))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("plans:entities", plan_id=plan.pk, entity=entity)
    return render(
        request,
        "plans/entity_form.html",
        {
            "plan": plan,
            "section": section,
            "form": form,
            "milestones": milestones,
            "instance": instance,
            "history_kind": ENTITY_KINDS.get(entity, ""),
        },
    )


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope, by_kwarg=BY_SECTION)
def entity_delete(request: HttpRequest, plan_id: int, entity: str, pk: int) -> HttpResponse:
    section = _section(entity)
    plan = selectors.plan_for_section_editing(current_user(request), plan_id, entity)
    rows = section.queryset(plan).filter(pk=pk)
    if not rows.exists():
        raise Http404
    try:
        execution.entity_delete(
            user=current_user(request),
            plan=plan,
            expected_version=posted_version(request),
            rows=rows,
            entity=entity,
        )
    except PlanConflict as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(request, _("Deleted."))
    return redirect("plans:entities", plan_id=plan.pk, entity=entity)


#: Problems listed on the accounts import page; the downloadable report has every one.
SHOWN_PROBLEMS = 200


@requires(get=Ability.CHANGE_PLANS, post=Ability.CHANGE_PLANS, scope=plan_scope)
def accounts_import(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Upload a CSV or XLSX file of accounts, checked by the CRM import: every problem listed with its line,
    column and value, in the reader's language, and offered as a report; nothing written unless the whole
    file is right."""
    from django.conf import settings

    plan = selectors.plan_for_editing(current_user(request), plan_id)
    errors: list[str] = []
    found: dict[str, Any] = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = [_("Choose a file.")]
        elif upload.size is not None and upload.size > settings.PLAN_UPLOAD_MAX_BYTES:
            errors = [
                _("The file is too large (%(size)s bytes, at most %(max)s).")
                % {"size": upload.size, "max": settings.PLAN_UPLOAD_MAX_BYTES}
            ]
        else:
            read = read_accounts(io.BytesIO(upload.read()), name=upload.name or "accounts.csv")
            if not read.ok:
                found = _import_problems(read.report)
            else:
                try:
                    counts = execution.accounts_import(
                        user=current_user(request),
                        plan=plan,
                        expected_version=posted_version(request),
                        accounts=read.accounts,
                    )
                except (ValidationError, PlanConflict) as error:
                    errors = list(getattr(error, "messages", [str(error)]))
                else:
                    for warning in read.report.warnings[:SHOWN_PROBLEMS]:
                        messages.warning(request, warning.explained(_))
                    messages.success(request, _("%(created)s accounts created, %(updated)s updated.") % counts)
                    return redirect("plans:entities", plan_id=plan.pk, entity="accounts")
    return render(
        request,
        "plans/accounts_import.html",
        {"plan": plan, "errors": errors, **found},
        status=400 if errors or found else 200,
    )


def _import_problems(report: Report) -> dict[str, Any]:
    """The problems of a refused file as the CRM import page shows them (located, in the reader's
    language), and the whole report as a CSV file to download."""
    problems = report.problems
    text = io.StringIO()
    write_report_csv(report, text, gettext=_)
    data = base64.b64encode(("\ufeff" + text.getvalue()).encode("utf-8")).decode("ascii")  # BOM: Excel reads UTF-8
    return {
        "problems": [
            {
                "line": p.line,
                "column": p.column,
                "value": p.value,
                "reason": p.reason_in(_),
                "severity": p.severity,
            }
            for p in problems[:SHOWN_PROBLEMS]
        ],
        "more": formatter().number(len(problems) - SHOWN_PROBLEMS) if len(problems) > SHOWN_PROBLEMS else "",
        "report_url": f"data:text/csv;charset=utf-8;base64,{data}",
    }
