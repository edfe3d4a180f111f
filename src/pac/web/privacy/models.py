"""The erasure log: that an erasure was done, by whom, when, of what kind and how many rows it touched —
never the erased data itself (the reference is a keyed hash, not the name)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pac.web.accounts.models import Team


class Erasure(models.Model):
    PERSON, CONTACT = "person", "contact"
    KIND_CHOICES = [(PERSON, _("a person (user)")), (CONTACT, _("a contact"))]
    SUBJECT, THIRD_PARTY, COMPANY = "subject", "third_party", "company"
    REQUESTED_BY_CHOICES = [
        (SUBJECT, _("the person concerned")),
        (THIRD_PARTY, _("someone on their behalf")),
        (COMPANY, _("the company (legal, HR)")),
    ]
    WEB, CLI = "web", "cli"

    kind = models.CharField(_("erased"), max_length=10, choices=KIND_CHOICES)
    #: A keyed hash (HMAC with the site's secret key) of the username, contact id or e-mail: whoever holds the
    #: key can check whether a given name was erased; nobody can read the name back from it.
    reference = models.CharField(_("reference"), max_length=64, db_index=True)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    requested_by = models.CharField(_("request from"), max_length=12, choices=REQUESTED_BY_CHOICES)
    request_ref = models.CharField(
        _("request reference"),
        max_length=100,
        blank=True,
        help_text=_("A ticket or letter number, not a name."),
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    via = models.CharField(max_length=3, default=WEB)
    at = models.DateTimeField(auto_now_add=True)
    #: Table → rows changed (only counts).
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.at:%Y-%m-%d}"

    @property
    def rows(self) -> int:
        return sum(int(n) for n in self.counts.values())
