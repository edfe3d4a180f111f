"""``pac today`` and ``pac touch done``: the rep's « Aujourd'hui » queue (the manual touches due today or
late, in the web page's order, from the same selectors) and the one-click outcome of a touch, through the
same service (``sequences.services.touch_done``: it becomes a CRM activity the KPIs count)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from pac.cli.acting import AsUser, acting_user, refusals_said
from pac.cli.terminal import JsonFlag, _, fail, out, print_json

touch_app = typer.Typer(help=_("A sequence's touches: log what came of one."), no_args_is_help=True)


def _queue(user: Any, rep: str | None) -> tuple[list[Any], bool]:
    """The touches the web's « Aujourd'hui » page shows ``user`` (a manager: the team's, or ``rep``'s), and
    whether the owner is worth a column."""
    from django.utils import timezone

    from pac.web.accounts.abilities import Ability, can
    from pac.web.sequences import selectors

    day = timezone.localdate()
    manager = can(user, Ability.CHANGE_PLANS)
    if rep is not None and not manager:
        raise fail(_("--rep: only managers see another rep's queue."))
    if not manager:
        return list(selectors.today_queue(user, day)), False
    if rep is not None and rep not in selectors.queue_owners(user):
        raise fail(_("--rep: {name} has no touches in your plans.").format(name=rep))
    return list(selectors.team_queue(user, day, rep)), rep is None


def today_command(
    acting: AsUser,
    rep: Annotated[
        str | None,
        typer.Option("--rep", help=_("Managers: only this rep's touches (username); the whole team otherwise.")),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The « Today » queue: the manual touches (calls, social…) due today or late, strategic accounts first,
    each with its number, what to do and the outcomes it takes (pac touch done)."""
    user = acting_user(acting)
    from django.utils import timezone

    from pac.web.sequences.queue_views import _names, outcomes_for, row

    touches, show_owner = _queue(user, rep)
    day = timezone.localdate()
    names = _names(user)
    rows = [(t, row(t, day, names)) for t in touches]
    if as_json:
        print_json(
            [
                {
                    "id": t.pk,
                    "due": t.due.isoformat(),
                    "late": r["is_late"],
                    "owner": t.owner,
                    "contact": r["contact"],
                    "email": r["email"],
                    "account": r["account"],
                    "strategic": r["strategic"],
                    "plan": t.enrolment.plan_id,
                    "sequence": r["sequence"],
                    "step": t.step,
                    "channel": t.channel,
                    "instructions": r["instructions"],
                    "outcomes": [code for code, _words in outcomes_for(t.channel)],
                }
                for t, r in rows
            ]
        )
        return
    if not rows:
        out.print(_("Nothing due today."))
        return
    table = Table(title=_("Today"))
    headers = [_("No."), _("Contact"), _("Account"), _("Step"), _("Due"), _("To do"), _("Outcomes")]
    if show_owner:
        headers.insert(1, _("Owner"))
    for header in headers:
        table.add_column(header)
    for t, r in rows:
        cells = [
            str(t.pk),
            r["contact"],
            r["account"] + (" ★" if r["strategic"] else ""),
            f"{r['sequence']} · {r['step']} · {r['channel']}",
            r["late"],
            r["instructions"] or "—",
            ", ".join(f"{code} ({words})" for code, words in r["outcomes"]),
        ]
        if show_owner:
            cells.insert(1, r["owner"])
        table.add_row(*cells, style="red" if r["is_late"] else None)
    out.print(table)


@touch_app.command("done")
def touch_done_command(
    touch_id: Annotated[int, typer.Argument(help=_("The touch's number (pac today shows it)."))],
    outcome: Annotated[
        str,
        typer.Argument(
            help=_(
                "What came of it, as the queue's buttons: no_answer (no answer; social: sent, no answer), "
                "replied, booked (meeting booked), bounced (phone: wrong number; social: profile not found)."
            )
        ),
    ],
    acting: AsUser,
    as_json: JsonFlag = False,
) -> None:
    """Log a touch's outcome as the queue's one click does: one's own touches (a manager: the team's), once;
    it becomes a CRM activity, and a reply, a booked meeting or a bounce may end the contact's sequence."""
    user = acting_user(acting)
    from django.db import transaction
    from django.http import Http404

    from pac.web.sequences import selectors, services
    from pac.web.sequences.queue_views import DONE_WORDS, outcomes_for

    try:
        touch = selectors.touch_for(user, touch_id)
    except Http404:
        raise fail(_("No touch number {id} for {name}.").format(id=touch_id, name=user.username)) from None
    offered = [code for code, _words in outcomes_for(touch.channel)]
    if outcome not in offered:
        raise fail(
            _("Unknown outcome {outcome}: one of {outcomes}.").format(outcome=outcome, outcomes=", ".join(offered))
        )
    with refusals_said(), transaction.atomic():
        done = services.touch_done(touch, outcome, user)
    activity = services.activity_id(done)
    if as_json:
        print_json({"id": done.pk, "status": done.status, "outcome": done.outcome, "activity": activity})
        return
    out.print(
        _("Touch {id} ({contact}, {account}): {outcome}; recorded as activity {activity}.").format(
            id=done.pk,
            contact=touch.enrolment.contact.name,
            account=touch.enrolment.account.name,
            outcome=str(DONE_WORDS.get(outcome, outcome)),
            activity=activity,
        ),
        markup=False,
        highlight=False,
    )
