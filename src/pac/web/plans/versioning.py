"""Optimistic concurrency and edit rights, shared by every write path of a plan."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils.translation import gettext as _

from pac.web.accounts.models import User
from pac.web.plans.models import Plan
from pac.web.plans.selectors import can_create_plans, can_edit
from pac.web.plans.versions import snapshot_on_commit


class PlanConflict(Exception):
    """Someone else changed the plan since the form was opened."""


def require_editor(user: User, plan: Plan) -> None:
    if not can_edit(user, plan):
        raise PermissionDenied(_("You may not change this plan."))


def require_plan_creator(user: User) -> None:
    if not can_create_plans(user):
        raise PermissionDenied(_("Only a manager creates a team plan."))


def bump(plan: Plan, expected_version: int) -> None:
    """Compare-and-set on ``version`` inside the caller's transaction; the plan as it will be saved is
    kept as that version when the transaction commits (``versions``)."""
    updated = Plan.objects.filter(pk=plan.pk, version=expected_version).update(version=F("version") + 1)
    if not updated:
        raise PlanConflict(_("This plan was changed by someone else meanwhile: reload it and redo your change."))
    plan.version = expected_version + 1
    snapshot_on_commit(plan)
