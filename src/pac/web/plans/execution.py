"""The write path for the plan's execution side: segments, accounts, contacts, actions, events,
rituals, deadlines, governance RACI, channel partners, decisions and calendar feeds.

Like ``services``: keyword-only, atomic, permission-checked, and every change bumps the plan's
version so concurrent edits are detected.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, get_history_manager_for_model

from pac.engine import model
from pac.web.accounts.models import User
from pac.web.plans import models as m
from pac.web.plans import recorded
from pac.web.plans.governance import log_decision
from pac.web.plans.selectors import can_edit, can_edit_section, can_update_action
from pac.web.plans.versioning import PlanConflict, bump, require_editor
from pac.web.plans.versions import snapshot_on_commit


def check_raci(raci: Mapping[str, Any]) -> dict[str, Any]:
    """Exactly one Accountable, at least one Responsible; refused otherwise with the reason."""
    responsible = [p for p in raci.get("R", []) if p]
    accountable = raci.get("A")
    if isinstance(accountable, list | tuple):
        if len(accountable) != 1:
            raise ValidationError(
                _("A RACI needs exactly one Accountable (A); %(count)s given.") % {"count": len(accountable)},
                code="raci_accountable",
            )
        accountable = accountable[0]
    if not accountable:
        raise ValidationError(
            _("A RACI needs exactly one Accountable (A): name who answers for the result."), code="raci_accountable"
        )
    if not responsible:
        raise ValidationError(
            _("A RACI needs at least one Responsible (R): name who does the work."), code="raci_responsible"
        )
    return {
        "R": responsible,
        "A": accountable,
        "C": [p for p in raci.get("C", []) if p],
        "I": [p for p in raci.get("I", []) if p],
    }


@transaction.atomic
def entity_save(
    *, user: User, plan: m.Plan, expected_version: int, entity: str, instance: Any, m2m: Mapping[str, Any] | None = None
) -> Any:
    """Create or update one row of a plan section (already validated by its form)."""
    if not can_edit_section(user, plan, entity):
        raise PermissionDenied(_("You may not change this plan."))
    if entity == "actions" and instance.raci:
        instance.raci = check_raci(instance.raci)
    bump(plan, expected_version)
    if entity == "actions" and instance.pk:  # an inline update opened before this edit is now stale
        instance.version = F("version") + 1
    if entity == "contacts":  # a contact hangs off an account, which must be this plan's
        if instance.account.plan_id != plan.pk:
            raise PermissionDenied(_("This account is not in the plan."))
    else:
        instance.plan = plan
    instance.full_clean(exclude=["plan", "version"])
    instance.save()
    if entity == "actions" and instance.pk:
        instance.refresh_from_db(fields=["version"])
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    return instance


@transaction.atomic
def entity_delete(*, user: User, plan: m.Plan, expected_version: int, rows: QuerySet[Any], entity: str) -> None:
    """Delete rows of one of the plan's sections, ``entity`` (the caller scopes ``rows`` to the plan)."""
    if not can_edit_section(user, plan, entity):
        raise PermissionDenied(_("You may not change this plan."))
    bump(plan, expected_version)
    rows.delete()


class ActionConflict(PlanConflict):
    """Someone else updated the action since the row was shown."""


@transaction.atomic
def action_progress_update(
    *, user: User, plan: m.Plan, action: m.Action, expected_version: int, status: str, progress: int
) -> m.Action:
    """A status and progress update, the only change an action's owner may make to it.

    Compare-and-set on the action's own ``version`` (not the plan's), so that a rep updating several
    rows in a row is not refused, while two people updating the same action at once are told. The
    plan's version still grows: what is computed from the plan is computed again."""
    if not can_update_action(user, plan, action):
        raise PermissionDenied(_("You may only update the status and progress of your own actions."))
    if status not in {known.value for known in model.ActionStatus}:
        raise ValidationError(_("Unknown status."), code="status")
    if not 0 <= progress <= 100:
        raise ValidationError(_("Progress is a percentage between 0 and 100."), code="progress")
    # claim the action at the version the form was opened at (the row stays locked until the commit) …
    claimed = m.Action.objects.filter(pk=action.pk, plan=plan, version=expected_version).update(
        version=F("version") + 1
    )
    if not claimed:
        action.refresh_from_db()
        raise ActionConflict(
            _("This action was updated by someone else meanwhile: here it is as it stands now; redo your change.")
        )
    m.Plan.objects.filter(pk=plan.pk).update(version=F("version") + 1)
    plan.refresh_from_db(fields=["version"])
    snapshot_on_commit(plan)
    # … then save it as a row, not a queryset update: the change goes into the plan's history with its author
    action.refresh_from_db()
    action.status, action.progress = status, progress
    action.save(update_fields=["status", "progress"])
    return action


