"""``pac migrate``, ``pac serve``, ``pac worker`` and ``pac createuser``: running the web app."""

from __future__ import annotations

import os
import subprocess
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
    """Serve with waitress, and run the background worker (CRM imports) beside it as a child process
    so that one command is enough on a laptop; a server deployment runs `pac worker` on its own.

    The child goes with the server: SIGTERM or SIGINT stop the server and then the worker (given
    ``WORKER_GRACE`` seconds to finish, then killed: its job is marked interrupted, nothing written), and on
    Linux the kernel ends the worker if the server dies without a word (``PR_SET_PDEATHSIG``)."""
    import signal

    django_setup()
    from django.conf import settings
    from waitress import serve as waitress_serve

    from pac.web.wsgi import application

    host, _sep, port = address.rpartition(":")
    worker_process = None
    if "django_tasks_db" in settings.TASKS["default"]["BACKEND"] and not os.environ.get("PAC_NO_WORKER"):
        worker_process = subprocess.Popen([sys.executable, "-m", "pac.cli", "worker"], preexec_fn=_die_with_parent)

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds waitress, then ``finally`` stops the worker

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    out.print(_("Serving on http://{address}/ (Ctrl+C to stop)").format(address=address))
    try:
        waitress_serve(application, host=host or "127.0.0.1", port=int(port), threads=8)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the worker's stop short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if worker_process is not None:
            _stop_worker(worker_process)


#: Seconds the worker is given to end its task when the server stops, before it is killed.
WORKER_GRACE = 10


def _stop_worker(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=WORKER_GRACE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _die_with_parent() -> None:
    """In the worker child, before it runs: the kernel sends it SIGTERM when its parent dies (Linux)."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the ``finally`` of serve still stops it
        pass


def worker() -> None:
    """Run background tasks (CRM imports) as they are queued, and send the sequences' due e-mails."""
    import threading

    django_setup()
    from pac.cli.terminal import cli_language
    from pac.web.crm.worker import run_worker
    from pac.web.sequences.sender import start_sending

    stop = threading.Event()
    sender = start_sending(stop, cli_language())  # None without an SMTP server (PAC_SMTP_HOST)
    try:
        run_worker()  # until SIGTERM or SIGINT
    finally:
        stop.set()
        if sender is not None:
            sender.join(timeout=WORKER_GRACE)  # the message under way ends (bounded by the SMTP timeout)


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
