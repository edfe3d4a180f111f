"""Plan-as-code: a plan file applied to a plan of the server in place (``pac plan apply``).

Why in place: the plan keeps its id, its history, its versions, its meetings and decisions, and the objects
whose id the file keeps keep their rows (what the scenarios' promotion does too). Applying is idempotent — a
file that says what the plan already says changes nothing, not even the version — and refuses a file made
from an older version of the plan than the one on the server (compare-and-set on ``Plan.version``), so that
two people applying at once cannot overwrite each other."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pac.engine import model, plandiff
from pac.engine.planfile import plan_data
from pac.web.accounts.models import User
from pac.web.plans import services
from pac.web.plans.execution import replace_execution
from pac.web.plans.filesections import plan_for_file
from pac.web.plans.models import Plan
from pac.web.plans.versioning import bump, require_editor

#: Plan file sections the web app keeps with live state of their own (enrolments, touches sent): changed in
#: the app, never overwritten by a file.
KEPT_IN_THE_APP = frozenset({"sequences", "touch_capacity"})


@transaction.atomic
def plan_apply(*, user: User, plan: Plan, source: model.Plan, base_version: int) -> list[plandiff.Change]:
    """Make ``plan`` say what ``source`` says, as one change under ``base_version`` (the version the file was
    exported from); the changes made, none when the plan already says it. ``PlanConflict`` when the plan
    moved on since ``base_version``; ``ValidationError`` when the file changes what the app keeps."""
    require_editor(user, plan)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    current = plan_for_file(plan)
    changes = plandiff.diff_plans(current, source)
    if not changes and plan_data(current) == plan_data(source):
        return []
    # no change but an order (plandiff matches objects by id): the rows are written again in the file's order
    kept = sorted({c.path[0] for c in changes} & KEPT_IN_THE_APP)
    if kept:
        raise ValidationError(
            _("The file changes %(sections)s, which the web app keeps (enrolments, touches sent): change them there.")
            % {"sections": ", ".join(kept)}
        )
    bump(plan, base_version)
    header = {**services.header_from_engine(source), "name": source.name}
    for field, value in header.items():
        setattr(plan, field, value)
    plan.save(update_fields=[*header, "updated_at"])
    for section, rows in services.rows_from_engine(source).items():
        services.write_section(plan, section, rows)
    replace_execution(plan, source)
    return changes
