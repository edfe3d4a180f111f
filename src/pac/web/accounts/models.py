from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from pac.engine import labels
from pac.engine.model import Role
from pac.web.language import choices

ROLE_CHOICES = choices(labels.ROLE_LABELS)


def new_data_stamp() -> str:
    """A stamp no earlier state of any team's data had."""
    return uuid.uuid4().hex


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    #: Where the team's CRM data comes from when it is a public data set (its licence asks for the credit),
    #: shown under its KPIs, one line per data set; blank for a team's own exports.
    data_credit = models.CharField(_("credit of the CRM data"), max_length=300, blank=True)
    #: Changes with every write of the team's CRM data (an import, a record saved): the figures computed
    #: from the data are cached under it (``web.crm.freshness``), so a write makes them computed again.
    data_stamp = models.CharField(max_length=32, default=new_data_stamp, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    @property
    def data_credits(self) -> list[str]:
        """The credit lines, one per data set (each translated where shown)."""
        return [line for line in self.data_credit.splitlines() if line.strip()]


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES, default=Role.AE.value)
    teams = models.ManyToManyField(Team, related_name="members", blank=True, verbose_name=_("teams"))
