"""``pac migrate``, ``pac serve``, ``pac worker`` and ``pac createuser``: running the web app."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from pac.cli.terminal import _, django_setup, err, out


def _manage(*args: str) -> None:
    django_setup()
    from django.core.management import call_command

    call_command(*args)


def migrate() -> None:
    """Create or update the database tables."""
    _manage("migrate", "--verbosity", "1")


def serve(address: Annotated[str, typer.Option(help="host:port")] = "127.0.0.1:8000") -> None:
    """Serve the web app (waitress, a production-grade WSGI server)."""
    serve_with_worker(address)


def serve_with_worker(address: str) -> None:
    """Serve with waitress, and run the background worker (CRM imports) beside it as a subprocess
    so that one command is enough on a laptop; a server deployment runs `pac worker` on its own."""
    import subprocess

    django_setup()
    from django.conf import settings
    from waitress import serve as waitress_serve

    from pac.web.wsgi import application

    host, _sep, port = address.rpartition(":")
    worker = None
    if "django_tasks_db" in settings.TASKS["default"]["BACKEND"] and not os.environ.get("PAC_NO_WORKER"):
        worker = subprocess.Popen([sys.executable, "-m", "pac.cli", "worker"])
    out.print(_("Serving on http://{address}/ (Ctrl+C to stop)").format(address=address))
    try:
        waitress_serve(application, host=host or "127.0.0.1", port=int(port), threads=8)
    finally:
        if worker is not None:
            worker.terminate()


def worker() -> None:
    """Run background tasks (CRM imports) as they are queued."""
    django_setup()
    from django.core.management import call_command

    call_command("db_worker", "--queue-name", "*", "--interval", "1")


def createuser(
    username: str,
    team: Annotated[str, typer.Option(help="Team name (created if new).")],
    role: Annotated[str, typer.Option(help="manager, sdr, ae, csm, marketing, executive, admin")] = "manager",
    email: Annotated[str, typer.Option()] = "",
    password: Annotated[
        str | None, typer.Option(help="Password; read from PAC_PASSWORD or asked when omitted.")
    ] = None,
) -> None:
    """Create a user in a team with a role."""
    django_setup()
    from django.core.exceptions import ValidationError

    from pac.web.accounts import services

    secret = (
        password
        or os.environ.get("PAC_PASSWORD")
        or typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    )
    try:
        user = services.user_create(username=username, password=secret, role=role, team_name=team, email=email)
    except ValidationError as error:
        for message in error.messages:
            err.print(message)
        raise typer.Exit(2) from None
    out.print(_("User {name} created in team {team}.").format(name=user.username, team=team))
