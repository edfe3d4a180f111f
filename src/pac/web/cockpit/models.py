"""What the cockpit keeps of the alerts: who acknowledged or snoozed which one (by its stable key), and
where a plan's alerts are delivered (e-mail digest, webhook) with the keys already sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
