"""What the cockpit keeps of the alerts: who acknowledged or snoozed which one (by its stable key), and
where a plan's alerts are delivered (e-mail digest, webhook) with the keys already sent; the reps'
forecast submissions and the managers' adjustments (an audit: rows added, never changed)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pac.engine.forecast.calls import CALL_CATEGORIES
from pac.engine.forecast.categories import CATEGORY_LABELS
from pac.web.plans.models import Plan


class AlertState(models.Model):
    """An alert set aside: acknowledged (until its situation changes key) or snoozed until a day."""

    ACKNOWLEDGED, SNOOZED = "acknowledged", "snoozed"
    STATUS_CHOICES = [(ACKNOWLEDGED, _("acknowledged")), (SNOOZED, _("snoozed"))]

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=300)
    status = models.CharField(max_length=12, choices=STATUS_CHOICES)
    until = models.DateField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="alert_state_unique")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


class AlertChannel(models.Model):
    """Where a plan's alerts go besides the page: an e-mail digest to some addresses, a JSON POST to a
    webhook. ``sent_keys``: the alerts already delivered, so a webhook hears of each situation once."""

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="+")
    emails = models.TextField(_("digest recipients"), blank=True, help_text=_("E-mail addresses, one per line."))
    webhook = models.URLField(_("webhook"), blank=True, max_length=500)
    sent_keys = models.JSONField(default=list, blank=True)
    last_sent = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.plan}: alerts to {self.emails.splitlines() or '-'}, webhook {self.webhook or '-'}"


class _Recorded(models.Model):
    """A row of the forecast's audit: written once, never changed (a new figure is a new row)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A forecast submission or adjustment is never changed: record a new one.")
        super().save(*args, **kwargs)


class ForecastSubmission(_Recorded):
    """A rep's forecast of a period (the plan's, or a week or month within it): their commit, best case and
    pipeline. Each submission is kept: the latest stands, the earlier ones are the history."""

    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    commit = models.DecimalField(_("commit"), max_digits=16, decimal_places=2)
    best_case = models.DecimalField(_("best case"), max_digits=16, decimal_places=2)
    pipeline = models.DecimalField(_("pipeline"), max_digits=16, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["plan", "period_start", "period_end", "at"], name="forecast_submission_period")]

    def __str__(self) -> str:
        return (
            f"{self.submitted_by} {self.period_start}→{self.period_end}: {self.commit}/{self.best_case}/{self.pipeline}"
        )


class ForecastAdjustment(_Recorded):
    """A manager's figure for one category of a rep's forecast (``rep``) or of the team's (``rep`` empty),
    with why. Never changed: a new adjustment replaces the figure, the old one stays in the audit."""

    CATEGORY_CHOICES = [(c, _(CATEGORY_LABELS[c])) for c in CALL_CATEGORIES]

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    category = models.CharField(max_length=12, choices=CATEGORY_CHOICES)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("why"))

    class Meta:
        indexes = [models.Index(fields=["plan", "period_start", "period_end", "at"], name="forecast_adjustment_period")]

    def __str__(self) -> str:
        return f"{self.rep or 'team'} {self.category} = {self.amount} by {self.by}"
