"""Each e-mail step sent exactly once, with real processes: `pac worker` sends a sequence's 300 due e-mails
to a real (a bit slow) SMTP server on loopback, is killed with SIGKILL mid-batch, then restarted beside a
second worker until nothing is due. At the server: every touch arrived, under its own Message-ID, and at most
the one message that was in `sending` when the worker died arrived twice (sent again under the same
Message-ID, which receivers collapse).

SQLite file and, when the suite runs on PostgreSQL, a fresh PostgreSQL database (``folder`` of
``test_import_faults``)."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from .test_import_faults import Folder, _free_port, folder  # noqa: F401 (the fixture)

DRIVER = Path(__file__).with_name("sequence_send_faults.py")
CONTACTS = 300
#: Seconds a claim lasts here without renewal: the killed worker's touches come back after it.
LEASE = 4


class SlowInbox:
    """An SMTP server that takes ``delay`` seconds per message and keeps each one's Message-ID."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        self.ids.append(str(message_from_bytes(envelope.content)["Message-ID"]))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[SlowInbox, int]]:
    handler = SlowInbox(0.01)
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def _drive(folder: Folder, *args: object) -> dict[str, Any]:  # noqa: F811
    done = subprocess.run(
        [sys.executable, str(DRIVER), *map(str, args)], env=folder.env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_a_worker_killed_mid_batch_and_two_workers_after_it_send_each_step_once(
    folder: Folder,  # noqa: F811
    inbox: tuple[SlowInbox, int],
) -> None:
    server, port = inbox
    folder.env |= {
        "PAC_SMTP_HOST": "127.0.0.1",
        "PAC_SMTP_PORT": str(port),
        "PAC_BASE_URL": "https://pac.example.com",
        "PAC_SEQUENCE_SENDING_HOURS": "0-24",  # whatever the hour the test runs at
        "PAC_SEQUENCE_CLAIM_LEASE": str(LEASE),
        "PAC_SEQUENCE_SEND_INTERVAL": "0.2",
        "PAC_SEQUENCE_SEND_BATCH": "25",
        "PAC_SEQUENCE_DAILY_CAPACITY": "1000",  # every touch on the enrolment's day: all due today
    }
    assert _drive(folder, "enrol", folder.ids["plan"], CONTACTS)["enrolled"] == CONTACTS
    ids = _drive(folder, "state")["ids"]
    assert len(ids) == CONTACTS

    first = folder.start("worker", name="worker")
    began = time.monotonic()
    while len(server.ids) < 60:  # mid-batch: some messages arrived, most not yet
        assert time.monotonic() - began < 120 and first.poll() is None, folder.log("worker")
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait()
    at_kill = len(server.ids)
    assert at_kill < CONTACTS
    killed = _drive(folder, "state")["statuses"]
    assert killed.get("claimed", 0) + killed.get("sending", 0) > 0, killed  # it died holding claims

    workers = [folder.start("worker", name="worker2"), folder.start("worker", name="worker3")]
    while (found := _drive(folder, "state"))["statuses"] != {"done": CONTACTS}:
        assert time.monotonic() - began < 240, (found["statuses"], folder.log("worker2"), folder.log("worker3"))
        assert all(w.poll() is None for w in workers), folder.log("worker2") + folder.log("worker3")
        time.sleep(0.3)
    for worker in workers:  # they stop on SIGTERM, as `pac serve` stops its worker
        worker.send_signal(signal.SIGTERM)
    assert [w.wait(timeout=30) for w in workers] == [0, 0], folder.log("worker2")

    assert found["outcomes"] == {"sent": CONTACTS}
    assert found["enrolments"] == {"finished": CONTACTS}  # their one step done
    received = Counter(server.ids)
    assert set(received) == {f"<pac-touch-{pk}@pac.example.com>" for pk in ids}  # every step, and only those
    twice = sum(n - 1 for n in received.values())
    print(f"{folder.backend}: killed after {at_kill} messages, {killed}; received twice: {twice}")
    assert twice <= 1, received.most_common(3)  # at most the one in `sending` when the worker was killed
    assert len(server.ids) == CONTACTS + twice
