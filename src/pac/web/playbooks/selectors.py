"""Scoped reads: the playbooks a user may start from (the built-ins and their teams' own), one team
playbook (404 for outsiders), the people of a team with their roles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from pac.engine.playbooks import Playbook, builtin_names, load_builtin, parse_playbook
from pac.web.accounts.models import Team, User
from pac.web.playbooks.models import TeamPlaybook


def team_playbooks(user: User) -> QuerySet[TeamPlaybook]:
    """The playbooks of the user's teams."""
    return TeamPlaybook.objects.filter(team__members=user).select_related("team", "author").distinct()


def playbook_row(user: User, playbook_id: int) -> TeamPlaybook:
    """One of the user's teams' playbooks; 404 otherwise (an outsider learns nothing)."""
    row = team_playbooks(user).filter(pk=playbook_id).first()
    if row is None:
        raise Http404
    return row


def playbook_scope(user: User, kwargs: Mapping[str, Any]) -> None:
    """The scope of a URL with a ``playbook_id`` (``abilities.requires``): 404 unless it is the user's team's."""
    if not TeamPlaybook.objects.filter(pk=int(kwargs["playbook_id"]), team__members=user).exists():
        raise Http404


def builtin(name: str) -> Playbook:
    """A built-in playbook by name; 404 for an unknown one."""
    if name not in builtin_names():
        raise Http404
    return load_builtin(name)


def builtins() -> list[Playbook]:
    return [load_builtin(name) for name in builtin_names()]


def parsed(row: TeamPlaybook) -> Playbook:
    """A stored playbook (checked when it was stored)."""
    return parse_playbook(row.text, f"{row.name}.yaml")


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    role: str  # the role's code


def people_of(teams: QuerySet[Team]) -> list[Person]:
    """The people of these teams (each once), by name."""
    users = User.objects.filter(teams__in=teams).distinct().order_by("first_name", "last_name", "username")
    return [Person(u.username, u.get_full_name() or u.username, u.role) for u in users]


def member_names(team: Team) -> set[str]:
    return set(team.members.values_list("username", flat=True))
