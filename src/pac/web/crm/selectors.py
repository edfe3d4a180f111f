"""Scoped reads of the CRM side: a user only ever gets the import jobs of their own team(s), and the rows
of their own teams' CRM tables; a rep (SDR, AE, CSM) only the rows they own — named in the CRM by their
username, full name or e-mail — as the cockpit shows a rep their own deals. Whoever reads the team's
figures (``Ability.READ_TEAM_FIGURES``: managers, admins, executives, marketing) reads the whole team."""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce
from operator import or_
from typing import Any, TypeVar

from django.db.models import Q, QuerySet
from django.http import Http404

from pac.web.accounts.abilities import Ability, abilities_of
from pac.web.accounts.models import Team, User
from pac.web.crm.models import CanonicalRow, ImportJob
from pac.web.crm.services import can_import

Row = TypeVar("Row", bound=CanonicalRow)
#: What the import page's list leaves in the database: a job's problems and changes (each view of the page
#: read the ten latest jobs' problems, 209 MB for a job that kept a whole 200 MB cell).
LISTED_FIELDS_LEFT = ("problems", "problem_codes", "changes", "counts", "mapping", "values", "error")


def job_for(user: User, job_id: int) -> ImportJob:
    """The import job if it belongs to one of the user's teams; 404 otherwise (outsiders learn nothing)."""
    job = ImportJob.objects.select_related("team", "user").filter(pk=job_id, team__members=user).first()
    if job is None:
        raise Http404
    return job


def job_scope(user: User, kwargs: Mapping[str, Any]) -> ImportJob:
    """The scope of a URL with a ``job_id`` (``abilities.requires``)."""
    return job_for(user, int(kwargs["job_id"]))


def import_teams(user: User) -> QuerySet[Team]:
    """The user's teams they may import some CRM data into."""
    return Team.objects.filter(pk__in=[t.pk for t in user.teams.all() if can_import(user, t)])


def recent_jobs(teams: QuerySet[Team], count: int = 10) -> QuerySet[ImportJob]:
    """The latest import jobs of ``teams``, newest first, with their names and states only."""
    return ImportJob.objects.filter(team__in=teams).select_related("user").defer(*LISTED_FIELDS_LEFT)[:count]


def reads_whole_team(user: User) -> bool:
    return Ability.READ_TEAM_FIGURES in abilities_of(user)


def names_of(user: User) -> tuple[str, ...]:
    """How a CRM export may name the user as a row's owner."""
    return tuple(n for n in (user.username, user.get_full_name(), user.email) if n)


def crm_rows_visible_to(user: User, model: type[Row]) -> QuerySet[Row]:
    """The rows of ``model`` (a canonical table with an ``owner``) the user may read."""
    rows = model._default_manager.filter(team__in=user.teams.all())
    if reads_whole_team(user):
        return rows
    return rows.filter(reduce(or_, (Q(owner__iexact=name) for name in names_of(user))))
