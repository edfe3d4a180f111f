"""``pac alerts send``: each plan under way e-mails its digest and posts its new alerts to its webhook
(run it each morning from cron). A failed delivery is printed and kept on the plan; the others go on."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from pac.cli.terminal import JsonFlag, _, cli_language, django_setup, err, out, print_json

alerts_app = typer.Typer(
    help=_("The plans' alerts: list the open ones, set one aside, deliver them."), no_args_is_help=True
)


@alerts_app.command("send")
def send_command(
    plan: Annotated[int | None, typer.Option(help=_("Only this plan (its id)."))] = None,
    today: Annotated[str | None, typer.Option(help=_("The day to compute the alerts on (YYYY-MM-DD)."))] = None,
    as_json: JsonFlag = False,
) -> None:
    """E-mail each plan's digest and post its new alerts to its webhook."""
    try:
        day = dt.date.fromisoformat(today) if today else None
    except ValueError:
        err.print(_("--today must be an ISO date (YYYY-MM-DD)."))
        raise typer.Exit(2) from None
    django_setup()
    from django.utils import timezone

    from pac.web.cockpit.delivery import deliver, plans_under_way
    from pac.web.plans.models import Plan

    day = day or timezone.localdate()
    plans = [p for p in plans_under_way(day) if plan is None or p.pk == plan]
    if plan is not None and not plans:
        found = Plan.objects.filter(pk=plan).first()
        err.print(
            _("No plan {id}.").format(id=plan)
            if found is None
            else _("Plan « {name} » is not under way on {day}.").format(name=found.name, day=day.isoformat())
        )
        raise typer.Exit(2)
    results = [deliver(p, day, cli_language()) for p in plans]
    if as_json:
        print_json(
            [
                {"plan": r.plan.pk, "alerts": r.alerts, "emailed": r.emailed, "posted": r.posted, "error": r.error}
                for r in results
            ]
        )
    else:
        for r in results:
            out.print(
                _("{plan}: {alerts} alert(s), digest to {emailed} recipient(s), {posted} posted to the webhook").format(
                    plan=r.plan.name, alerts=r.alerts, emailed=r.emailed, posted=r.posted
                ),
                markup=False,
            )
            if r.error:
                err.print(r.error, markup=False)
    if any(r.error for r in results):
        raise typer.Exit(1)
