"""The worker's side of sequences: the e-mail steps sent through the company's SMTP server, each exactly once.

A touch's way (the state lives in the database, docs/sequences.md « Sending »):

    scheduled ──claim──▶ claimed ──commit──▶ sending ──SMTP 250, commit──▶ done (sent)
                  (lease: claimed_at, renewed)      └─ 5xx on the recipient ─▶ done (bounced: an exit)
                                                    └─ 4xx, no connection ──▶ scheduled again, later
                                                                             (failed after N attempts)

A worker that starts (and every round of the loop) first gives back the claimed touches whose lease ran
out: never sent, so safe to send. A touch left in ``sending`` (a worker killed between that commit and the
server's 250) is sent again under the same Message-ID, which receivers collapse: the one window where a
contact may get a message twice, never one where a step is skipped.

Only e-mail touches due by the contact's local day, within the sending window (``engine.sending``) in the
plan's time zone, are claimed. A step without a template for the contact is not sent: it is skipped with
a reason (``REASONS``) that the results page shows."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from email.utils import formataddr, parseaddr
from typing import TypeVar, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend
from django.db import OperationalError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pac.engine import sending
from pac.engine.model import Channel
from pac.engine.sequence_templates import (
    Account,
    Contact,
    MailContext,
    MailTemplate,
    PlanInfo,
    Sender,
    TemplateRefused,
    render,
)
from pac.web.accounts.models import User
from pac.web.busy import is_busy
from pac.web.sequences import services
from pac.web.sequences.models import (
    RUNNING,
    EnrolmentStatus,
    OptOut,
    StepTemplate,
    Touch,
    TouchOutcome,
    TouchStatus,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
UNSUBSCRIBE_SALT = "pac.sequences.unsubscribe"

#: Why an e-mail touch was not sent (``Touch.reason``), as the results page words it.
NO_TEMPLATE = "no_template"
TEMPLATE_FAILED = "template_failed"
OPTED_OUT = "opted_out"
NO_EMAIL = "no_email"
STOPPED = "stopped"
SMTP_FAILED = "smtp_failed"
REASONS = {
    NO_TEMPLATE: gettext_noop("No e-mail template for this step and this contact's persona: not sent."),
    TEMPLATE_FAILED: gettext_noop("The template could not be written for this contact: not sent."),
    OPTED_OUT: gettext_noop("The contact opted out before the e-mail left: not sent."),
    NO_EMAIL: gettext_noop("The contact has no e-mail address: not sent."),
    STOPPED: gettext_noop("The contact left the sequence before the e-mail left: not sent."),
    SMTP_FAILED: gettext_noop("The SMTP server refused the e-mail at every attempt: not sent."),
}


# --- the unsubscribe link ------------------------------------------------------------------------


def unsubscribe_token(team_id: int, email: str) -> str:
    """The credential of a one-click unsubscribe link: the team and the address, signed with the secret
    key — the same link in every e-mail to that address, without expiry (a link in an old e-mail must work)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"t": team_id, "e": email.strip().lower()}, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """The team id and address a token names; None for anything not signed by us."""
    if len(token) > 500:
        return None
    try:
        found = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(found, dict) or not isinstance(found.get("t"), int) or not isinstance(found.get("e"), str):
        return None
    return found["t"], found["e"]


def unsubscribe_url(team_id: int, email: str) -> str:
    return settings.BASE_URL + reverse("unsubscribe", args=[unsubscribe_token(team_id, email)])


def message_id(touch_id: int) -> str:
    """The same for every SMTP transaction of one touch: a message sent again after a crash is collapsed
    by the receivers into the first."""
    return f"<pac-touch-{touch_id}@{urlsplit(settings.BASE_URL).hostname or 'localhost'}>"


# --- states: lease, recovery ---------------------------------------------------------------------


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.SEQUENCE_CLAIM_LEASE)


