from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from pac.engine.model import Role

ROLE_LABELS = {
    Role.MANAGER: _("Sales manager"),
    Role.SDR: _("SDR"),
    Role.AE: _("Account executive"),
    Role.CSM: _("Customer success"),
    Role.MARKETING: _("Marketing"),
    Role.EXECUTIVE: _("Executive"),
    Role.ADMIN: _("Administrator"),
}
ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items()]

#: Roles that may change any plan of their team (others change only the plans they own).
PLAN_EDITOR_ROLES = {Role.MANAGER.value, Role.ADMIN.value}


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES, default=Role.AE.value)
    teams = models.ManyToManyField(Team, related_name="members", blank=True, verbose_name=_("teams"))