@transaction.atomic
def action_save(
    *,
    user: User,
    plan: m.Plan,
    expected_version: int,
    instance: m.Action,
    accounts: Any,
    milestones: list[Mapping[str, Any]],
) -> m.Action:
    """Save an action with its accounts and milestones as one change: a bad milestone keeps it all out."""
    entity_save(
        user=user,
        plan=plan,
        expected_version=expected_version,
        entity="actions",
        instance=instance,
        m2m={"accounts": accounts},
    )
    for row in milestones:
        if not instance.start <= row["date"] <= instance.end:
            raise ValidationError(
                _("Milestone “%(name)s” must fall between the action's start and end.") % {"name": row["name"]}
            )
    # milestones left as they were are kept: only those added or removed go into the plan's history
    kept = {(ms.name, ms.date): ms for ms in instance.milestones.all()}
    added = []
    for row in milestones:
        if kept.pop((row["name"], row["date"]), None) is None:
            added.append(row)
    if kept:
        m.Milestone.objects.filter(pk__in=[ms.pk for ms in kept.values()]).delete()
    for row in added:
        m.Milestone.objects.create(action=instance, name=row["name"], date=row["date"])
    return instance


def _recorded(rows: list[Any]) -> list[Any]:
    """Create rows in one statement each kind, their history rows too (who and from where, as any change)."""
    if rows:
        bulk_create_with_history(
            rows, type(rows[0]), default_user=recorded.current_user(), default_change_reason=recorded.current_source()
        )
    return rows


def _raci(raci: model.Raci) -> dict[str, Any]:
    return check_raci(
        {"R": list(raci.responsible), "A": raci.accountable, "C": list(raci.consulted), "I": list(raci.informed)}
    )


def _segment_fields(s: model.Segment) -> dict[str, Any]:
    return {
        "code": s.id,
        "name": s.name,
        "criteria": {k: list(v) for k, v in s.criteria.items()},
        "value_proposition": s.value_proposition,
        "messages": list(s.messages),
        "potential_accounts": s.potential_accounts,
        "potential_value": s.potential_value,
        "rates": {k.value: str(v) for k, v in s.rates.items()},
        "cycle_days": s.cycle_days,
        "acquisition_cost": s.acquisition_cost,
    }


def _account_fields(a: model.Account, segments: Mapping[str, m.Segment]) -> dict[str, Any]:
    return {
        "code": a.id,
        "name": a.name,
        "segment": segments.get(a.segment or ""),
        "strategic": a.strategic,
        "potential": a.potential,
        "icp_fit": a.icp_fit,
        "owner": a.owner or "",
        "stage": a.stage.value if a.stage else "",
    }


def _contact_fields(c: model.Contact, accounts: Mapping[str, m.Account]) -> dict[str, Any]:
    return {
        "account": accounts[c.account],
        "code": c.id,
        "name": c.name,
        "persona": c.persona or "",
        "buying_role": c.buying_role.value if c.buying_role else "",
        "email": c.email or "",
    }


def _event_fields(e: model.Event) -> dict[str, Any]:
    return {
        "code": e.id,
        "name": e.name,
        "kind": e.kind.value,
        "start": e.start,
        "end": e.end,
        "campaigns": list(e.campaigns),
        "location": e.location or "",
    }


def _action_fields(a: model.Action, segments: Mapping[str, m.Segment], events: Mapping[str, m.Event]) -> dict[str, Any]:
    return {
        "code": a.id,
        "type": a.type.value,
        "name": a.name,
        "channel": a.channel.value if a.channel else "",
        "segment": segments.get(a.segment or ""),
        "persona": a.persona or "",
        "message": a.message,
        "expected_volume": a.expected.volume if a.expected else None,
        "expected_stage": a.expected.stage.value if a.expected and a.expected.stage else "",
        "expected_metric": (a.expected.metric or "") if a.expected else "",
        "expected_objective": (a.expected.objective or "") if a.expected else "",
        "owner": a.owner or "",
        "role": a.role.value if a.role else "",
        "start": a.start,
        "end": a.end,
        "budget": a.budget,
        "hours": a.hours,
        "status": a.status.value,
        "kpi": a.kpi or "",
        "value": a.value,
        "event": events.get(a.event or ""),
        "raci": _raci(a.raci) if a.raci else {},
    }


def _ritual_fields(r: model.Ritual) -> dict[str, Any]:
    return {
        "code": r.id,
        "name": r.name,
        "rrule": r.rrule,
        "time": r.time,
        "minutes": r.minutes,
        "owner": r.owner or "",
        "attendees": list(r.attendees),
    }


