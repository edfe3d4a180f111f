"""The write path for users and teams."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pac.engine.labels import ROLE_LABELS
from pac.engine.model import Role
from pac.web.accounts.abilities import Ability, can
from pac.web.accounts.models import Team, User


@transaction.atomic
def user_create(*, username: str, password: str, role: str, team_name: str, email: str = "") -> User:
    """Create a user in a team (created if new); the password must pass Django's validators."""
    if role not in {r.value for r in ROLE_LABELS}:
        raise ValidationError(_("Unknown role %(role)s.") % {"role": role})
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("The user %(name)s already exists.") % {"name": username})
    user = User(username=username, email=email, role=role)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    team, _created = Team.objects.get_or_create(name=team_name)
    user.teams.add(team)
    return user


@transaction.atomic
def user_role_change(*, by: User, person: User, role: str) -> User:
    """An administrator gives a member of one of their teams another role; they keep their own (a team
    is never left without the one who manages its users by a slip of the hand)."""
    if not any(can(by, Ability.MANAGE_USERS, team) for team in person.teams.all()):
        raise PermissionDenied(_("Only an administrator manages the users."))
    if role not in {r.value for r in ROLE_LABELS}:
        raise ValidationError(_("Unknown role %(role)s.") % {"role": role})
    if person.pk == by.pk and role != Role.ADMIN.value:
        raise ValidationError(_("You cannot take your own administrator role away."))
    person.role = role
    person.save(update_fields=["role"])
    return person