def recover(now: dt.datetime) -> int:
    """Give back the touches whose worker stopped renewing its lease: claimed ones (never sent) and
    sending ones (maybe sent: sent again with the same Message-ID) go back to scheduled — or, when the
    contact left the sequence meanwhile, are skipped. Returns how many went back."""
    expired = Touch.objects.filter(status__in=[TouchStatus.CLAIMED, TouchStatus.SENDING], claimed_at__lt=now - lease())
    back = expired.filter(enrolment__status__in=RUNNING).update(status=TouchStatus.SCHEDULED, claim="", claimed_at=None)
    expired.exclude(enrolment__status__in=RUNNING).update(status=TouchStatus.SKIPPED, reason=STOPPED, claim="")
    return back


def renew(token: str, now: dt.datetime) -> None:
    Touch.objects.filter(claim=token, status__in=[TouchStatus.CLAIMED, TouchStatus.SENDING]).update(claimed_at=now)


def claim(now: dt.datetime, limit: int, hours: tuple[int, int] | None = None) -> list[Touch]:
    """Claim up to ``limit`` e-mail touches that may leave at ``now``: due by the local day of their
    plan's time zone, that zone within the sending window, their retry time (if any) passed."""
    hours = hours or settings.SEQUENCE_SENDING_HOURS
    zones = (
        Touch.objects.filter(
            status=TouchStatus.SCHEDULED, channel=Channel.EMAIL.value, enrolment__status=EnrolmentStatus.ACTIVE
        )
        .values_list("enrolment__plan__timezone", flat=True)
        .distinct()
    )
    claimed: list[Touch] = []
    for zone in sorted(set(zones)):
        if len(claimed) >= limit or not sending.in_window(now, zone, hours):
            continue
        day = sending.local_now(now, zone).date()
        where = Q(enrolment__plan__timezone=zone) & (Q(retry_at__isnull=True) | Q(retry_at__lte=now))
        claimed += services.claim_due(day, limit - len(claimed), where=where)
    return claimed


# --- one message ---------------------------------------------------------------------------------


@dataclass
class Report:
    """What a run did: e-mails accepted by the server, bounced, skipped (with a reason), put back for a
    retry, failed for good, and claims lost to another worker (a lease that ran out)."""

    sent: int = 0
    bounced: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    lost: int = 0

    def add(self, other: Report) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _pick(templates: dict[tuple[int, int, str, str], StepTemplate], touch: Touch) -> StepTemplate | None:
    """The step's template for the contact's persona (else any persona's) and the enrolment's variant
    (else every variant's), persona first."""
    enrolment = touch.enrolment
    persona, variant = enrolment.contact.persona, enrolment.variant
    for p, v in ((persona, variant), (persona, ""), ("", variant), ("", "")):
        found = templates.get((enrolment.sequence_id, touch.step, p, v))
        if found is not None:
            return found
    return None


def _context(touch: Touch, owner: User | None, url: str) -> MailContext:
    enrolment = touch.enrolment
    contact, account = enrolment.contact, enrolment.account
    first, _sep, last = contact.name.strip().partition(" ")
    return MailContext(
        contact=Contact(first_name=first, last_name=last.strip(), title=contact.persona, email=contact.email),
        account=Account(name=account.name, segment=account.segment.name if account.segment else ""),
        sender=Sender(first_name=owner.first_name, last_name=owner.last_name) if owner else Sender(),
        plan=PlanInfo(name=enrolment.plan.name),
        unsubscribe_url=url,
    )


