"""Scoped reads of users: an administrator sees the people of their own teams, no one else."""

from __future__ import annotations

from django.db.models import QuerySet

from pac.web.accounts.models import User


def people_of_teams(user: User) -> QuerySet[User]:
    """The members of ``user``'s teams (themselves included), by name, with their teams."""
    return (
        User.objects.filter(teams__in=user.teams.all())
        .distinct()
        .order_by("first_name", "last_name", "username")
        .prefetch_related("teams")
    )


def person_of_teams(user: User, person_id: int) -> User | None:
    """One member of ``user``'s teams by id; None for anyone else."""
    return people_of_teams(user).filter(pk=person_id).first()
