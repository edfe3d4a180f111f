"""Alerts outside the page: the digest reaches a real SMTP server, the webhook a real HTTP server (both on
loopback), each situation is posted once, and an alert set aside (seen or snoozed) stays out."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from pac.cli import app

from .conftest import login
from .test_cockpit_home import under_way  # noqa: F401 (the fixture: a plan under way with stalled deals)

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/pac-alerts", received
    finally:
        server.shutdown()


def _channel(client: Any, plan: Any, emails: str, hook: str) -> Any:
    return client.post(reverse("cockpit:alert_channel", args=[plan.pk]), {"emails": emails, "webhook": hook})


def test_the_digest_and_the_webhook_are_delivered_and_each_situation_posted_once(
    under_way: Any,  # noqa: F811
    owner: Any,
    smtp: Inbox,
    webhook: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = webhook
    _channel(login(owner), under_way, "claire@example.com\nmarc@example.com", url)

    result = CliRunner().invoke(app, ["alerts", "send", "--json"], env={"PAC_LANG": "fr"})
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["emailed"] == 2 and report["posted"] == report["alerts"] > 0 and not report["error"]

    ((recipients, mail),) = smtp.messages
    assert sorted(recipients) == ["claire@example.com", "marc@example.com"]
    assert under_way.name in str(make_header(decode_header(mail["Subject"])))
    body = mail.get_payload(decode=True).decode("utf-8")
    assert "o2" in body and "o1" in body  # both stalled deals, in French
    (document,) = received
    stalled = {a["subject"].get("deal") for a in document["alerts"] if a["code"].startswith("deal_stalled")}
    assert stalled >= {"o1", "o2"}
    assert all(a["key"] and a["message"] for a in document["alerts"])

    again = CliRunner().invoke(app, ["alerts", "send", "--json"], env={"PAC_LANG": "fr"})
    assert json.loads(again.stdout)[0]["posted"] == 0 and len(received) == 1  # nothing new: not posted again
    assert len(smtp.messages) == 2  # the digest, though, lists them every time


def test_an_alert_seen_or_snoozed_stays_out_of_the_page_and_the_digest(
    under_way: Any,  # noqa: F811
    owner: Any,
) -> None:
    from pac.web.cockpit.delivery import plan_alerts

    today = timezone.localdate()
    alerts = plan_alerts(under_way, today)
    stalled = [a for a in alerts if a.code.startswith("deal_stalled")]
    assert len(stalled) >= 2
    client = login(owner)
    client.post(reverse("cockpit:alert_aside", args=[under_way.pk]), {"key": stalled[0].key})
    client.post(reverse("cockpit:alert_aside", args=[under_way.pk]), {"key": stalled[1].key, "days": "7"})

    keys = {a.key for a in plan_alerts(under_way, today)}
    assert stalled[0].key not in keys and stalled[1].key not in keys
    assert stalled[1].key in {a.key for a in plan_alerts(under_way, today + dt.timedelta(days=7))}  # snooze over
    assert stalled[0].key not in {a.key for a in plan_alerts(under_way, today + dt.timedelta(days=7))}
    page = client.get(reverse("cockpit:home")).content.decode()
    assert "2 alertes mises de côté" in page


def test_the_delivery_refuses_a_bad_address_and_only_the_manager_sets_it(
    under_way: Any,  # noqa: F811
    owner: Any,
    teammate: Any,
) -> None:
    from pac.web.cockpit.models import AlertChannel

    client = login(owner)
    response = _channel(client, under_way, "claire@example.com\npas-une-adresse", "")
    assert (
        "« pas-une-adresse » n'est pas une adresse e-mail."
        in response.wsgi_request._messages._queued_messages[0].message
    )
    assert not AlertChannel.objects.exists()  # nothing saved
    _channel(client, under_way, "", "file:///etc/passwd")
    assert not AlertChannel.objects.exists()
    assert _channel(login(teammate), under_way, "x@example.com", "").status_code == 403
    assert (
        client.post(reverse("cockpit:alert_aside", args=[under_way.pk]), {"key": "x", "days": "400"}).status_code == 302
    )
    from pac.web.cockpit.models import AlertState

    assert not AlertState.objects.exists()  # a snooze beyond 90 days is refused


def test_the_manager_sets_the_plans_alert_thresholds_and_the_alerts_follow(
    under_way: Any,  # noqa: F811
    owner: Any,
    teammate: Any,
) -> None:
    from pac.web.cockpit.delivery import plan_alerts
    from pac.web.plans import adapters

    today = timezone.localdate()
    assert {a.code for a in plan_alerts(under_way, today)} & {"deal_stalled", "deal_stalled_age"}
    url = reverse("cockpit:alert_thresholds", args=[under_way.pk])
    # a deal is stalled at 20 × its stage's median: o1 (200 days) and o2 (400 days) at 30 days no longer are
    fields = {"version": under_way.version, "stalled_factor": "20", "min_probability": "40 %", "slip_days": ""}
    assert login(teammate).post(url, fields).status_code == 403
    login(owner).post(url, fields)
    under_way.refresh_from_db()
    thresholds = adapters.to_engine(under_way).alerts
    assert thresholds.stalled_factor == 20 and str(thresholds.min_probability) == "0.4"
    assert not {a.code for a in plan_alerts(under_way, today)} & {"deal_stalled", "deal_stalled_age"}
    before = dict(under_way.alert_thresholds)
    login(owner).post(url, {"version": under_way.version, "stalled_factor": "-3"})  # out of bounds: nothing saved
    under_way.refresh_from_db()
    assert under_way.alert_thresholds == before
