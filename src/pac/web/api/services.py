"""The write path for API tokens: issue one (its secret returned once, only its digest kept), revoke one."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pac.web.accounts.models import User
from pac.web.api.models import ApiToken

#: What every token starts with: a leaked one is recognised by secret scanners and by people.
TOKEN_START = "pac_"
#: Tokens a user may hold at once (revoked ones do not count).
MAX_ACTIVE_TOKENS = 20
NAME_MAX = 100


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the whole token: shown once, kept nowhere


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str, write: bool) -> IssuedToken:
    """A new token for ``user``; the caller shows ``secret`` once (nothing can show it again)."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Give the token a name (what will use it)."), code="name")
    if len(name) > NAME_MAX:
        raise ValidationError(_("A token's name has at most %(max)s characters.") % {"max": NAME_MAX}, code="name")
    if ApiToken.objects.filter(user=user, revoked_at=None).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("At most %(max)s tokens at once: revoke one you no longer use.") % {"max": MAX_ACTIVE_TOKENS},
            code="too_many",
        )
    prefix = TOKEN_START + secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():  # 4 billion prefixes: a clash is rare, never kept
        prefix = TOKEN_START + secrets.token_hex(4)
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        digest=digest_of(secret),
        scope=ApiToken.WRITE if write else ApiToken.READ,
    )
    return IssuedToken(token, secret)


@transaction.atomic
def token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token (kept, with when, for the list): the next call made with it answers 401."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_used(token: ApiToken) -> None:
    """Note when a token was last used, at most once a minute (a script's every call is not a write)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
