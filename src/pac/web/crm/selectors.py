"""Scoped reads of the CRM tables: a user gets the rows of their own teams; a rep (SDR, AE, CSM,
marketing) only the rows they own — named in the CRM by their username, full name or e-mail — as the
cockpit shows a rep their own deals. Managers, admins and executives read their whole teams."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TypeVar

from django.db.models import Q, QuerySet

from pac.engine.model import Role
from pac.web.accounts.models import PLAN_EDITOR_ROLES, User
from pac.web.crm.models import CanonicalRow

#: Roles that read every CRM row of their teams.
WHOLE_TEAM_ROLES = PLAN_EDITOR_ROLES | {Role.EXECUTIVE.value}

Row = TypeVar("Row", bound=CanonicalRow)


def reads_whole_team(user: User) -> bool:
    return user.role in WHOLE_TEAM_ROLES


def names_of(user: User) -> tuple[str, ...]:
    """How a CRM export may name the user as a row's owner."""
    return tuple(n for n in (user.username, user.get_full_name(), user.email) if n)


def crm_rows_visible_to(user: User, model: type[Row]) -> QuerySet[Row]:
    """The rows of ``model`` (a canonical table with an ``owner``) the user may read."""
    rows = model._default_manager.filter(team__in=user.teams.all())
    if reads_whole_team(user):
        return rows
    return rows.filter(reduce(or_, (Q(owner__iexact=name) for name in names_of(user))))
