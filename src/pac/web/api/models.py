"""Personal API tokens: what the database keeps of a token is its SHA-256 digest, never the token, so a copy
of the database calls nothing; the prefix is what a person recognises a token by in lists."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    READ, WRITE = "read", "write"
    SCOPE_CHOICES = [(READ, _("read only")), (WRITE, _("read and write"))]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    #: The token's first characters (``pac_1a2b3c4d``), shown in lists and given to ``pac token revoke``.
    prefix = models.CharField(max_length=16, unique=True)
    #: SHA-256 of the whole token, hex: a token of 256 random bits needs no salt or slow hash.
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=5, choices=SCOPE_CHOICES, default=READ)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def may_write(self) -> bool:
        return self.scope == self.WRITE
