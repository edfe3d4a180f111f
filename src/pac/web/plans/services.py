"""The one write path for plans: every change is atomic, checked for permission, and bumps the
plan's version so that a concurrent edit is detected instead of silently lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from pydantic import ValidationError as PydanticValidationError
from simple_history.utils import bulk_create_with_history

from pac.engine import model
from pac.engine.plansections import AlertsEntry, alert_thresholds_document
from pac.engine.workdays import weeks_between
from pac.web.accounts.models import Team, User
from pac.web.plans import filesections, recorded
from pac.web.plans.execution import create_execution
from pac.web.plans.models import Effort, FunnelStage, Objective, Plan, PlanRole
from pac.web.plans.versioning import bump, require_editor, require_plan_creator
from pac.web.plans.versions import snapshot_on_commit

SECTIONS: dict[str, type[models.Model]] = {
    "objectives": Objective,
    "stages": FunnelStage,
    "roles": PlanRole,
    "efforts": Effort,
}


HEADER_OPTIONS = {"budget", "fiscal_year_start", "timezone", "weight_value", "weight_velocity", "weight_cost"}


@transaction.atomic
def plan_create(
    *,
    user: User,
    team: Team,
    name: str,
    start: dt.date,
    end: dt.date,
    currency: str = "EUR",
    country: str = "FR",
    average_deal: Decimal | None = None,
    options: Mapping[str, Any] | None = None,
) -> Plan:
    """A new plan starts with the standard funnel stages, rates left for the manager to fill.
    ``options`` sets other header fields (budget, fiscal year start, time zone, priority weights)."""
    require_plan_creator(user)
    if not user.teams.filter(pk=team.pk).exists():
        raise PermissionDenied(_("You are not a member of this team."))
    extra = {k: v for k, v in (options or {}).items() if v is not None and v != ""}
    unknown = set(extra) - HEADER_OPTIONS
    if unknown:
        raise ValueError(f"not plan header options: {sorted(unknown)}")
    plan = Plan.objects.create(
        team=team,
        owner=user,
        name=name,
        start=start,
        end=end,
        currency=currency,
        country=country,
        average_deal=average_deal,
        **extra,
    )
    for stage in (
        model.Stage.LEAD,
        model.Stage.MQL,
        model.Stage.SQL,
        model.Stage.DEMO,
        model.Stage.PROPOSAL,
        model.Stage.WON,
    ):
        FunnelStage.objects.create(plan=plan, stage=stage.value, position=stage.order)
    snapshot_on_commit(plan)
    return plan


@transaction.atomic
def plan_update(*, user: User, plan: Plan, expected_version: int, fields: Mapping[str, Any]) -> Plan:
    require_editor(user, plan)
    allowed = {"name", "start", "end", "currency", "country", "average_deal", "weekly_weights", *HEADER_OPTIONS}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not plan header fields: {sorted(unknown)}")
    bump(plan, expected_version)
    changes = dict(fields)
    if plan.weekly_weights and ("start" in changes or "end" in changes):
        weeks = weeks_between(changes.get("start", plan.start), changes.get("end", plan.end))
        if len(weeks) != len(plan.weekly_weights):  # weights no longer fit the dates: back to even
            changes["weekly_weights"] = None
    for name, value in changes.items():
        setattr(plan, name, value)
    plan.save(update_fields=[*changes, "updated_at"])
    return plan


#: The alert thresholds by name, as a refusal names them.
THRESHOLD_LABELS = {
    "pace_behind": gettext_lazy("behind plan"),
    "coverage_margin": gettext_lazy("coverage margin"),
    "min_probability": gettext_lazy("probability of reaching the target"),
    "max_no_show": gettext_lazy("no-show rate"),
    "conversion_drop": gettext_lazy("conversion drop"),
    "stalled_factor": gettext_lazy("stalled deal"),
    "slip_days": gettext_lazy("close date pushed back"),
    "min_sample": gettext_lazy("smallest sample"),
    "max_load": gettext_lazy("team load"),
    "diagnostics": gettext_lazy("diagnostics"),
    "history_gap": gettext_lazy("gap from history"),
}


@transaction.atomic
def plan_alert_thresholds_save(
    *, user: User, plan: Plan, expected_version: int, values: Mapping[str, str]
) -> model.AlertThresholds:
    """Change some of the plan's alert thresholds (the others keep theirs), checked as the plan file checks
    its ``alerts`` section; nothing is saved when one is out of bounds."""
    require_editor(user, plan)
    current = {**(plan.alert_thresholds or {}), **{k: v for k, v in values.items() if v != ""}}
    try:
        thresholds = AlertsEntry(**current).to_model()
    except PydanticValidationError as error:
        fields = ", ".join(str(THRESHOLD_LABELS.get(str(e["loc"][0]), e["loc"][0])) for e in error.errors())
        raise ValidationError(_("Alert thresholds out of bounds: %(fields)s.") % {"fields": fields}) from None
    bump(plan, expected_version)
    plan.alert_thresholds = alert_thresholds_document(thresholds)
    plan.save(update_fields=["alert_thresholds", "updated_at"])
    return thresholds


#: How a row of a section is recognised when the section is saved again (team roles: by their order), so
#: that a row whose values change keeps its history (changed, not deleted and created again).
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "objectives": ("code",),
    "stages": ("stage",),
    "efforts": ("stage", "role"),
    "roles": (),
}


@transaction.atomic
def plan_replace_section(
    *, user: User, plan: Plan, expected_version: int, section: str, rows: Iterable[Mapping[str, Any]]
) -> Plan:
    """Replace every row of one section (objectives, stages, roles, efforts) in one go: rows kept are
    changed in place, the others deleted, new ones created — each change in the plan's history."""
    require_editor(user, plan)
    bump(plan, expected_version)
    write_section(plan, section, rows)
    return plan


