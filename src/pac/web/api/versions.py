"""A plan's versions through the API: listed (each with what it changed, in words), two compared object by
object, the baseline chosen — read through the plans' selectors (another team's plan answers 404), the
baseline set by the same service as the « Versions » page (``plans.versions``)."""

from typing import Any

import yaml
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from pac.web.accounts.abilities import Ability, declares
from pac.web.api.auth import require_write
from pac.web.api.pages import MAX_OFFSET
from pac.web.api.schemas import READ_ONE, WRITE, BaselineIn, Id, Version, VersionDiffOut, VersionOut, VersionPage
from pac.web.plans import selectors, versions
from pac.web.plans.models import PlanVersion
from pac.web.plans.selectors import plan_scope
from pac.web.plans.version_diff import change_counts, changes_data, summary
from pac.web.requests import current_user

router = Router(tags=["versions"])
#: Versions one call lists: each is compared with the one before it, a plan file read and diffed apiece.
MAX_VERSIONS = 100


class VersionPages(Schema):
    limit: int = Field(20, ge=1, le=MAX_VERSIONS, description="Versions per page (at most 100).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Versions skipped.")


def version_data(version: PlanVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "saved_at": version.created_at,
        "author": version.author.username if version.author else None,
        "author_name": versions.author_name(version),
        "baseline": version.baseline,
    }


@router.get(
    "/plans/{plan_id}/versions",
    response={200: VersionPage, **READ_ONE},
    summary="A plan's saved versions, the newest first, each with what it changed",
)
@declares(get=Ability.USE_API, scope=plan_scope)
def plan_versions(request: HttpRequest, plan_id: Id, pages: Query[VersionPages]) -> dict[str, Any]:
    plan = selectors.plan_for(current_user(request), plan_id)
    rows = list(plan.versions.select_related("author")[pages.offset : pages.offset + pages.limit])
    return {
        "items": [
            {
                **version_data(row.version),
                "summary": summary(row.changes, row.unreadable),
                "changes": change_counts(row.changes) if row.changes is not None else None,
            }
            for row in versions.with_changes(plan, rows)
        ],
        "count": plan.versions.count(),
        "limit": pages.limit,
        "offset": pages.offset,
    }


@router.get(
    "/plans/{plan_id}/versions/{old}/diff/{new}",
    response={200: VersionDiffOut, **READ_ONE},
    summary="What changed from one version to another, object by object, in words",
)
@declares(get=Ability.USE_API, scope=plan_scope)
def version_diff(request: HttpRequest, plan_id: Id, old: Version, new: Version) -> dict[str, Any]:
    plan = selectors.plan_for(current_user(request), plan_id)
    before, after = versions.version_pair(plan, old, new)
    changes = versions.changes_between(before, after)
    return {
        "plan": plan.pk,
        "old": version_data(before),
        "new": version_data(after),
        "total": len(changes),
        "count": change_counts(changes),
        "changes": changes_data(plan, yaml.safe_load(before.content), yaml.safe_load(after.content), changes),
    }


@router.post(
    "/plans/{plan_id}/baseline",
    response={200: VersionOut, **WRITE},
    summary="Make a version the plan's baseline (managers and admins)",
)
@declares(post=Ability.CHANGE_PLANS, scope=plan_scope)
def baseline(request: HttpRequest, plan_id: Id, payload: BaselineIn) -> dict[str, Any]:
    require_write(request)
    user = current_user(request)
    plan = selectors.plan_for(user, plan_id)
    return version_data(versions.baseline_set(user=user, plan=plan, number=payload.number))
