"""The worker sends the sequences' e-mails to a real SMTP server on loopback (aiosmtpd): the headers
(Message-ID per touch, List-Unsubscribe, one-click), the body written for each persona and variant, the
unsubscribe link followed (GET shows, POST unsubscribes everywhere), bounces, temporary failures, the
sending window in the plan's time zone and the leases of a dead worker.

The same with real processes, killed mid-batch: tests/cli/test_sequence_send_faults.py."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from pac.web.sequences import sender, services
from pac.web.sequences.models import Enrolment, EnrolmentStatus, OptOut, Touch, TouchStatus

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 2)  # a Monday: every e-mail of these enrolments is long due
BASE = "https://pac.example.com"


class Inbox:
    """Receives every message; refuses the recipients of ``refuse`` with their answer (« 550 … »)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Any]] = []
        self.refuse: dict[str, str] = {}
        self.peers: set[Any] = set()  # the client's address and port: one per SMTP connection

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, message_from_bytes(envelope.content)))
        self.peers.add(session.peer)
        return "250 OK"

    def to(self, address: str) -> list[Any]:
        return [mail for _from, rcpt, mail in self.messages if rcpt == [address]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def delivery_settings(settings: Any) -> Any:
    settings.BASE_URL = BASE
    settings.SEQUENCE_SENDING_HOURS = (0, 24)  # whatever the hour the test runs at
    settings.SEQUENCE_SEND_ATTEMPTS = 2
    settings.LANGUAGE_CODE = "fr"
    return settings


@pytest.fixture
def smtp(delivery_settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    delivery_settings.EMAIL_HOST, delivery_settings.EMAIL_PORT = "127.0.0.1", controller.port
    try:
        yield inbox
    finally:
        controller.stop()


PEOPLE = [  # code, name, persona, e-mail, account owner
    ("c0", "Camille Durand", "DAF", "camille@acme.fr", ""),
    ("c1", "Louis Martin", "DAF", "louis@globex.fr", ""),
    ("c2", "Inès Petit", "DSI", "ines@initech.fr", "teammate"),
    ("c3", "Hugo Leroy", "CEO", "hugo@umbrella.fr", ""),
]
TEMPLATES = [
    {"step": 1, "persona": "DAF", "variant": "A", "subject": "{{ contact.first_name }}, vos clôtures",
     "body": "Bonjour {{ contact.first_name }},\nDAF version A pour {{ account.name }}.\n{{ sender.first_name }}"},
    {"step": 1, "persona": "DAF", "variant": "B", "subject": "{{ contact.first_name }}, une question",
     "body": "Bonjour {{ contact.first_name }},\nDAF version B pour {{ account.name }}.\n{{ sender.first_name }}"},
    {"step": 1, "persona": "DSI", "subject": "Votre SI, {{ contact.last_name }}",
     "body": "Bonjour {{ contact.first_name }} {{ contact.last_name }},\nDSI pour {{ account.name }}."},
]  # fmt: skip


@pytest.fixture
def mailing(owner: Any, teammate: Any, team: Any) -> Any:
    """A plan (Paris time) with four contacts: two DAF (variants A and B have their own e-mail), a DSI
    whose account the teammate owns, a CEO for whom no template exists; an e-mail then a call."""
    from pac.web.plans.models import Account, Contact, Plan

    owner.first_name, owner.last_name, owner.email = "Olivia", "Martin", "olivia@vendeur.fr"
    owner.save()
    plan = Plan.objects.create(
        team=team, owner=owner, name="PAC 2026", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
    )
    for code, name, persona, email, rep in PEOPLE:
        account = Account.objects.create(plan=plan, code=f"a-{code}", name=f"Société {code}", owner=rep)
        Contact.objects.create(account=account, code=code, name=name, persona=persona, email=email)
    cadence = services.sequence_save(
        owner,
        plan,
        code="icp",
        name="ICP",
        steps=[{"offset": 0, "channel": "email"}, {"offset": 3, "channel": "phone"}],
        templates=TEMPLATES,
        variants=[{"id": "A", "split": 0.5}, {"id": "B", "split": 0.5}],
    )
    services.enrol(owner, plan, cadence, accounts=[f"a-{p[0]}" for p in PEOPLE], start=START, today=START)
    return plan


def _run() -> sender.Report:
    return sender.run_sender(threading.Event(), once=True)


def _body(mail: Any) -> str:
    return str(mail.get_payload(decode=True).decode("utf-8")).replace("\r\n", "\n")


def _subject(mail: Any) -> str:
    return str(make_header(decode_header(mail["Subject"])))


def _link(mail: Any) -> str:
    """The List-Unsubscribe URL (the header may be folded: it is long)."""
    value = " ".join(str(mail["List-Unsubscribe"]).split())
    assert value.startswith("<") and value.endswith(">"), value
    return value[1:-1]


def _touch(code: str, step: int = 1) -> Touch:
    return Touch.objects.select_related("enrolment").get(enrolment__contact__code=code, step=step)


def test_each_contact_gets_their_personas_and_variants_email_with_the_unsubscribe_headers(
    mailing: Any, smtp: Inbox, team: Any, settings: Any
) -> None:
    report = _run()

    assert (report.sent, report.skipped, report.bounced) == (3, 1, 0)
    assert len(smtp.peers) == 1  # one SMTP connection for the batch
    for code, name, persona, email, _rep in PEOPLE[:3]:
        (mail,) = smtp.to(email)
        touch = _touch(code)
        assert mail["To"] == email
        assert mail["Message-ID"] == f"<pac-touch-{touch.pk}@pac.example.com>"
        link = _link(mail)
        assert link.startswith(f"{BASE}/u/") and link.endswith("/")
        assert sender.read_unsubscribe_token(urlsplit(link).path.split("/")[2]) == (team.pk, email)
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        body = _body(mail)
        first, last = name.split()
        if persona == "DAF":
            variant = touch.enrolment.variant
            assert f"Bonjour {first},\nDAF version {variant} pour Société {code}.\nOlivia" in body
            assert _subject(mail) == f"{first}, {'vos clôtures' if variant == 'A' else 'une question'}"
            assert mail["From"] == "Olivia Martin <olivia@vendeur.fr>"  # the account's rep: the plan's owner
        else:
            assert f"Bonjour {first} {last},\nDSI pour Société {code}." in body
            assert _subject(mail) == f"Votre SI, {last}"
            assert mail["From"] == settings.DEFAULT_FROM_EMAIL  # the teammate has no address of their own
        with translation.override("fr"):  # the worker's language: French by default
            footer = gettext("To stop receiving these e-mails: %(url)s") % {"url": link}
        assert body.rstrip().endswith(f"-- \n{footer}")
        assert (touch.status, touch.outcome, touch.attempts) == (TouchStatus.DONE, "sent", 1)
    assert {t.enrolment.variant for t in Touch.objects.filter(enrolment__contact__persona="DAF")} <= {"A", "B"}

    ceo = _touch("c3")  # no template for a CEO, and none for any persona: not sent, and why
    assert (ceo.status, ceo.reason, smtp.to("hugo@umbrella.fr")) == (TouchStatus.SKIPPED, sender.NO_TEMPLATE, [])
    assert sender.REASONS[ceo.reason]
    assert _run().sent == 0 and len(smtp.messages) == 3  # nothing is sent twice
    assert _touch("c0", 2).status == TouchStatus.SCHEDULED  # the call stays the rep's


def test_following_the_link_shows_a_page_then_the_post_opts_out_everywhere(
    mailing: Any, smtp: Inbox, owner: Any, team: Any
) -> None:
    from pac.web.plans.models import Account, Contact, Plan

    other = Plan.objects.create(team=team, owner=owner, name="Autre plan", start=START, end=dt.date(2026, 12, 31))
    account = Account.objects.create(plan=other, code="x", name="Acme bis")
    Contact.objects.create(account=account, code="x0", name="Camille Durand", email="Camille@ACME.fr")
    second = services.sequence_save(owner, other, code="y", name="Y", steps=[{"offset": 5, "channel": "phone"}])
    services.enrol(owner, other, second, accounts=["x"], start=START, today=START)
    _run()
    (mail,) = smtp.to("camille@acme.fr")
    path = urlsplit(_link(mail)).path
    visitor = Client(enforce_csrf_checks=True)  # no session, no CSRF token: as from a mail reader

    shown = visitor.get(path)  # a scanner following the link unsubscribes nobody
    assert shown.status_code == 200 and b'data-testid="unsubscribe-confirm"' in shown.content
    assert not OptOut.objects.exists()
    assert Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE).count() == 5

    done = visitor.post(path)
    assert done.status_code == 200 and b'data-testid="unsubscribed"' in done.content
    opt_out = OptOut.objects.get()
    assert (opt_out.email, opt_out.source, opt_out.team) == ("camille@acme.fr", "link", team)
    gone = Enrolment.objects.filter(contact__email__iexact="camille@acme.fr")
    assert {(e.status, e.stop_reason) for e in gone} == {(EnrolmentStatus.STOPPED, "opt_out")}
    assert gone.count() == 2  # in both plans of the team
    assert Touch.objects.filter(enrolment__in=gone, status=TouchStatus.SCHEDULED).count() == 0
    assert Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE).count() == 3
    assert visitor.post(path).status_code == 200  # twice: still unsubscribed, nothing else