def _keeps_order(pairs: list[tuple[Any, Mapping[str, Any]]]) -> bool:
    """Whether rows kept in place (read back by id) then new rows (created after them) come in the wanted
    order: the kept ones by growing id, and none of them after a new one."""
    kept = [current.pk for current, _values in pairs if current is not None]
    first_new = next((n for n, (current, _values) in enumerate(pairs) if current is None), len(pairs))
    return kept == sorted(kept) and all(current is None for current, _values in pairs[first_new:])


def write_section(plan: Plan, section: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Make one section's rows ``rows`` (inside the caller's transaction, the caller checked and bumped):
    rows kept are changed in place, the others deleted, new ones created — each change in the history."""
    row_model = SECTIONS[section]
    wanted = []
    for position, row in enumerate(rows):
        values = dict(row)
        if section == "stages":
            values["position"] = model.Stage(values["stage"]).order
        elif section == "objectives":
            values["position"] = position
        wanted.append(values)
    existing = list(row_model._default_manager.filter(plan=plan).order_by("id"))
    keys = SECTION_KEYS[section]
    if keys:
        by_key = {tuple(getattr(r, k) for k in keys): r for r in existing}
        pairs = [(by_key.pop(tuple(v[k] for k in keys), None), v) for v in wanted]
        stale = list(by_key.values())
        if not _keeps_order(pairs):  # rows read back by id would come in another order than the file's
            pairs, stale = [(None, v) for v in wanted], existing
    else:
        pairs = [(existing[i] if i < len(existing) else None, v) for i, v in enumerate(wanted)]
        stale = existing[len(wanted) :]
    if stale:  # a queryset's delete sends each row's signal: each deletion is recorded
        row_model._default_manager.filter(pk__in=[r.pk for r in stale]).delete()
    created = []
    for current, values in pairs:
        if current is None:
            created.append(row_model(plan=plan, **values))
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            current.save()
    if created:
        bulk_create_with_history(
            created, row_model, default_user=recorded.current_user(), default_change_reason=recorded.current_source()
        )
    Plan.objects.filter(pk=plan.pk).update(updated_at=dt.datetime.now(dt.UTC))


def rows_from_engine(plan: model.Plan) -> dict[str, list[dict[str, Any]]]:
    return {
        "objectives": [
            {
                "code": o.id,
                "metric": o.metric.value if o.metric else "",
                "target": o.target,
                "deadline": o.deadline,
                "per": o.per.value if o.per else "",
                "segment": o.segment or "",
            }
            for o in plan.objectives
        ],
        "stages": [{"stage": s.stage.value, "rate": s.rate, "days": s.days} for s in plan.steps],
        "roles": [
            {
                "role": t.role.value,
                "headcount": t.headcount,
                "hours_per_week": t.hours_per_week,
                "start": t.start,
                "ramp_up": [str(f) for f in t.ramp_up],
            }
            for t in plan.team
        ],
        "efforts": [{"stage": e.stage.value, "role": e.role.value, "hours": e.hours} for e in plan.effort],
    }


def header_from_engine(plan: model.Plan) -> dict[str, Any]:
    """The plan row's header fields (all but its name, team and owner) as a plan file gives them."""
    return {
        "start": plan.start,
        "end": plan.end,
        "currency": plan.currency,
        "country": plan.country,
        "average_deal": plan.average_deal,
        "weekly_weights": [str(w) for w in plan.weekly_weights] if plan.weekly_weights else None,
        "fiscal_year_start": plan.fiscal_year_start,
        "timezone": plan.timezone,
        "budget": plan.budget,
        "weight_value": plan.priority_weights.value,
        "weight_velocity": plan.priority_weights.velocity,
        "weight_cost": plan.priority_weights.cost,
        "alert_thresholds": alert_thresholds_document(plan.alerts),
    }


