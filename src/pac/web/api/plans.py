"""The plan's side of the API: plans, their objectives, actions, accounts and contacts — read through the
plans' selectors (another team's plan answers 404), written through the same services as the web pages,
with the same compare-and-set on versions (409 when stale)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from pac.web.accounts.abilities import Ability, declares
from pac.web.api.auth import require_write
from pac.web.api.pages import Pages
from pac.web.api.schemas import (
    CALL,
    READ_ONE,
    WRITE,
    AccountOut,
    ActionChange,
    ActionFilters,
    ActionIn,
    ActionOut,
    ContactOut,
    Id,
    ObjectiveOut,
    PlanOut,
)
from pac.web.plans import execution, selectors
from pac.web.plans import models as m
from pac.web.plans.inputs import unique_slug
from pac.web.plans.selectors import plan_scope
from pac.web.plans.versioning import require_editor
from pac.web.requests import current_user

router = Router(tags=["plans"])


def _plan(request: HttpRequest, plan_id: int) -> m.Plan:
    return selectors.plan_for(current_user(request), plan_id)


@router.get("/plans", response={200: list[PlanOut], **CALL}, summary="The plans of your teams")
@paginate(Pages)
@declares(get=Ability.USE_API)
def plans(request: HttpRequest) -> QuerySet[m.Plan]:
    return selectors.plans_visible_to(current_user(request)).order_by("-start", "id")


@router.get("/plans/{plan_id}", response={200: PlanOut, **READ_ONE}, summary="One plan, with its version")
@declares(get=Ability.USE_API, scope=plan_scope)
def plan(request: HttpRequest, plan_id: Id) -> m.Plan:
    return _plan(request, plan_id)


@router.get(
    "/plans/{plan_id}/objectives", response={200: list[ObjectiveOut], **READ_ONE}, summary="A plan's objectives"
)
@paginate(Pages)
@declares(get=Ability.USE_API, scope=plan_scope)
def objectives(request: HttpRequest, plan_id: Id) -> QuerySet[m.Objective]:
    return _plan(request, plan_id).objectives.order_by("position", "id")


@router.get("/plans/{plan_id}/actions", response={200: list[ActionOut], **READ_ONE}, summary="A plan's actions")
@paginate(Pages)
@declares(get=Ability.USE_API, scope=plan_scope)
def actions(request: HttpRequest, plan_id: Id, filters: Query[ActionFilters]) -> QuerySet[m.Action]:
    rows = _plan(request, plan_id).actions.select_related("segment").order_by("id")
    if filters.owner is not None:
        rows = rows.filter(owner=filters.owner)
    if filters.segment is not None:
        rows = rows.filter(segment__code=filters.segment)
    if filters.status is not None:
        rows = rows.filter(status=filters.status.value)
    if filters.type is not None:
        rows = rows.filter(type=filters.type.value)
    return rows


@router.get("/plans/{plan_id}/actions/{action_id}", response={200: ActionOut, **READ_ONE}, summary="One action")
@declares(get=Ability.USE_API, scope=plan_scope)
def action(request: HttpRequest, plan_id: Id, action_id: Id) -> m.Action:
    return _action(_plan(request, plan_id), action_id)


def _action(plan: m.Plan, action_id: int) -> m.Action:
    return get_object_or_404(plan.actions.select_related("segment"), pk=action_id)


def _refused(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _new_action(plan: m.Plan, data: ActionIn) -> m.Action:
    """The action as the web form would build it: the same checks on owner, role, segment and stage."""
    members = {u.username: u.role for u in plan.team.members.all()}
    if data.owner and data.owner not in members:
        raise _refused("owner", _("%(name)s is not a member of the plan's team.") % {"name": data.owner})
    segment = None
    if data.segment:
        segment = plan.segments.filter(code=data.segment).first()
        if segment is None:
            raise _refused("segment", _("No segment %(code)s in the plan.") % {"code": data.segment})
    role = data.role.value if data.role else members.get(data.owner, "") if data.owner else ""
    if data.hours and not role:
        raise _refused("role", _("Say whose hours these are."))
    stage = data.expected_stage.value if data.expected_stage else ""
    if stage and not plan.stages.filter(stage=stage).exists():
        raise _refused("expected_stage", _("This stage is not in the plan's funnel."))
    if stage and data.expected_volume is None:
        raise _refused("expected_volume", _("Give the volume expected at this stage."))
    taken = set(plan.actions.values_list("code", flat=True))
    if data.code and data.code in taken:
        raise _refused("code", _("This id is already used in the plan."))
    return m.Action(
        plan=plan,
        code=data.code or unique_slug(data.name, taken),
        type=data.type.value,
        name=data.name,
        status=data.status.value,
        channel=data.channel.value if data.channel else "",
        segment=segment,
        owner=data.owner,
        role=role,
        start=data.start,
        end=data.end,
        budget=data.budget,
        hours=data.hours,
        expected_volume=data.expected_volume,
        expected_stage=stage,
        kpi=data.kpi,
        message=data.message,
        raci=data.raci.model_dump() if data.raci else {},
    )


@router.post(
    "/plans/{plan_id}/actions",
    response={201: ActionOut, **WRITE},
    summary="Add an action to a plan (the plan's version as read; 409 when it moved on)",
)
@declares(post=Ability.CHANGE_PLANS, scope=plan_scope)
def action_create(request: HttpRequest, plan_id: Id, payload: ActionIn) -> Status:
    require_write(request)
    user = current_user(request)
    plan = selectors.plan_for_editing(user, plan_id)
    row = _new_action(plan, payload)
    execution.entity_save(user=user, plan=plan, expected_version=payload.version, entity="actions", instance=row)
    return Status(201, _action(plan, row.pk))


@router.patch(
    "/plans/{plan_id}/actions/{action_id}",
    response={200: ActionOut, **WRITE},
    summary="Change an action (its version as read, and the plan's for more than status and progress; 409 when stale)",
)
@declares(post=Ability.USE_API, scope=plan_scope)
def action_change(request: HttpRequest, plan_id: Id, action_id: Id, payload: ActionChange) -> m.Action:
    require_write(request)
    user = current_user(request)
    plan = _plan(request, plan_id)
    row = _action(plan, action_id)
    status = payload.status.value if payload.status else row.status
    progress = payload.progress if payload.progress is not None else row.progress
    edits = payload.edits
    if not edits and payload.status is None and payload.progress is None:
        raise ValidationError(_("Give what to change: a status, a progress or other fields."))
    if not edits:  # the owner's update: compare-and-set on the action's own version
        execution.action_progress_update(
            user=user, plan=plan, action=row, expected_version=payload.version, status=status, progress=progress
        )
        return _action(plan, row.pk)
    require_editor(user, plan)
    if payload.plan_version is None:
        raise _refused("plan_version", _("Give the plan's version as you read it to change more than the status."))
    if row.version != payload.version:
        raise execution.ActionConflict(
            _("This action was updated by someone else meanwhile: here it is as it stands now; redo your change.")
        )
    _edit(plan, row, edits)
    row.status, row.progress = status, progress
    execution.entity_save(user=user, plan=plan, expected_version=payload.plan_version, entity="actions", instance=row)
    return _action(plan, row.pk)


def _edit(plan: m.Plan, row: m.Action, edits: dict[str, Any]) -> None:
    """Set the fields given, checked as for a new action (owner in the team, dates in order, whose hours)."""
    members = {u.username: u.role for u in plan.team.members.all()}
    owner = edits.get("owner", row.owner)
    if "owner" in edits and owner and owner not in members:
        raise _refused("owner", _("%(name)s is not a member of the plan's team.") % {"name": owner})
    for name, value in edits.items():
        setattr(row, name, value.value if name == "role" else value)
    if "owner" in edits and "role" not in edits and owner in members:
        row.role = members[owner]
    if row.end < row.start:
        raise _refused("end", _("The end must not be before the start."))
    if row.hours and not row.role:
        raise _refused("role", _("Say whose hours these are."))


@router.get("/plans/{plan_id}/accounts", response={200: list[AccountOut], **READ_ONE}, summary="A plan's accounts")
@paginate(Pages)
@declares(get=Ability.USE_API, scope=plan_scope)
def accounts(request: HttpRequest, plan_id: Id) -> QuerySet[m.Account]:
    return _plan(request, plan_id).accounts.select_related("segment").order_by("id")


@router.get("/plans/{plan_id}/accounts/{account_id}", response={200: AccountOut, **READ_ONE}, summary="One account")
@declares(get=Ability.USE_API, scope=plan_scope)
def account(request: HttpRequest, plan_id: Id, account_id: Id) -> m.Account:
    return get_object_or_404(_plan(request, plan_id).accounts.select_related("segment"), pk=account_id)


@router.get("/plans/{plan_id}/contacts", response={200: list[ContactOut], **READ_ONE}, summary="A plan's contacts")
@paginate(Pages)
@declares(get=Ability.USE_API, scope=plan_scope)
def contacts(request: HttpRequest, plan_id: Id) -> QuerySet[m.Contact]:
    plan = _plan(request, plan_id)
    return m.Contact.objects.filter(account__plan=plan).select_related("account").order_by("id")


@router.get("/plans/{plan_id}/contacts/{contact_id}", response={200: ContactOut, **READ_ONE}, summary="One contact")
@declares(get=Ability.USE_API, scope=plan_scope)
def contact(request: HttpRequest, plan_id: Id, contact_id: Id) -> m.Contact:
    plan = _plan(request, plan_id)
    return get_object_or_404(m.Contact.objects.select_related("account"), account__plan=plan, pk=contact_id)
