"""Scoped reads of API tokens: a person sees their own; a call finds its token by the digest of its secret."""

from __future__ import annotations

from django.db.models import QuerySet

from pac.web.accounts.models import User
from pac.web.api.models import ApiToken
from pac.web.api.services import TOKEN_START, digest_of

#: Longer than any token issued: a longer header is not looked up at all.
SECRET_MAX = 200


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def token_for_secret(secret: str) -> ApiToken | None:
    """The active token whose secret this is, with its active user; None otherwise."""
    if not secret.startswith(TOKEN_START) or len(secret) > SECRET_MAX:
        return None
    return (
        ApiToken.objects.filter(digest=digest_of(secret), revoked_at=None, user__is_active=True)
        .select_related("user")
        .first()
    )


def token_by_prefix_or_id(user: User | None, key: str) -> ApiToken | None:
    """A token by its prefix (``pac_1a2b3c4d``) or its id; ``user``'s own only when given."""
    rows = ApiToken.objects.all() if user is None else tokens_of(user)
    key = key.strip().rstrip("…").rstrip(".")
    if key.isdigit():
        return rows.filter(pk=int(key)).first() if len(key) < 18 else None
    return rows.filter(prefix=key).first()