def test_the_mail_clients_one_click_post_unsubscribes_and_a_forged_link_is_a_404(
    mailing: Any, smtp: Inbox, team: Any
) -> None:
    _run()
    (mail,) = smtp.to("louis@globex.fr")
    path = urlsplit(_link(mail)).path
    visitor = Client(enforce_csrf_checks=True)

    one_click = visitor.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    assert one_click.status_code == 200
    assert OptOut.objects.get().email == "louis@globex.fr"
    assert Enrolment.objects.get(contact__code="c1").status == EnrolmentStatus.STOPPED
    forged = sender.unsubscribe_token(team.pk, "ines@initech.fr")[:-3] + "abc"
    for bad in (f"/u/{forged}/", "/u/nothing/", f"/u/{'x' * 600}/", "/u/e30:abc/"):
        assert visitor.get(bad).status_code == 404 and visitor.post(bad).status_code == 404
    assert OptOut.objects.count() == 1


def test_a_permanent_refusal_is_a_bounce_that_stops_the_enrolment_and_a_temporary_one_is_retried(
    mailing: Any, smtp: Inbox, delivery_settings: Any
) -> None:
    smtp.refuse = {"louis@globex.fr": "550 5.1.1 No such user", "ines@initech.fr": "451 4.3.0 Try again later"}

    report = _run()

    assert (report.sent, report.bounced, report.retried, report.skipped) == (1, 1, 1, 1)
    bounced = _touch("c1")
    assert (bounced.status, bounced.outcome) == (TouchStatus.DONE, "bounced") and "550" in bounced.error
    enrolment = Enrolment.objects.get(contact__code="c1")
    assert (enrolment.status, enrolment.stop_reason) == (EnrolmentStatus.STOPPED, "bounce")
    assert _touch("c1", 2).status == TouchStatus.SKIPPED  # the call is off too
    later = _touch("c2")
    assert (later.status, later.attempts, later.claim) == (TouchStatus.SCHEDULED, 1, "")
    assert later.retry_at > timezone.now() and "451" in later.error
    assert _run().sent == 0  # not before its time

    Touch.objects.filter(pk=later.pk).update(retry_at=timezone.now())
    assert _run().failed == 1  # the second attempt is the last (SEQUENCE_SEND_ATTEMPTS = 2 here)
    failed = _touch("c2")
    assert (failed.status, failed.reason, failed.attempts) == (TouchStatus.FAILED, sender.SMTP_FAILED, 2)
    assert Enrolment.objects.get(contact__code="c2").status == EnrolmentStatus.ACTIVE  # not the contact's doing
    assert smtp.to("ines@initech.fr") == []


