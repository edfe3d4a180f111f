"""Scoped reads of the CRM side: a user only ever gets the import jobs of their own team(s)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from pac.web.accounts.models import Team, User
from pac.web.crm.models import ImportJob
from pac.web.crm.services import can_import


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
    """The latest import jobs of ``teams``, newest first."""
    return ImportJob.objects.filter(team__in=teams).select_related("user")[:count]
