"""``pac action list | status``: a plan's action list (owners by name, progress, overdue ones flagged) and
the status and progress update an action's owner makes — the web's action list and its inline update,
with the same compare-and-set on the action's version (``--base-version``, which the list shows)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from pac.cli.acting import AsUser, PlanId, acting_user, refusals_said, visible_plan
from pac.cli.terminal import JsonFlag, _, cli_language, fail, out, print_json
from pac.engine.formatting import Formatter
from pac.engine.labels import ACTION_STATUS_LABELS
from pac.engine.model import ActionStatus

action_app = typer.Typer(help=_("A plan's actions: list them, update their status and progress."), no_args_is_help=True)


@action_app.command("list")
def action_list(
    plan_id: PlanId,
    acting: AsUser,
    owner: Annotated[str | None, typer.Option("--owner", help=_("Only this person's actions (username)."))] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help=_("Only the actions past their end, not done."))] = False,
    as_json: JsonFlag = False,
) -> None:
    """The plan's actions with their owner, dates, status, progress and version; overdue ones flagged."""
    user = acting_user(acting)
    from django.utils import timezone

    from pac.web.plans import selectors
    from pac.web.plans.action_list import is_overdue

    plan = visible_plan(user, plan_id)
    today = timezone.localdate()
    rows = plan.actions.select_related("segment").order_by("start", "pk")
    if owner is not None:
        rows = rows.filter(owner=owner)
    actions = [a for a in rows if not overdue or is_overdue(a, today)]
    names = selectors.people_names(plan)
    if as_json:
        print_json(
            [
                {
                    "id": a.pk,
                    "code": a.code,
                    "name": a.name,
                    "type": a.type,
                    "owner": a.owner or None,
                    "start": a.start.isoformat(),
                    "end": a.end.isoformat(),
                    "status": a.status,
                    "progress": a.progress,
                    "overdue": is_overdue(a, today),
                    "budget": float(a.budget),
                    "hours": float(a.hours),
                    "version": a.version,
                    "may_update": selectors.can_update_action(user, plan, a),
                }
                for a in actions
            ]
        )
        return
    if not actions:
        out.print(_("No action to show."))
        return
    fmt = Formatter(cli_language(), plan.currency)
    table = Table(title=_("Actions of {plan}").format(plan=plan.name))
    for header in (_("No."), _("Action"), _("Owner"), _("Dates"), _("Status"), _("Progress"), _("Version")):
        table.add_column(header)
    for a in actions:
        late = is_overdue(a, today)
        table.add_row(
            str(a.pk),
            a.name,
            names.get(a.owner, a.owner) or "—",
            f"{fmt.date(a.start)} – {fmt.date(a.end)}",
            _(ACTION_STATUS_LABELS[ActionStatus(a.status)]) + (f" · {_('overdue')}" if late else ""),
            fmt.percent(Decimal(a.progress) / 100, 0),
            str(a.version),
            style="red" if late else None,
        )
    out.print(table)


@action_app.command("status")
def action_status(
    plan_id: PlanId,
    action_id: Annotated[int, typer.Argument(help=_("The action's number (pac action list shows it)."))],
    status: Annotated[str, typer.Argument(help=_("planned, proposed, in_progress, done or cancelled."))],
    acting: AsUser,
    base_version: Annotated[
        int,
        typer.Option("--base-version", help=_("The action's version you read (pac action list shows it).")),
    ],
    progress: Annotated[
        int | None, typer.Option("--progress", help=_("Progress in per cent, 0 to 100 (kept when left out)."))
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Update an action's status and progress as its owner or a manager; refused when someone else updated
    it since --base-version (read it again and redo the change)."""
    user = acting_user(acting)
    from pac.web.plans import execution, selectors
    from pac.web.plans.models import Action
    from pac.web.plans.recorded import CLI, recorded_as

    plan = visible_plan(user, plan_id)
    action = Action.objects.filter(plan=plan, pk=action_id).first()
    if action is None:
        raise fail(_("Plan {plan} has no action number {id}.").format(plan=plan.pk, id=action_id))
    if status not in {s.value for s in ActionStatus}:
        raise fail(
            _("Unknown status {status}: one of {statuses}.").format(
                status=status, statuses=", ".join(s.value for s in ActionStatus)
            )
        )
    try:
        with refusals_said(), recorded_as(user, CLI):  # the history says who, and that it came from the CLI
            execution.action_progress_update(
                user=user,
                plan=plan,
                action=action,
                expected_version=base_version,
                status=status,
                progress=action.progress if progress is None else progress,
            )
    except execution.ActionConflict:
        raise fail(
            _(
                "Action {id} is at version {version}, you read version {base}: someone updated it meanwhile. "
                "Read it again (pac action list {plan}) and redo your change."
            ).format(id=action.pk, version=action.version, base=base_version, plan=plan.pk)
        ) from None
    action.refresh_from_db()
    if as_json:
        print_json(
            {
                "id": action.pk,
                "status": action.status,
                "progress": action.progress,
                "version": action.version,
                "may_update": selectors.can_update_action(user, plan, action),
            }
        )
        return
    fmt = Formatter(cli_language(), plan.currency)
    out.print(
        _("Action {id} ({name}): {status}, {progress}; now at version {version}.").format(
            id=action.pk,
            name=action.name,
            status=_(ACTION_STATUS_LABELS[ActionStatus(action.status)]),
            progress=fmt.percent(Decimal(action.progress) / 100, 0),
            version=action.version,
        ),
        markup=False,
        highlight=False,
    )