def test_no_smtp_server_answering_puts_the_emails_back_and_the_loop_goes_on(
    mailing: Any, delivery_settings: Any
) -> None:
    delivery_settings.EMAIL_HOST, delivery_settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nobody listens

    report = _run()

    assert (report.sent, report.retried) == (0, 3)
    assert set(Touch.objects.filter(step=1).values_list("status", flat=True)) == {
        TouchStatus.SCHEDULED,
        TouchStatus.SKIPPED,  # the CEO's, which has no template
    }


def test_emails_leave_only_within_the_window_in_the_plans_time_zone(mailing: Any, delivery_settings: Any) -> None:
    from pac.web.plans.models import Plan

    early = dt.datetime(2026, 12, 2, 6, 30, tzinfo=dt.UTC)  # 7:30 in Paris, 1:30 in New York

    assert sender.claim(early, 100, (8, 18)) == []
    assert len(sender.claim(early + dt.timedelta(hours=1), 100, (8, 18))) == 4  # 8:30 in Paris
    Touch.objects.update(status=TouchStatus.SCHEDULED, claim="")
    Plan.objects.update(timezone="America/New_York")
    assert sender.claim(early + dt.timedelta(hours=1), 100, (8, 18)) == []  # 2:30 in New York
    assert len(sender.claim(early + dt.timedelta(hours=7), 100, (8, 18))) == 4  # 8:30 in New York


