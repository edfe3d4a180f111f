"""Alerts outside the page: a plan's e-mail digest (SMTP) and its webhook (a JSON POST).

The alerts are the cockpit's, team-wide, less the ones acknowledged or snoozed. The digest lists them
all, the most severe first; the webhook hears only of situations it has not heard of (by key), so a
stalled deal is announced once, not every morning. A failed delivery is recorded on the channel and
never stops the other one, nor the next plan."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from pac.engine.alerts import Alert
from pac.engine.analysis import analyse
from pac.web.cockpit.models import AlertChannel
from pac.web.cockpit.outlook import plan_forecast
from pac.web.cockpit.overview import overview
from pac.web.cockpit.services import open_alerts
from pac.web.cockpit.steering import steer
from pac.web.crm.kpi_tables import team_tables
from pac.web.language import formatter
from pac.web.plans import adapters
from pac.web.plans.models import Plan

#: A webhook's answer is read this far at most (we only need its status).
ANSWER_BYTES = 1024
#: Keys remembered per channel (the oldest are forgotten first).
MAX_SENT_KEYS = 20_000


@dataclass(frozen=True)
class Delivery:
    plan: Plan
    alerts: int
    emailed: int  # recipients reached
    posted: int  # new alerts posted to the webhook
    error: str


def plan_alerts(plan: Plan, today: dt.date) -> list[Alert]:
    """The plan's open alerts on ``today``, team-wide (the cockpit's, less those set aside)."""
    tables = team_tables(plan.team)
    engine_plan = adapters.to_engine(plan)
    analysis = analyse(engine_plan)
    found = overview(analysis, tables, today)
    fmt = formatter(engine_plan.currency)
    outlook, _why = plan_forecast(plan, tables, found.target, today)  # the page's, from the same cache
    steered = steer(analysis, tables, found, today, fmt, _, outlook.probability_of_target if outlook else None)
    if steered is None:
        return []
    return open_alerts(plan, list(steered.alerts), today)


def digest_text(plan: Plan, alerts: list[Alert], today: dt.date) -> tuple[str, str]:
    fmt = formatter(plan.currency)
    subject = _("PAC · %(plan)s: %(count)s alert(s) on %(day)s") % {
        "plan": plan.name,
        "count": len(alerts),
        "day": fmt.date(today),
    }
    lines = [f"- {alert.message(fmt, _)}" for alert in alerts]
    body = "\n".join([subject, "", *lines, "", _("Open the cockpit to act on them.")])
    return subject, body


def payload(plan: Plan, alerts: list[Alert], today: dt.date) -> dict[str, Any]:
    fmt = formatter(plan.currency)
    return {
        "plan": {"id": plan.pk, "name": plan.name},
        "day": today.isoformat(),
        "alerts": [
            {
                "key": a.key,
                "code": a.code,
                "severity": a.severity.value,
                "subject": dict(a.subject),
                "message": a.message(fmt, _),
            }
            for a in alerts
        ],
    }


def _post(url: str, document: dict[str, Any]) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(document, ensure_ascii=False, default=str).encode("utf-8"),
        headers={"Content-Type": "application/json", "User-Agent": "PAC alerts"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=settings.ALERT_WEBHOOK_TIMEOUT) as answer:
        answer.read(ANSWER_BYTES)


def deliver(plan: Plan, today: dt.date, language: str = "fr") -> Delivery:
    """Send the plan's digest and post its new alerts; what went wrong is kept on the channel."""
    channel = AlertChannel.objects.filter(plan=plan).first()
    if channel is None or not (channel.emails.strip() or channel.webhook):
        return Delivery(plan, 0, 0, 0, "")
    with override(language):
        alerts = plan_alerts(plan, today)
        errors: list[str] = []
        recipients = [line.strip() for line in channel.emails.splitlines() if line.strip()]
        emailed = 0
        if recipients and alerts:
            subject, body = digest_text(plan, alerts, today)
            try:
                connection = get_connection("django.core.mail.backends.smtp.EmailBackend", fail_silently=False)
                emailed = EmailMessage(subject, body, to=recipients, connection=connection).send() and len(recipients)
            except OSError as error:
                errors.append(_("e-mail: %(error)s") % {"error": error})
        sent = list(channel.sent_keys or [])
        new = [a for a in alerts if a.key not in set(sent)]
        posted = 0
        if channel.webhook and new:
            try:
                _post(channel.webhook, payload(plan, new, today))
                posted = len(new)
                sent = (sent + [a.key for a in new])[-MAX_SENT_KEYS:]
            except (OSError, urllib.error.URLError, ValueError) as error:
                errors.append(_("webhook: %(error)s") % {"error": error})
    with transaction.atomic():
        channel.sent_keys = sent
        channel.last_sent = timezone.now()
        channel.last_error = "\n".join(str(e) for e in errors)
        channel.save(update_fields=["sent_keys", "last_sent", "last_error"])
    return Delivery(plan, len(alerts), emailed, posted, channel.last_error)


def plans_under_way(today: dt.date) -> list[Plan]:
    return list(
        Plan.objects.filter(start__lte=today, end__gte=today, scenario_of__isnull=True)
        .select_related("team")
        .order_by("pk")
    )
