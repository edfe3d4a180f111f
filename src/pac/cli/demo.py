"""``pac demo``: the one place that loads the demo (an import-linter contract keeps it so)."""

from __future__ import annotations

from typing import Annotated

import typer

from pac.cli.server import serve_with_worker
from pac.cli.terminal import _, django_setup, out
from pac.engine.labels import ROLE_LABELS
from pac.engine.model import Role


def demo(
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Set up the demo without serving.")] = False,
    address: Annotated[str, typer.Option(help="host:port")] = "127.0.0.1:8000",
) -> None:
    """Migrate, load the demo plan and team (again safely), then serve and print how to log in."""
    django_setup()
    from django.core.management import call_command

    from pac.web.demo import load_demo
    from pac.web.plans.recorded import CLI, recorded_as

    call_command("migrate", "--verbosity", "0")
    with recorded_as(None, CLI):
        result = load_demo()
    out.print(
        _("Demo ready: plan “{plan}”, and “{current}” measured against the CRM history.").format(
            plan=result.plan.name, current=result.current.name
        )
    )
    if result.key_accounts is not None and result.channel is not None:
        out.print(
            _("From the playbooks: “{key_accounts}” (NRR and adoption) and “{channel}” (partners).").format(
                key_accounts=result.key_accounts.name, channel=result.channel.name
            )
        )
    out.print(
        _("Open http://{address}/ and log in as {user} / {password} (manager), or as a rep: {reps}.").format(
            address=address,
            user=result.manager.username,
            password=result.password,
            reps=", ".join(u.username for u in result.reps),
        )
    )
    out.print(
        _("Other roles to try: {others}.").format(
            others=", ".join(f"{u.username} ({_(ROLE_LABELS[Role(u.role)])})" for u in result.others)
        )
    )
    if not no_serve:
        serve_with_worker(address)