def test_a_dead_workers_claims_come_back_after_the_lease_and_a_sending_one_keeps_its_message_id(
    mailing: Any, smtp: Inbox, delivery_settings: Any
) -> None:
    delivery_settings.SEQUENCE_CLAIM_LEASE = 60
    now = timezone.now()
    claimed = sender.claim(now, 100)
    assert len(claimed) == 4  # the CEO's too: found to have no template only when its turn comes
    crashed = claimed[0]  # as if killed between the commit of `sending` and the server's 250
    Touch.objects.filter(pk=crashed.pk).update(status=TouchStatus.SENDING, attempts=1)

    assert sender.recover(now + dt.timedelta(seconds=30)) == 0  # the lease still runs: nobody takes them
    assert _run().sent == 0
    Touch.objects.filter(step=1).update(claimed_at=now - dt.timedelta(seconds=61))

    report = _run()  # a new worker gives them back, then sends them

    assert report.sent == 3
    again = Touch.objects.get(pk=crashed.pk)
    ids = [m["Message-ID"] for _f, _r, m in smtp.messages]
    assert ids.count(f"<pac-touch-{crashed.pk}@pac.example.com>") == 1 and len(set(ids)) == 3  # its one and only id
    assert (again.status, again.outcome, again.attempts) == (TouchStatus.DONE, "sent", 2)


def test_a_contact_who_opts_out_after_the_claim_is_not_written_to(mailing: Any, smtp: Inbox, team: Any) -> None:
    claimed = sender.claim(timezone.now(), 100)
    services.opt_out(team, "camille@acme.fr", "manual")

    report = sender.send_batch(claimed, "fr")

    assert (report.sent, report.skipped) == (2, 2)  # and the CEO's: no template
    assert smtp.to("camille@acme.fr") == []
    assert _touch("c0").reason == sender.OPTED_OUT


def test_the_worker_command_runs_the_sending_loop_only_with_an_smtp_server(settings: Any) -> None:
    settings.EMAIL_HOST = ""
    assert sender.start_sending(threading.Event()) is None


def test_pac_sequences_send_once_sends_what_is_due_and_says_so(mailing: Any, smtp: Inbox) -> None:
    import json

    from typer.testing import CliRunner

    from pac.cli import app

    result = CliRunner().invoke(app, ["sequences-send", "--once", "--json"], env={"PAC_LANG": "fr"})

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"sent": 3, "bounced": 0, "skipped": 1, "retried": 0, "failed": 0, "lost": 0}
    assert len(smtp.messages) == 3
    again = CliRunner().invoke(app, ["sequences-send", "--once"], env={"PAC_LANG": "en"})
    assert again.exit_code == 0 and again.stdout.startswith("0 sent, 0 bounced, 0 not sent")


def test_pac_sequences_send_without_an_smtp_server_says_what_to_set(settings: Any) -> None:
    from typer.testing import CliRunner

    from pac.cli import app

    settings.EMAIL_HOST = ""
    result = CliRunner().invoke(app, ["sequences-send", "--once"], env={"PAC_LANG": "en"})

    assert result.exit_code == 2 and "PAC_SMTP_HOST" in result.stderr


def test_a_sequence_paused_after_the_claim_keeps_its_emails_for_the_resume(
    mailing: Any, smtp: Inbox, owner: Any
) -> None:
    from pac.web.sequences.models import SequenceTemplate

    claimed = sender.claim(timezone.now(), 100)
    cadence = SequenceTemplate.objects.get()
    services.pause(owner, sequence=cadence)

    report = sender.send_batch(claimed, "fr")

    assert (report.sent, smtp.messages) == (0, [])
    assert Touch.objects.filter(step=1, status=TouchStatus.SCHEDULED, claim="").count() == 3  # the CEO's: skipped
    services.resume(owner, sequence=SequenceTemplate.objects.get(), today=START)
    assert _run().sent == 3


def test_a_worker_whose_lease_ran_out_leaves_the_emails_to_the_one_that_took_them(
    mailing: Any, smtp: Inbox, delivery_settings: Any
) -> None:
    delivery_settings.SEQUENCE_CLAIM_LEASE = 60
    now = timezone.now()
    slow = sender.claim(now, 100)  # a worker that then stalls past its lease
    sender.recover(now + dt.timedelta(seconds=61))
    fast = sender.claim(now + dt.timedelta(seconds=61), 100)
    assert {t.pk for t in fast} == {t.pk for t in slow}

    late = sender.send_batch(slow, "fr")
    done = sender.send_batch(fast, "fr")

    assert (late.sent, late.lost, late.skipped) == (0, 3, 0)  # the CEO's skip is not its to write either
    assert (done.sent, done.skipped) == (3, 1)
    assert len(smtp.messages) == 3  # each once, by the worker that held the claim
