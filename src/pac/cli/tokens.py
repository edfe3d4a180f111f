"""``pac token create|revoke``: personal API tokens from the command line (the « API tokens » page does the
same). The token is printed once; only its digest is kept."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pac.cli.terminal import _, django_setup, err, out

token_app = typer.Typer(help=_("Personal API tokens."), no_args_is_help=True)


@token_app.command("create")
def create_command(
    username: str,
    name: Annotated[str, typer.Option(help=_("What will use the token."))] = "cli",
    read_only: Annotated[bool, typer.Option("--read-only", help=_("Reading only: no change through the API."))] = False,
) -> None:
    """Create a token for a user and print it (once: it cannot be shown again)."""
    django_setup()
    from django.core.exceptions import ValidationError

    from pac.web.accounts.models import User
    from pac.web.api import services

    user = User.objects.filter(username=username).first()
    if user is None:
        err.print(_("No user {name}.").format(name=username), markup=False)
        raise typer.Exit(2)
    try:
        issued = services.token_create(user=user, name=name, write=not read_only)
    except ValidationError as error:
        for message in error.messages:
            err.print(message, markup=False)
        raise typer.Exit(2) from None
    scope = _("read only") if read_only else _("read and write")
    err.print(
        _("Token {prefix} ({scope}) for {name}: copy it now, it will not be shown again.").format(
            prefix=issued.token.prefix, scope=scope, name=username
        ),
        markup=False,
    )
    sys.stdout.write(issued.secret + "\n")  # alone on stdout: TOKEN=$(pac token create lea)


@token_app.command("revoke")
def revoke_command(prefix_or_id: str) -> None:
    """Revoke a token by its prefix (pac_1a2b3c4d) or its id: calls made with it are refused."""
    django_setup()
    from pac.web.api import selectors, services

    token = selectors.token_by_prefix_or_id(None, prefix_or_id)
    if token is None:
        err.print(_("No token {key}.").format(key=prefix_or_id), markup=False)
        raise typer.Exit(2)
    services.token_revoke(token=token)
    out.print(_("Token {prefix} revoked.").format(prefix=token.prefix), markup=False)