def _deadline_fields(d: model.Deadline) -> dict[str, Any]:
    return {"code": d.id, "name": d.name, "date": d.date, "rrule": d.rrule or "", "owner": d.owner or ""}


def _partner_fields(p: model.Partner, segments: Mapping[str, m.Segment]) -> dict[str, Any]:
    return {
        "code": p.id,
        "name": p.name,
        "kind": p.kind.value,
        "owner": p.owner or "",
        "status": p.status.value,
        "recruited": p.recruited,
        "region": p.region or "",
        "segment": segments.get(p.segment or ""),
        "mdf_budget": p.mdf_budget,
    }


def create_execution(plan: m.Plan, source: model.Plan) -> None:
    """Write the execution sections of an engine plan into a new plan (inside the caller's transaction).

    Each kind of row is created in one statement with its history rows (a plan file has hundreds of rows:
    one insert each, twice with the history, would make the import slow)."""
    segments = {s.id: m.Segment(plan=plan, position=n, **_segment_fields(s)) for n, s in enumerate(source.segments)}
    _recorded(list(segments.values()))
    accounts = {
        a.id: m.Account(plan=plan, position=n, **_account_fields(a, segments)) for n, a in enumerate(source.accounts)
    }
    _recorded(list(accounts.values()))
    _recorded([m.Contact(position=n, **_contact_fields(c, accounts)) for n, c in enumerate(source.contacts)])
    events = {e.id: m.Event(plan=plan, position=n, **_event_fields(e)) for n, e in enumerate(source.events)}
    _recorded(list(events.values()))
    actions = [
        m.Action(plan=plan, position=n, **_action_fields(a, segments, events)) for n, a in enumerate(source.actions)
    ]
    _create_actions(actions, [[accounts[code] for code in a.accounts] for a in source.actions])
    _recorded(
        [
            m.Milestone(action=row, name=milestone.name, date=milestone.date, position=n)
            for row, a in zip(actions, source.actions, strict=True)
            for n, milestone in enumerate(a.milestones)
        ]
    )
    _recorded([m.Ritual(plan=plan, position=n, **_ritual_fields(r)) for n, r in enumerate(source.rituals)])
    _recorded([m.Deadline(plan=plan, position=n, **_deadline_fields(d)) for n, d in enumerate(source.deadlines)])
    _recorded(
        [
            m.GovernanceRaci(plan=plan, activity=g.activity, position=position, raci=_raci(g.raci))
            for position, g in enumerate(source.raci)
        ]
    )
    _recorded([m.Partner(plan=plan, position=n, **_partner_fields(p, segments)) for n, p in enumerate(source.partners)])


def _upsert(
    rows: Any, wanted: list[tuple[Any, dict[str, Any]]], key: Any, **parent: Any
) -> tuple[dict[Any, Any], list[Any]]:
    """Make ``rows`` (a queryset) hold ``wanted`` (key, values) in that order: a row found by ``key(row)`` is
    changed in place when its values differ (it keeps its id, and what points to it), a missing one created;
    the rows no longer wanted (a second row of one key among them: two equal milestones) are returned, for
    the caller to delete once nothing new points to them."""
    existing: dict[Any, Any] = {}
    doubles = []
    for row in rows:
        doubles.append(row) if key(row) in existing else existing.setdefault(key(row), row)
    kept: dict[Any, Any] = {}
    for position, (found_key, fields) in enumerate(wanted):
        values = {**fields, "position": position}  # the file's order (``models.InFileOrder``)
        row = existing.pop(found_key, None)
        if row is None:
            row = rows.model(**parent, **values)
            row.save()
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.save()
        kept[found_key] = row
    return kept, [*existing.values(), *doubles]


