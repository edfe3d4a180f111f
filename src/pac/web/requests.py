"""What the views read off a request: the logged-in user and the plan version a form was opened at."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest

from pac.web.accounts.models import User


def current_user(request: HttpRequest) -> User:
    """The logged-in user (every plan view is behind ``login_required``)."""
    return cast(User, request.user)


def posted_version(request: HttpRequest) -> int:
    """The plan version the form was opened at; -1 (never current) when missing or garbled."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1
