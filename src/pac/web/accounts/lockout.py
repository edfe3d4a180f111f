"""Login throttling as the person locked out sees it: which address is theirs, and when they may retry.

django-axes counts the failures (settings: 10 per account and 10 per address in the cool-off window);
this module gives it the client's address (behind a proxy, from the header the proxy sets) and the
lockout page, translated, with the time the lock ends.
"""

from __future__ import annotations

from datetime import datetime

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_address(request: HttpRequest) -> str | None:
    """The address a login came from: REMOTE_ADDR, or behind a reverse proxy the last entry of the header
    it sets (``PAC_CLIENT_IP_HEADER``, e.g. ``HTTP_X_FORWARDED_FOR``), the one the proxy itself appended:
    entries before it are the client's own word and could name any address."""
    header = getattr(settings, "PAC_CLIENT_IP_HEADER", "")
    forwarded = request.META.get(header, "") if header else ""
    if forwarded:
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:45]
    return request.META.get("REMOTE_ADDR")


def retry_at(request: HttpRequest, credentials: dict[str, object] | None) -> datetime:
    """When the lock ends: the cool-off after the latest failure counted against this account or address
    (a refused attempt during the lock is not counted: ``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT``)."""
    cool_off = get_cool_off(request)
    now = timezone.now()
    if cool_off is None:
        return now
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    latest = (
        AccessAttempt.objects.filter(Q(username=username) | Q(ip_address=address), attempt_time__gte=now - cool_off)
        .aggregate(latest=Max("attempt_time"))
        .get("latest")
    )
    return (latest or now) + cool_off


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, object] | None = None
) -> HttpResponse:
    """The page a locked-out login gets (429): why, and the time from which to try again."""
    until = retry_at(request, credentials)
    minutes = max(1, round((until - timezone.now()).total_seconds() / 60))
    context = {"retry_at": until, "minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "accounts/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
