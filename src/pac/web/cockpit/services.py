"""The cockpit's one write path: setting an alert aside (acknowledged, or snoozed until a day) and a
plan's alert delivery. Only who may edit the plan may do either; a teammate reads."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from pac.engine.alerts import Alert
from pac.web.accounts.models import User
from pac.web.cockpit.models import AlertChannel, AlertState
from pac.web.plans.models import Plan
from pac.web.plans.selectors import can_edit

#: The longest snooze: an alert set aside longer is an alert ignored.
MAX_SNOOZE_DAYS = 90
MAX_RECIPIENTS = 50


def _require_editor(user: User, plan: Plan) -> None:
    if not can_edit(user, plan):
        raise PermissionDenied(_("You may not change this plan."))


@transaction.atomic
def alert_set_aside(*, user: User, plan: Plan, key: str, days: int | None, today: dt.date) -> AlertState:
    """Acknowledge (``days`` None) or snooze for ``days`` the alert ``key``."""
    _require_editor(user, plan)
    if not key or len(key) > 300:
        raise ValidationError(_("Unknown alert."))
    if days is not None and not 1 <= days <= MAX_SNOOZE_DAYS:
        raise ValidationError(_("Snooze for 1 to %(days)s days.") % {"days": MAX_SNOOZE_DAYS})
    state, _created = AlertState.objects.update_or_create(
        plan=plan,
        key=key,
        defaults={
            "status": AlertState.ACKNOWLEDGED if days is None else AlertState.SNOOZED,
            "until": None if days is None else today + dt.timedelta(days=days),
            "by": user,
        },
    )
    return state


def open_alerts(plan: Plan, alerts: list[Alert], today: dt.date) -> list[Alert]:
    """``alerts`` less those acknowledged or snoozed past ``today`` (a snooze that ended lets it back)."""
    aside = {
        s.key
        for s in AlertState.objects.filter(plan=plan, key__in=[a.key for a in alerts])
        if s.status == AlertState.ACKNOWLEDGED or (s.until is not None and s.until > today)
    }
    return [a for a in alerts if a.key not in aside]


@transaction.atomic
def alert_channel_save(*, user: User, plan: Plan, emails: str, webhook: str) -> AlertChannel:
    """Where the plan's alerts go; every address and the URL checked, nothing saved if one is wrong."""
    _require_editor(user, plan)
    recipients = [line.strip() for line in emails.replace(",", "\n").splitlines() if line.strip()]
    if len(recipients) > MAX_RECIPIENTS:
        raise ValidationError(_("At most %(count)s recipients.") % {"count": MAX_RECIPIENTS})
    for address in recipients:
        try:
            EmailValidator()(address)
        except ValidationError:
            raise ValidationError(_("“%(address)s” is not an e-mail address.") % {"address": address}) from None
    if webhook:
        try:
            URLValidator(schemes=["http", "https"])(webhook)
        except ValidationError:
            raise ValidationError(_("The webhook must be an http or https address.")) from None
    channel, _created = AlertChannel.objects.get_or_create(plan=plan)
    channel.emails = "\n".join(recipients)
    channel.webhook = webhook
    channel.full_clean()
    channel.save()
    return channel
