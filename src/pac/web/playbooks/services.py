"""The playbooks' one write path: a plan created from a playbook, a plan saved as a team playbook, a
playbook file imported, a team playbook deleted. Each checks who may do it; nothing is stored on error."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from pac.engine import model
from pac.engine.planfile import PlanFileError
from pac.engine.playbooks import PlaybookError, parse_playbook, validate_playbook
from pac.engine.playbooks.saving import playbook_from_plan
from pac.web.accounts.abilities import Ability, can
from pac.web.accounts.models import Team, User
from pac.web.language import language
from pac.web.plans import filesections
from pac.web.plans import services as plan_services
from pac.web.plans.models import Plan
from pac.web.playbooks.models import TeamPlaybook

#: The largest playbook file the web app takes.
MAX_UPLOAD_BYTES = 256 * 1024


def _require_creator(user: User, team: Team) -> None:
    if not can(user, Ability.CHANGE_PLANS, team):
        raise PermissionDenied(_("Only a manager creates a team plan."))


def problems_of(text: str, source: str) -> list[str]:
    """What is wrong with a playbook file, one located line each (empty: it can be stored)."""
    try:
        validate_playbook(text, source)
    except PlaybookError as error:
        return error.lines(_)
    except PlanFileError as error:
        return [_("the plan it makes is not valid: %(problem)s") % {"problem": line} for line in error.lines(_)]
    return []


def _store(*, user: User, team: Team, text: str, source: str) -> TeamPlaybook:
    problems = problems_of(text, source)
    if problems:
        raise ValidationError(problems)
    playbook = parse_playbook(text, source)
    title = playbook.title.get(language()) or playbook.title["fr"]
    try:
        with transaction.atomic():
            return TeamPlaybook.objects.create(team=team, name=playbook.name, title=title[:200], text=text, author=user)
    except IntegrityError:
        raise ValidationError(
            [
                _("The team already has a playbook named %(name)s: delete it or give another name.")
                % {"name": playbook.name}
            ]
        ) from None


def playbook_import(*, user: User, team: Team, data: bytes, file_name: str) -> TeamPlaybook:
    """A playbook file stored for ``team`` once checked (schema, defaults, a trial plan); ``ValidationError``
    listing every problem with its path otherwise."""
    _require_creator(user, team)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            [
                _("The file is too large (%(size)s bytes, at most %(max)s).")
                % {"size": len(data), "max": MAX_UPLOAD_BYTES}
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError([_("%(file)s: not a UTF-8 text file.") % {"file": file_name}]) from None
    return _store(user=user, team=team, text=text, source=file_name)


def playbook_save(*, user: User, plan: Plan, name: str, title: str) -> TeamPlaybook:
    """The plan saved as a playbook of its team (``engine.playbooks.saving``): start, target and country
    as parameters."""
    if not can(user, Ability.CHANGE_PLANS, plan):
        raise PermissionDenied
    try:
        text = playbook_from_plan(filesections.plan_for_file(plan), name, title)
    except PlaybookError as error:
        raise ValidationError(error.lines(_)) from None
    return _store(user=user, team=plan.team, text=text, source=f"{name}.yaml")


def playbook_delete(*, user: User, playbook: TeamPlaybook) -> None:
    _require_creator(user, playbook.team)
    playbook.delete()


def plan_create(*, user: User, team: Team, plan: model.Plan) -> Plan:
    """The plan a playbook made, created whole (``plans.services.plan_create_from_file``: one transaction)."""
    _require_creator(user, team)
    return plan_services.plan_create_from_file(user=user, team=team, plan=plan)