def compose(
    touch: Touch, template: StepTemplate, owner: User | None, language: str
) -> EmailMessage:  # raises TemplateRefused
    """The e-mail of one touch: the template rendered in the sandbox for the real contact, from the
    owner's address (else ``DEFAULT_FROM_EMAIL``), with its Message-ID, List-Unsubscribe (RFC 2369) and
    one-click unsubscribe (RFC 8058) headers, and the unsubscribe line at the end of the body."""
    enrolment = touch.enrolment
    url = unsubscribe_url(enrolment.plan.team_id, enrolment.contact.email)
    mail = render(MailTemplate(template.subject, template.body), _context(touch, owner, url))
    with translation.override(language):
        footer = _("To stop receiving these e-mails: %(url)s") % {"url": url}
    name = owner.get_full_name() if owner else ""
    if owner is not None and owner.email:
        sender = formataddr((name, owner.email)) if name else owner.email
    else:  # the team's address, under the rep's name when known
        sender = formataddr((name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])) if name else settings.DEFAULT_FROM_EMAIL
    return EmailMessage(
        mail.subject,
        f"{mail.body.rstrip()}\n\n-- \n{footer}\n",
        sender,
        [enrolment.contact.email],
        headers={
            "Message-ID": message_id(touch.pk),
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _skip(touch: Touch, token: str, reason: str) -> int:
    return Touch.objects.filter(pk=touch.pk, claim=token, status=TouchStatus.CLAIMED).update(
        status=TouchStatus.SKIPPED, reason=reason, done_at=timezone.now()
    )


class _Temporary(Exception):
    """The server could not take the message now (4xx, no connection): try again later."""


class _Permanent(Exception):
    """The server refused the recipient for good (5xx): a bounce."""


def _smtp_send(backend: EmailBackend, message: EmailMessage) -> None:
    """One SMTP transaction on the batch's connection; the failure classified."""
    try:
        if backend.connection is None:
            backend.open()  # kept open for the batch: send_messages reuses it (and leaves it open)
        if not backend.send_messages([message]):
            raise _Temporary("the SMTP connection could not be opened")
    except smtplib.SMTPRecipientsRefused as refused:
        code, answer = next(iter(refused.recipients.values()))
        text = f"{code} {answer.decode('utf-8', 'replace') if isinstance(answer, bytes) else answer}"
        raise (_Permanent if code >= 500 else _Temporary)(text) from None
    except smtplib.SMTPDataError as refused:  # one recipient per message: the server refused it for them
        raise (_Permanent if refused.smtp_code >= 500 else _Temporary)(_answer(refused)) from None
    except smtplib.SMTPResponseException as error:  # the sender refused, a 421…: not the contact's doing
        raise _Temporary(_answer(error)) from None
    except (smtplib.SMTPException, OSError) as error:
        raise _Temporary(str(error) or type(error).__name__) from None


def _answer(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
    return f"{error.smtp_code} {text}"


def _put_back(touch: Touch, token: str, error: str, now: dt.datetime) -> Report:
    """After a temporary failure: scheduled again after a growing delay, or failed after the last attempt."""
    attempts = Touch.objects.filter(pk=touch.pk).values_list("attempts", flat=True).first() or 1
    mine = Touch.objects.filter(pk=touch.pk, claim=token, status=TouchStatus.SENDING)
    if attempts >= settings.SEQUENCE_SEND_ATTEMPTS:
        mine.update(status=TouchStatus.FAILED, reason=SMTP_FAILED, error=error[:300], done_at=now)
        logger.warning("e-mail of touch %s failed after %s attempts: %s", touch.pk, attempts, error)
        return Report(failed=1)
    delay = sending.retry_delay(attempts, base=settings.SEQUENCE_RETRY_SECONDS)
    mine.update(status=TouchStatus.SCHEDULED, claim="", claimed_at=None, retry_at=now + delay, error=error[:300])
    return Report(retried=1)


def send_batch(touches: list[Touch], language: str, clock: Callable[[], dt.datetime] = timezone.now) -> Report:
    """Send a claimed batch over one SMTP connection, message by message: ``sending`` committed before
    each SMTP transaction, ``done`` after the server's 250 — in the same commit as the next message's
    ``sending`` (one commit per message), or on its own after the batch's last. The lease is renewed as it
    goes."""
    if not touches:
        return Report()
    batch = _Batch(touches, language, clock)
    try:
        for touch in touches:
            batch.send(touch)
    finally:
        try:
            batch.commit(lambda: None)  # what the server took is recorded even when the batch stops early
        finally:
            batch.backend.close()
    return batch.report


class _Batch:
    def __init__(self, touches: list[Touch], language: str, clock: Callable[[], dt.datetime]) -> None:
        self.token, self.language, self.clock = touches[0].claim, language, clock
        sequences = {t.enrolment.sequence_id for t in touches}
        self.templates = {
            (s.sequence_id, s.step, s.persona, s.variant): s
            for s in StepTemplate.objects.filter(sequence__in=sequences)
        }
        self.owners = {u.username: u for u in User.objects.filter(username__in={t.enrolment.owner for t in touches})}
        addresses = {t.enrolment.contact.email.strip().lower() for t in touches}
        teams = {t.enrolment.plan.team_id for t in touches}
        self.opted = set(OptOut.objects.filter(team__in=teams, email__in=addresses).values_list("team_id", "email"))
        self.backend = cast(EmailBackend, get_connection(SMTP_BACKEND, fail_silently=False))
        self.report = Report()
        self.taken: list[Touch] = []  # the server said 250, not yet recorded
        self.renewed = time.monotonic()

    def commit(self, work: Callable[[], T]) -> T:
        """``work`` in one transaction with the record of the messages the server took since the last
        commit; a busy database waited out."""

        def both() -> T:
            with transaction.atomic():
                recorded = services.touches_sent([t.pk for t in self.taken])
                if recorded != len(self.taken):  # a lease ran out: its new worker sends it again, same id
                    logger.warning("%s sent e-mail(s) no longer this worker's", len(self.taken) - recorded)
                return work()

        result = _patiently(both)
        self.taken.clear()
        return result

    def send(self, touch: Touch) -> None:
        if time.monotonic() - self.renewed > settings.SEQUENCE_CLAIM_LEASE / 4:
            self.commit(lambda: renew(self.token, self.clock()))
            self.renewed = time.monotonic()
        enrolment = touch.enrolment
        address = enrolment.contact.email.strip().lower()
        template = _pick(self.templates, touch)
        reason = (
            NO_EMAIL
            if not address
            else OPTED_OUT
            if (enrolment.plan.team_id, address) in self.opted
            else NO_TEMPLATE
            if template is None
            else ""
        )
        message = None
        if template is not None and not reason:
            try:
                message = compose(touch, template, self.owners.get(enrolment.owner), self.language)
            except TemplateRefused as refused:
                logger.warning("template of touch %s not rendered: %s", touch.pk, refused)
                reason = TEMPLATE_FAILED
        if reason or message is None:
            self.report.skipped += self.commit(lambda: _skip(touch, self.token, reason))
            return
        # committed before the SMTP transaction: from here on, a crash means « maybe sent »
        began = self.commit(lambda: _begin(touch, self.token, self.clock()))
        if not began:
            self.report.add(self.commit(lambda: self._not_begun(touch)))
            return
        try:
            _smtp_send(self.backend, message)
        except _Permanent as bounce:
            why = str(bounce)[:300]
            self.commit(lambda: _bounce(touch, why))
            self.report.bounced += 1
            return
        except _Temporary as error:
            self.backend.close()  # the next message opens a fresh connection
            why = str(error)
            self.report.add(self.commit(lambda: _put_back(touch, self.token, why, self.clock())))
            return
        self.taken.append(touch)  # recorded with the next commit, before the next SMTP transaction
        self.report.sent += 1

    def _not_begun(self, touch: Touch) -> Report:
        """Why ``_begin`` found nothing to do: the contact left the sequence since the claim (skipped), the
        sequence or the person was paused (back to scheduled: it waits for the resume), or the lease ran
        out and another worker has the touch (lost: theirs now)."""
        mine = Touch.objects.filter(pk=touch.pk, claim=self.token, status=TouchStatus.CLAIMED)
        status = mine.values_list("enrolment__status", flat=True).first()
        if status is None:
            return Report(lost=1)
        if status in RUNNING:
            mine.update(status=TouchStatus.SCHEDULED, claim="", claimed_at=None)
            return Report()
        return Report(skipped=_skip(touch, self.token, STOPPED))


def _begin(touch: Touch, token: str, now: dt.datetime) -> int:
    """``sending``, if the touch is still this run's and its contact still in a running, unpaused sequence."""
    return Touch.objects.filter(
        pk=touch.pk,
        claim=token,
        status=TouchStatus.CLAIMED,
        enrolment__status=EnrolmentStatus.ACTIVE,
        enrolment__sequence__paused=False,
    ).update(status=TouchStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now)


def _bounce(touch: Touch, error: str) -> None:
    """The server refused the recipient for good: done, « bounced » (the bounce exit stops the enrolment)."""
    Touch.objects.filter(pk=touch.pk).update(error=error)
    try:
        services.touch_done(touch, TouchOutcome.BOUNCED)
    except ValidationError:  # no longer ours (a lease ran out): its new worker meets the same refusal
        logger.warning("touch %s bounced but is no longer this worker's", touch.pk)


#: How long the record of a message the server took waits for a busy database (seconds).
BUSY_PATIENCE = 120.0


def _patiently(step: Callable[[], T]) -> T:
    """``step()`` tried again while the database is busy: what the server took must be recorded, or the
    message would be sent again once its lease runs out."""
    began = time.monotonic()
    while True:
        try:
            return step()
        except OperationalError as error:
            if not is_busy(error) or time.monotonic() - began > BUSY_PATIENCE:
                raise
            close_old_connections()
            time.sleep(0.2)


# --- the loop --------------------------------------------------------------------------------------


def configured() -> bool:
    """Sequences send only through a configured SMTP server (``PAC_SMTP_HOST``)."""
    return bool(settings.EMAIL_HOST)


def run_sender(
    stop: threading.Event,
    *,
    language: str | None = None,
    once: bool = False,
    on_batch: Callable[[Report], None] | None = None,
) -> Report:
    """Send the due e-mails until ``stop`` is set, looking again every ``SEQUENCE_SEND_INTERVAL`` seconds
    when none is left (``once``: until none may leave now). A busy database is waited out, and no error
    of a mail or of the database ends the loop (it is logged, and the loop goes on)."""
    language = language or settings.LANGUAGE_CODE
    total = Report()
    while not stop.is_set():
        try:
            now = timezone.now()
            recover(now)
            batch = claim(now, settings.SEQUENCE_SEND_BATCH)
            if not batch:
                if once:
                    break
                stop.wait(settings.SEQUENCE_SEND_INTERVAL)
                continue
            done = send_batch(batch, language)
            total.add(done)
            if on_batch is not None:
                on_batch(done)
        except OperationalError as error:
            if not is_busy(error):
                logger.exception("sequences' sending: database error")
                if once:
                    raise
            close_old_connections()  # a lost connection is opened again at the next round
            stop.wait(1.0)
        except Exception:  # a worker that stops sending silently is worse than a logged error
            logger.exception("sequences' sending: unexpected error, going on")
            if once:
                raise
            stop.wait(settings.SEQUENCE_SEND_INTERVAL)
    return total


def start_sending(stop: threading.Event, language: str | None = None) -> threading.Thread | None:
    """The sending loop in its own thread (its own database connection), beside django-tasks' worker;
    None when no SMTP server is configured."""
    if not configured():
        logger.info("sequences' e-mails are not sent: PAC_SMTP_HOST is not set")
        return None

    def loop() -> None:
        try:
            run_sender(stop, language=language)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=loop, name="pac-sequences-sender", daemon=True)
    thread.start()
    return thread
