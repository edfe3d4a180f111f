"""``pac feed create | list | revoke``: one's secret calendar links to a plan (the web's « Abonnements »
page), through the same services (``plans.execution.feed_renew``, ``feed_revoke``): a new link revokes the
previous one of its kind and is shown this once (only its hash is kept)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from pac.cli.acting import AsUser, PlanId, acting_user, refusals_said, visible_plan
from pac.cli.terminal import JsonFlag, _, fail, out, print_json

feed_app = typer.Typer(help=_("Your secret calendar links to a plan: create, list, revoke."), no_args_is_help=True)
MineFlag = Annotated[bool, typer.Option("--mine", help=_("The link to your own items only (not the whole plan)."))]


def _subscriber(acting: str, plan_id: int) -> tuple[Any, Any]:
    """The user and the plan, if the user may subscribe to its calendar; exit 2 otherwise."""
    from pac.web.accounts.abilities import Ability, can

    user = acting_user(acting)
    plan = visible_plan(user, plan_id)
    if not can(user, Ability.SUBSCRIBE_CALENDAR, plan):
        raise fail(_("{name} may not subscribe to this plan's calendar.").format(name=user.username))
    return user, plan


@feed_app.command("create")
def feed_create(plan_id: PlanId, acting: AsUser, mine: MineFlag = False, as_json: JsonFlag = False) -> None:
    """A new secret link to the plan's calendar (the previous one of its kind stops working); its address is
    shown this once."""
    from django.conf import settings
    from django.db import transaction
    from django.urls import reverse

    from pac.web.plans import execution

    user, plan = _subscriber(acting, plan_id)
    with refusals_said(), transaction.atomic():
        _feed, token = execution.feed_renew(user=user, plan=plan, personal=mine)
    url = settings.BASE_URL + reverse("feed", args=[token])
    if as_json:
        print_json({"plan": plan_id, "mine": mine, "url": url})
        return
    out.print(_("New subscription link (shown this once; any previous one no longer works):"), highlight=False)
    out.print(url, markup=False, highlight=False, soft_wrap=True)


@feed_app.command("list")
def feed_list(plan_id: PlanId, acting: AsUser, as_json: JsonFlag = False) -> None:
    """Your links to the plan's calendar still in force, and since when (their address is never shown again)."""
    from django.utils import timezone

    from pac.web.language import formatter
    from pac.web.plans import selectors

    user, plan = _subscriber(acting, plan_id)
    active = selectors.active_feeds(user, plan)
    if as_json:
        print_json(
            [{"mine": mine, "since": active[mine].created_at.isoformat()} for mine in (False, True) if mine in active]
        )
        return
    if not active:
        out.print(_("No subscription link in force."))
        return
    fmt = formatter()
    table = Table(title=_("Subscription links"))
    for header in (_("Link"), _("Since")):
        table.add_column(header)
    for mine in (False, True):
        if mine in active:
            since = timezone.localtime(active[mine].created_at).date()
            table.add_row(_("My items only") if mine else _("The whole plan"), fmt.date(since))
    out.print(table)


@feed_app.command("revoke")
def feed_revoke(plan_id: PlanId, acting: AsUser, mine: MineFlag = False) -> None:
    """Revoke your link of that kind: calendars using it stop updating."""
    from pac.web.plans import execution

    user, plan = _subscriber(acting, plan_id)
    with refusals_said():
        execution.feed_revoke(user=user, plan=plan, personal=mine)
    out.print(_("Subscription link revoked: calendars using it stop updating."), markup=False, highlight=False)