def replace_execution(plan: m.Plan, source: model.Plan) -> None:
    """Make the execution sections of an existing plan those of ``source`` (inside the caller's transaction,
    the caller checked and bumped): objects are matched by their id, so that one kept keeps its row, its
    history and what points to it (an action's decisions, a ritual's meetings, an account's enrolments);
    the others are created or deleted, each change in the plan's history."""
    segments, stale_segments = _upsert(
        plan.segments.all(), [(s.id, _segment_fields(s)) for s in source.segments], lambda r: r.code, plan=plan
    )
    accounts, stale_accounts = _upsert(
        plan.accounts.all(),
        [(a.id, _account_fields(a, segments)) for a in source.accounts],
        lambda r: r.code,
        plan=plan,
    )
    _contacts, stale_contacts = _upsert(
        m.Contact.objects.filter(account__plan=plan).select_related("account"),
        [((c.account, c.id), _contact_fields(c, accounts)) for c in source.contacts],
        lambda r: (r.account.code, r.code),
    )
    events, stale_events = _upsert(
        plan.events.all(), [(e.id, _event_fields(e)) for e in source.events], lambda r: r.code, plan=plan
    )
    actions, stale_actions = _upsert(
        plan.actions.all(),
        [(a.id, _action_fields(a, segments, events)) for a in source.actions],
        lambda r: r.code,
        plan=plan,
    )
    for a in source.actions:
        row = actions[a.id]
        targets = {accounts[code].pk for code in a.accounts}
        if set(row.accounts.values_list("pk", flat=True)) != targets:
            row.accounts.set(targets)
        _milestones, stale_milestones = _upsert(
            row.milestones.all(),
            [((ms.name, ms.date), {"name": ms.name, "date": ms.date}) for ms in a.milestones],
            lambda r: (r.name, r.date),
            action=row,
        )
        _delete(stale_milestones)
    _rituals, stale_rituals = _upsert(
        plan.rituals.all(), [(r.id, _ritual_fields(r)) for r in source.rituals], lambda r: r.code, plan=plan
    )
    _deadlines, stale_deadlines = _upsert(
        plan.deadlines.all(), [(d.id, _deadline_fields(d)) for d in source.deadlines], lambda r: r.code, plan=plan
    )
    _governance, stale_governance = _upsert(
        plan.governance.all(),
        [(n, {"activity": g.activity, "raci": _raci(g.raci), "position": n}) for n, g in enumerate(source.raci)],
        lambda r: r.position,
        plan=plan,
    )
    _partners, stale_partners = _upsert(
        plan.partners.all(),
        [(p.id, _partner_fields(p, segments)) for p in source.partners],
        lambda r: r.code,
        plan=plan,
    )
    for stale in (
        stale_partners,
        stale_actions,
        stale_contacts,
        stale_accounts,
        stale_events,
        stale_segments,
        stale_rituals,
        stale_deadlines,
        stale_governance,
    ):
        _delete(stale)


def _delete(rows: list[Any]) -> None:
    """Delete rows one kind at a time through a queryset (each deletion goes into the history)."""
    if rows:
        type(rows[0])._default_manager.filter(pk__in=[r.pk for r in rows]).delete()


def _create_actions(actions: list[m.Action], targets: list[list[m.Account]]) -> None:
    """Actions with the accounts each targets, and one history row each that records both (as
    ``accounts.set`` after a save would, in two rows per action and a query per row)."""
    if not actions:
        return
    m.Action.objects.bulk_create(actions)
    through = m.Action.accounts.through
    links = through.objects.bulk_create(
        [
            through(action_id=row.pk, account_id=account.pk)
            for row, chosen in zip(actions, targets, strict=True)
            for account in chosen
        ]
    )
    records = get_history_manager_for_model(m.Action).bulk_history_create(
        actions, default_user=recorded.current_user(), default_change_reason=recorded.current_source()
    )
    if records is None:  # history switched off (SIMPLE_HISTORY_ENABLED)
        return
    by_action = {record.id: record for record in records}
    snapshot = apps.get_model("plans", "HistoricalAction_accounts")  # the links as the history row saw them
    snapshot.objects.bulk_create(
        [
            snapshot(
                id=link.pk, history=by_action[link.action_id], action_id=link.action_id, account_id=link.account_id
            )
            for link in links
        ]
    )


@transaction.atomic
def decision_record(*, user: User, plan: m.Plan, action: m.Action, include: bool, reason: str) -> m.Decision:
    """Store a manager's override of the proposed selection; earlier ones for the action stop applying."""
    if not can_edit(user, plan) or action.plan_id != plan.pk:
        raise PermissionDenied(_("You may not change this plan."))
    if not reason.strip():
        raise ValidationError(_("Say why: a decision without a reason cannot be reviewed later."))
    _withdraw(plan, action)
    log_decision(
        user=user,
        plan=plan,
        kind="priority",
        change="priority_included" if include else "priority_excluded",
        params={"action": action.name},
        subject=f"action:{action.code}",
        subject_name=action.name,
        reason=reason,
    )
    return m.Decision.objects.create(plan=plan, action=action, include=include, reason=reason.strip(), decided_by=user)


