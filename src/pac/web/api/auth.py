"""Who calls: ``Authorization: Bearer TOKEN`` finds the token (by its digest), and the call runs as the
token's user (``request.user``, so that what the call changes is recorded as theirs). Every call counts
against a rate limit first: per token, or per address when no known token is given."""

from __future__ import annotations

import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.security.http import HttpBearer

from pac.web.api.models import ApiToken
from pac.web.api.selectors import token_for_secret
from pac.web.api.services import token_used

#: Methods that change nothing: a read-only token may call them.
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
#: The window the rate limit counts calls over, in seconds.
WINDOW = 60
#: The rate limit's clock (tests hold it still).
clock = time.time


class TooManyCalls(HttpError):
    """429, with when to call again."""

    def __init__(self, wait: int) -> None:
        self.wait = wait
        super().__init__(
            429,
            _("Too many calls: at most %(limit)s a minute. Try again in %(wait)s s.")
            % {
                "limit": settings.API_RATE_LIMIT,
                "wait": wait,
            },
        )


def count_call(who: str) -> None:
    """Count one call of ``who`` in the current minute; 429 beyond ``settings.API_RATE_LIMIT``."""
    now = clock()
    window = int(now // WINDOW)
    key = f"pac:api:calls:{who}:{window}"
    cache.add(key, 0, WINDOW + 5)
    try:
        calls = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW + 5)
        calls = 1
    if calls > settings.API_RATE_LIMIT:
        raise TooManyCalls(max(1, math.ceil((window + 1) * WINDOW - now)))


def _address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _body_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class TokenAuth(HttpBearer):
    """A personal API token, read or read and write."""

    def __call__(self, request: HttpRequest) -> ApiToken:
        translation.activate(translation.get_language_from_request(request))  # Accept-Language, else French
        header = request.headers.get("Authorization", "")
        scheme, _sep, secret = header.strip().partition(" ")
        token = token_for_secret(secret.strip()) if scheme.lower() == "bearer" else None
        count_call(f"token:{token.pk}" if token is not None else f"address:{_address(request)}")
        if _body_length(request) > settings.API_MAX_BODY_BYTES:
            raise HttpError(
                413, _("The request body is too large (at most %(max)s bytes).") % {"max": settings.API_MAX_BODY_BYTES}
            )
        if token is None:
            raise AuthenticationError(
                401, _("Give a valid API token: Authorization: Bearer TOKEN (create one on the API tokens page).")
            )
        if request.method not in SAFE_METHODS:
            require_write(request, token)  # before the body is read: a read-only token learns nothing more
        token_used(token)
        request.user = token.user
        return token

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover - __call__ does it all
        return token_for_secret(token)


def require_write(request: HttpRequest, token: object = None) -> None:
    """403 for a read-only token."""
    token = token or getattr(request, "auth", None)
    if not isinstance(token, ApiToken) or not token.may_write:
        raise AuthorizationError(403, _("This token may only read: create a read and write token to change data."))
