"""A team's own playbooks: saved from one of its plans or imported from a file, kept as their YAML text
(checked when stored: ``engine.playbooks.validate_playbook``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pac.web.accounts.models import Team


class TeamPlaybook(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="playbooks", verbose_name=_("team"))
    name = models.CharField(_("name"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("playbook file (YAML)"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="playbooks_unique_name_per_team")]

    def __str__(self) -> str:
        return self.title