@transaction.atomic
def corrective_actions_accept(
    *,
    user: User,
    plan: m.Plan,
    expected_version: int,
    actions: list[model.Action],
    reason: str,
    lever: Mapping[str, str] | None = None,
    lever_key: str = "",
) -> list[m.Action]:
    """Add a corrective plan's actions to the plan as one change, each with the decision that put it
    there (who, when, why: the lever in figures), and the lever's acceptance in the decision log
    (``lever``: what it does in figures, in each language). Owners: the action's own, else a team member
    with its role, else the manager who accepts."""
    require_editor(user, plan)
    bump(plan, expected_version)
    members = plan.team.members.order_by("username")
    created = []
    for action in actions:
        role = action.role.value if action.role else ""
        owner = action.owner or next((u.username for u in members if role and u.role == role), user.username)
        row = m.Action(
            plan=plan,
            code=action.id,
            type=action.type.value,
            name=action.name[:200],
            owner=owner,
            role=role,
            start=action.start,
            end=action.end,
            hours=action.hours,
            status=model.ActionStatus.PLANNED.value,
            expected_stage=action.expected.stage.value if action.expected and action.expected.stage else "",
            expected_volume=action.expected.volume if action.expected else None,
            raci=check_raci({"R": [owner], "A": user.username}),
        )
        row.full_clean(exclude=["plan"])
        row.save()
        m.Decision.objects.create(plan=plan, action=row, include=True, reason=reason[:2000], decided_by=user)
        created.append(row)
    log_decision(
        user=user,
        plan=plan,
        kind="lever",
        change="lever_accepted",
        params={"lever": dict(lever) if lever else reason, "count": len(created)},
        subject=f"lever:{lever_key}" if lever_key else "",
        subject_name=", ".join(a.code for a in created),
    )
    return created


@transaction.atomic
def decision_withdraw(*, user: User, plan: m.Plan, action: m.Action) -> None:
    if not can_edit(user, plan) or action.plan_id != plan.pk:
        raise PermissionDenied(_("You may not change this plan."))
    withdrawn = _withdraw(plan, action)
    if withdrawn:
        log_decision(
            user=user,
            plan=plan,
            kind="priority",
            change="priority_withdrawn",
            params={"action": action.name},
            subject=f"action:{action.code}",
            subject_name=action.name,
        )


def _withdraw(plan: m.Plan, action: m.Action) -> int:
    """The action's decisions stop applying, one row at a time so that each change is in the history."""
    withdrawn = 0
    for decision in m.Decision.objects.filter(plan=plan, action=action, active=True):
        decision.active = False
        decision.save(update_fields=["active"])
        withdrawn += 1
    return withdrawn


@transaction.atomic
def feed_renew(*, user: User, plan: m.Plan, personal: bool) -> tuple[m.CalendarFeed, str]:
    """Revoke the user's current feed of this kind and issue a new one: the feed and its secret token, which
    only the caller ever sees (the database keeps its hash), to show once in the feed's URL."""
    if not plan.team.members.filter(pk=user.pk).exists():
        raise PermissionDenied(_("You are not a member of this team."))
    if plan.scenario_of_id is not None:
        raise PermissionDenied(_("A scenario is never applied: it has no calendar to subscribe to."))
    m.CalendarFeed.objects.filter(plan=plan, user=user, personal=personal, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    token = secrets.token_urlsafe(32)
    feed = m.CalendarFeed.objects.create(
        plan=plan, user=user, personal=personal, token_hash=m.CalendarFeed.hash_token(token)
    )
    return feed, token


@transaction.atomic
def feed_revoke(*, user: User, plan: m.Plan, personal: bool) -> None:
    m.CalendarFeed.objects.filter(plan=plan, user=user, personal=personal, revoked_at=None).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def accounts_import(
    *, user: User, plan: m.Plan, expected_version: int, accounts: list[model.Account]
) -> dict[str, int]:
    """Create or update accounts by id, all or none; returns the counts created and updated."""
    require_editor(user, plan)
    segments = {s.code: s for s in plan.segments.all()}
    unknown = [f"{a.id}: {a.segment}" for a in accounts if a.segment and a.segment not in segments]
    if unknown:
        raise ValidationError(
            _("Unknown segment for these accounts (create the segment first): %(list)s") % {"list": "; ".join(unknown)}
        )
    bump(plan, expected_version)
    counts = {"created": 0, "updated": 0}
    existing = {row.code: row for row in m.Account.objects.filter(plan=plan)}
    for a in accounts:
        values = {k: v for k, v in _account_fields(a, segments).items() if k != "code"}
        row = existing.get(a.id)
        if row is None:
            m.Account.objects.create(plan=plan, code=a.id, **values)
            counts["created"] += 1
            continue
        counts["updated"] += 1
        if any(getattr(row, k) != v for k, v in values.items()):  # unchanged rows leave no history line
            for k, v in values.items():
                setattr(row, k, v)
            row.save()
    return counts
