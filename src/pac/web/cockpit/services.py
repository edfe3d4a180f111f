"""The cockpit's one write path: setting an alert aside (acknowledged, or snoozed until a day) and a
plan's alert delivery (only who may edit the plan; a teammate reads); a rep's forecast submission and a
manager's adjustment of it (each a new row: the history is the audit). Setting an alert aside and adjusting
the forecast are arbitrations: each is written to the plan's decision log in the same transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from pac.engine.alerts import Alert
from pac.engine.forecast.calls import CALL_CATEGORIES, submission_warnings
from pac.engine.forecast.categories import BEST_CASE, COMMIT, PIPELINE
from pac.web.accounts.abilities import Ability, can
from pac.web.accounts.models import User
from pac.web.cockpit.forecast_call import is_rep, period_of
from pac.web.cockpit.models import AlertChannel, AlertState, ForecastAdjustment, ForecastSubmission
from pac.web.plans.governance import log_decision
from pac.web.plans.models import Plan
from pac.web.plans.selectors import can_edit

#: The longest snooze: an alert set aside longer is an alert ignored.
MAX_SNOOZE_DAYS = 90
MAX_RECIPIENTS = 50


def _require_editor(user: User, plan: Plan) -> None:
    if not can_edit(user, plan):
        raise PermissionDenied(_("You may not change this plan."))


@transaction.atomic
def alert_set_aside(
    *,
    user: User,
    plan: Plan,
    key: str,
    days: int | None,
    today: dt.date,
    alert: dict[str, str] | None = None,
    reason: str = "",
) -> AlertState:
    """Acknowledge (``days`` None) or snooze for ``days`` the alert ``key``, logged as a decision
    (``alert``: the alert's text in each language, when the caller found it among today's)."""
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
    log_decision(
        user=user,
        plan=plan,
        kind="alert",
        change="alert_acknowledged" if days is None else "alert_snoozed",
        params={
            **({"alert": alert} if alert else {}),
            **({"until_day": state.until.isoformat()} if state.until else {}),
        },
        subject=key,
        reason=reason,
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


#: The largest figure a forecast line may hold (the amount columns hold 14 digits before the decimals).
MAX_FORECAST_AMOUNT = Decimal("1000000000000")
MAX_REASON = 2000


def _member_plan(user: User, plan: Plan) -> None:
    """An outsider learns nothing of the plan: 404, as for every page of it."""
    if not plan.team.members.filter(pk=user.pk).exists():
        raise Http404


def _amount(value: Decimal) -> Decimal:
    if not value.is_finite() or not Decimal(0) <= value <= MAX_FORECAST_AMOUNT:
        raise ValidationError(_("Amounts go from 0 to %(max)s.") % {"max": MAX_FORECAST_AMOUNT})
    return value.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Submitted:
    """The submission recorded, and the warning codes it raised (``engine.forecast.calls``)."""

    submission: ForecastSubmission
    warnings: tuple[str, ...]


@transaction.atomic
def forecast_submit(
    *,
    user: User,
    plan: Plan,
    period: str,
    commit: Decimal,
    best_case: Decimal,
    pipeline: Decimal,
    rep: User | None = None,
) -> Submitted:
    """A rep's forecast of ``period`` (the plan's, a month or a week within it), recorded as a new row.
    Only their own: submitting for someone else, or as a manager (who adjusts), is refused. A commit above
    the best case is kept but warned about."""
    _member_plan(user, plan)
    if (rep is not None and rep.pk != user.pk) or not is_rep(user):
        raise PermissionDenied(_("You may submit only your own forecast."))
    chosen = period_of(plan, period)
    amounts = {COMMIT: _amount(commit), BEST_CASE: _amount(best_case), PIPELINE: _amount(pipeline)}
    row = ForecastSubmission.objects.create(
        plan=plan,
        period_start=chosen.start,
        period_end=chosen.end,
        submitted_by=user,
        commit=amounts[COMMIT],
        best_case=amounts[BEST_CASE],
        pipeline=amounts[PIPELINE],
    )
    return Submitted(row, submission_warnings(amounts))


@transaction.atomic
def forecast_adjust(
    *, manager: User, plan: Plan, period: str, rep: User | None, category: str, amount: Decimal, reason: str
) -> ForecastAdjustment:
    """A manager's figure for one category of a rep's forecast (``rep``) or of the team's (``rep`` None),
    with why (required): recorded as a new row, the earlier figures kept in the audit."""
    _member_plan(manager, plan)
    if not can(manager, Ability.ADJUST_FORECAST, plan):
        raise PermissionDenied(_("Only a manager may adjust the forecast."))
    if rep is not None and (not is_rep(rep) or not plan.team.members.filter(pk=rep.pk).exists()):
        raise ValidationError(_("Choose a rep of the plan's team."))
    if category not in CALL_CATEGORIES:
        raise ValidationError(_("Choose commit, best case or pipeline."))
    why = reason.strip()
    if not why:
        raise ValidationError(_("Say why you adjust the forecast."))
    if len(why) > MAX_REASON:
        raise ValidationError(_("At most %(count)s characters.") % {"count": MAX_REASON})
    chosen = period_of(plan, period)
    row = ForecastAdjustment.objects.create(
        plan=plan,
        period_start=chosen.start,
        period_end=chosen.end,
        rep=rep,
        category=category,
        amount=_amount(amount),
        by=manager,
        reason=why,
    )
    log_decision(
        user=manager,
        plan=plan,
        kind="forecast",
        change="forecast_adjusted",
        params={
            "category": category,
            "rep": (rep.get_full_name() or rep.username) if rep is not None else "",
            "start_day": chosen.start.isoformat(),
            "end_day": chosen.end.isoformat(),
            "amount": str(row.amount),
        },
        subject=f"forecast:{chosen.start}:{chosen.end}:{rep.username if rep else ''}:{category}",
        reason=why,
    )
    return row
