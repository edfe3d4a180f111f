"""Sequences' e-mails sent by the worker's loop (`sequences.sender.run_sender`): N messages due, each
rendered in the sandbox, recorded `sending` before and `done` after its SMTP transaction, to a local SMTP
server (aiosmtpd, in this process) over one connection per batch. Run in a fresh process on a fresh
SQLite file and, when a server answers, a fresh PostgreSQL database.

``PAC_BENCH_SEND_MESSAGES`` sets N (default 2 000)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from bench_import import _postgres_up

TARGET_PER_SECOND = 50.0

WORKER = r"""
import datetime as dt, json, os, sys, threading, time
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "pac.web.settings"
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from pac.web.accounts.services import user_create
from pac.web.plans.models import Account, Contact, Plan
from pac.web.sequences import services
from pac.web.sequences.models import Touch
from pac.web.sequences.sender import run_sender

count = int(sys.argv[1])
user = user_create(username="manager", password="a-long-bench-password-42", role="manager", team_name="Ventes")
user.first_name, user.last_name, user.email = "Olivia", "Martin", "olivia@vendeur.example"
user.save()
plan = Plan.objects.create(team=user.teams.get(), owner=user, name="Bench", start=dt.date(2026, 1, 1),
                           end=dt.date(2027, 12, 31))
accounts = Account.objects.bulk_create(
    Account(plan=plan, code=f"a{n}", name=f"Société {n}", owner="manager", position=n) for n in range(count))
Contact.objects.bulk_create(
    Contact(account=a, code=f"c{n}", position=n, name=f"Prénom{n} Nom{n}", persona=("DAF", "DSI")[n % 2],
            email=f"c{n}@client.example") for n, a in enumerate(accounts))
body = ("Bonjour {{ contact.first_name }},\n\n" + "Un paragraphe sur {{ account.name }}. " * 12
        + "\n\n{{ sender.first_name }}")
sequence = services.sequence_save(
    user, plan, code="bench", name="Bench", steps=[{"offset": 0, "channel": "email"}],
    templates=[{"step": 1, "persona": p, "subject": p + " · {{ contact.first_name }}", "body": body}
               for p in ("DAF", "DSI")])
start = dt.date.today() - dt.timedelta(days=14)
services.enrol(user, plan, sequence, segment=None, accounts=[f"a{n}" for n in range(count)], start=start, today=start)
assert Touch.objects.filter(due__lte=dt.date.today()).count() == count
from django.urls import reverse
reverse("unsubscribe", args=["warm-up"])  # the URLconf, loaded once when a worker starts: not timed
began = time.perf_counter()
report = run_sender(threading.Event(), once=True)
seconds = time.perf_counter() - began
print(json.dumps({"seconds": seconds, **report.as_dict()}))
"""


class Counter:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _measure(count: int, env: dict[str, str]) -> dict[str, Any]:
    from aiosmtpd.controller import Controller

    inbox = Counter()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        env = env | {
            "PAC_SMTP_HOST": "127.0.0.1",
            "PAC_SMTP_PORT": str(controller.port),
            "PAC_SEQUENCE_SENDING_HOURS": "0-24",
            "PAC_SEQUENCE_DAILY_CAPACITY": str(count),
            "PAC_SEQUENCE_SEND_BATCH": "100",
        }
        done = subprocess.run(
            [sys.executable, "-c", WORKER, str(count)], env=env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise RuntimeError(done.stderr[-3000:])
    finally:
        controller.stop()
    result = dict(json.loads(done.stdout.strip().splitlines()[-1]))
    result["received"] = inbox.received
    return result


def run() -> str:
    count = int(os.environ.get("PAC_BENCH_SEND_MESSAGES", "2000"))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        base["PAC_DATA_DIR"] = str(Path(folder) / "data")
        cases = [("SQLite (embedded file)", base, "")]
        if _postgres_up():
            name = f"pac_bench_send_{uuid.uuid4().hex[:8]}"
            cases.append(("PostgreSQL", base | {"DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}"}, name))
        for label, env, database in cases:
            if database:
                import psycopg

                with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
                    admin.execute(f"CREATE DATABASE {database}")
            load = os.getloadavg()[0]
            try:
                result = _measure(count, env)
            finally:
                if database:
                    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
                        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            rate = result["sent"] / result["seconds"]
            verdict = "ok" if rate >= TARGET_PER_SECOND and result["received"] == count else "OVER TARGET"
            rows.append(
                f"| {label} | {_n(count)} | {result['seconds']:.1f} s | {rate:.0f} msg/s | "
                f"{_n(result['sent'])} sent, {_n(result['received'])} received | "
                f"{(load + os.getloadavg()[0]) / 2:.1f} | {verdict} |"
            )
            print(rows[-1])
    return (
        "## Sequence sending (`sequences.sender`: the worker's e-mails to a local SMTP server)\n\n"
        f"Target: ≥ {TARGET_PER_SECOND:.0f} messages/s. Each message: rendered in the Jinja2 sandbox for its "
        "contact, `sending` committed before its SMTP transaction and `done` (with the enrolment's "
        "finish check) committed with the next message's `sending`: one commit per message, a few statements "
        "each; one SMTP connection per batch of 100; the server is aiosmtpd on loopback in the benchmark's "
        "process. The machine is shared (load: the 1-minute load average during the run, on 2 cores): "
        "PostgreSQL's server competes for the CPU with the rest, so its figure moves with the load.\n\n"
        "| database | messages | time | rate | result | load | target |\n|---|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )


def _n(count: int) -> str:
    return f"{count:,}".replace(",", " ")


if __name__ == "__main__":
    print(run())