@transaction.atomic
def plan_create_from_file(
    *,
    user: User,
    team: Team,
    plan: model.Plan,
    today: dt.date | None = None,
    owner: User | None = None,
    **link: Any,
) -> Plan:
    """Create a whole plan from a validated plan file: all rows or none; by whoever may create plans.
    The sections other apps keep (sequences and their enrolments, scheduled from ``today``) are stored in
    the same transaction (``filesections``). ``link`` (``scenario_of``, ``scenario_note``) makes it a
    what-if copy of a plan (``scenarios``), or (``part_of``, ``part_key``) a part of a longer plan
    (``breakdown``)."""
    require_plan_creator(user)
    if not user.teams.filter(pk=team.pk).exists():
        raise PermissionDenied(_("You are not a member of this team."))
    if set(link) - {"scenario_of", "scenario_note", "part_of", "part_key"}:
        raise ValueError(f"not scenario or part fields: {sorted(link)}")
    row = Plan.objects.create(team=team, owner=owner or user, name=plan.name, **header_from_engine(plan), **link)
    for section, rows in rows_from_engine(plan).items():
        plan_replace_section(user=user, plan=row, expected_version=row.version, section=section, rows=rows)
    create_execution(row, plan)
    filesections.store_all(user=user, plan=row, source=plan, today=today or timezone.localdate())
    snapshot_on_commit(row)
    return row


@transaction.atomic
def plan_delete(*, user: User, plan: Plan) -> None:
    """Delete a plan; refused while it has parts (``breakdown``): they are plans of their own, deleted first."""
    require_editor(user, plan)
    parts = list(plan.parts.order_by("start").values_list("name", flat=True)[:13])
    if parts:
        shown = ", ".join(parts[:12]) + ("…" if len(parts) > 12 else "")
        raise ValidationError(
            ngettext(
                "This plan is broken down into %(count)s plan (%(names)s): delete it first.",
                "This plan is broken down into %(count)s plans (%(names)s): delete them first.",
                plan.parts.count(),
            )
            % {"count": plan.parts.count(), "names": shown}
        )
    plan.delete()
