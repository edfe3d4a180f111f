"""Who a database command acts as (``--as USERNAME``, or ``PAC_USER``) and what that person may reach:
the commands that do what a web page does read and write as that user, through the same selectors,
abilities and services, so that the command line is no back door. A refusal, an unknown user, a plan the
user may not see: a message on stderr and exit code 2 (an outsider learns no more than the web's 404)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pac.cli.terminal import _, django_setup, fail

if TYPE_CHECKING:
    from pac.web.accounts.models import User
    from pac.web.plans.models import Plan

AsUser = Annotated[
    str,
    typer.Option(
        "--as",
        envvar="PAC_USER",
        help=_("Act as this user (username; PAC_USER by default): what they may see and do on the web."),
    ),
]
PlanId = Annotated[int, typer.Argument(help=_("Plan number (as in the web app)."))]


def acting_user(username: str) -> User:
    """Django set up, and the active user named ``username``; anyone else: exit 2."""
    django_setup()
    from pac.web.accounts.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise fail(_("No user {name}.").format(name=username))
    return user


def visible_plan(user: User, plan_id: int) -> Plan:
    """The plan (or scenario) ``user`` may read, as the web's ``plan_for``; otherwise exit 2, saying no
    more than that the user has no such plan."""
    from django.http import Http404

    from pac.web.plans import selectors

    try:
        return selectors.plan_for(user, plan_id)
    except Http404:
        raise fail(_("No plan number {id} for {name}.").format(id=plan_id, name=user.username)) from None


def refusal_messages(error: Exception) -> list[str]:
    """What a service's refusal (ValidationError, PermissionDenied) says, one message a line."""
    messages = getattr(error, "messages", None)
    if messages:
        return [str(m) for m in messages]
    return [str(error) or _("Refused.")]


@contextmanager
def refusals_said() -> Iterator[None]:
    """A service's refusal inside the block said on stderr, exit 2 (never a traceback)."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.http import Http404

    try:
        yield
    except (PermissionDenied, ValidationError) as refused:
        raise fail("\n".join(refusal_messages(refused))) from None
    except Http404:
        raise fail(_("Not found.")) from None


def person_name(user: Any) -> str:
    """A person as lists show them: first and last name, else the username."""
    return str(user.get_full_name() or user.username)
