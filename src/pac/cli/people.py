"""``pac people list | role``: the People page from the command line — the members of an administrator's
teams with their roles, and one member given another role (through ``accounts.services``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pac.cli.acting import AsUser, acting_user, person_name, refusals_said
from pac.cli.terminal import JsonFlag, _, fail, out, print_json
from pac.engine.labels import ROLE_LABELS
from pac.engine.model import Role

if TYPE_CHECKING:
    from pac.web.accounts.models import User

people_app = typer.Typer(help=_("The people of your teams and their roles (administrators)."), no_args_is_help=True)


def _role_text(code: str) -> str:
    try:
        return _(ROLE_LABELS[Role(code)])
    except ValueError:
        return code


def _administrator(username: str) -> User:
    user = acting_user(username)
    from pac.web.accounts.abilities import Ability, can

    if not can(user, Ability.MANAGE_USERS):
        raise fail(_("Only an administrator manages the users."))
    return user


@people_app.command("list")
def people_list(
    acting: AsUser,
    team: Annotated[str | None, typer.Option("--team", help=_("Only this team's members (its name)."))] = None,
    as_json: JsonFlag = False,
) -> None:
    """The members of your teams, by name, with their role and teams."""
    user = _administrator(acting)
    from pac.web.accounts import selectors

    people = selectors.people_of_teams(user)
    if team is not None:
        if not user.teams.filter(name=team).exists():
            raise fail(_("{name} is in no team named {team}.").format(name=acting, team=team))
        people = people.filter(teams__name=team)
    rows = list(people)
    if as_json:
        print_json(
            [
                {
                    "username": p.username,
                    "name": p.get_full_name(),
                    "email": p.email,
                    "role": p.role,
                    "teams": [t.name for t in p.teams.all()],
                    "active": p.is_active,
                }
                for p in rows
            ]
        )
        return
    table = Table(title=_("People"))
    for header in (_("Person"), _("Username"), _("Role"), _("Teams")):
        table.add_column(header)
    for p in rows:
        table.add_row(person_name(p), p.username, _role_text(p.role), ", ".join(t.name for t in p.teams.all()))
    out.print(table)


@people_app.command("role")
def people_role(
    username: Annotated[str, typer.Argument(help=_("The member's username."))],
    role: Annotated[str, typer.Argument(help=_("sdr, ae, csm, marketing, executive, manager or admin."))],
    acting: AsUser,
) -> None:
    """Give a member of your teams another role (you keep your own administrator role)."""
    user = _administrator(acting)
    from pac.web.accounts import selectors, services

    person = selectors.people_of_teams(user).filter(username=username).first()
    if person is None:
        raise fail(_("{name} is not a member of your teams.").format(name=username))
    if role not in {r.value for r in Role}:
        raise fail(_("Unknown role {role}: one of {roles}.").format(role=role, roles=", ".join(r.value for r in Role)))
    with refusals_said():
        services.user_role_change(by=user, person=person, role=role)
    out.print(
        _("{name} is now {role}.").format(name=person_name(person), role=_role_text(role)),
        markup=False,
        highlight=False,
    )
