"""Who may do what: each role's abilities, written once (``ABILITIES``, documented in docs/roles.md), and
the one question every check asks (``can``). A role is the user's, abilities act on their own teams only.

Views declare what each method needs with ``requires``: the declaration is checked before the view runs
(an outsider gets a 404 from the scope, a teammate without the ability a 403), and the access test reads
it to know what every URL pattern must answer for every role."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import wraps
from typing import Any, Protocol

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.translation import gettext_lazy

from pac.engine.model import Role
from pac.web.accounts.models import Team, User


class Ability(StrEnum):
    """What a role may do on its teams, in the words of docs/roles.md."""

    READ_PLANS = "read_plans"  # the team's plans, calendars, RACI, priorities, exports; the KPIs
    READ_TEAM_FIGURES = "read_team_figures"  # the whole team's figures (others: their own deals)
    CHANGE_PLANS = "change_plans"  # create, change, delete plans; decisions, levers, alerts, thresholds
    CHANGE_CAMPAIGNS = "change_campaigns"  # a plan's events and their activation campaigns
    UPDATE_OWN_ACTIONS = "update_own_actions"  # status and progress of the actions one owns
    SUBSCRIBE_CALENDAR = "subscribe_calendar"  # one's own secret calendar links
    IMPORT_CRM = "import_crm"  # every kind of CRM record
    IMPORT_LEADS = "import_leads"  # leads (MQLs) only
    CONFIRM_ANY_IMPORT = "confirm_any_import"  # import for real a teammate's dry run or held import
    SUBMIT_FORECAST = "submit_forecast"  # one's own forecast call
    ADJUST_FORECAST = "adjust_forecast"  # a rep's or the team's forecast figure, with a reason
    MANAGE_USERS = "manage_users"  # the team's users and their roles
    EXPORT_TEAM_DATA = "export_team_data"  # everything of the team as a zip (data protection)
    ERASE_PERSONAL_DATA = "erase_personal_data"  # erase a person or a contact on request (GDPR)
    USE_API = "use_api"  # personal API tokens: scripts read (and write) with the person's own rights


A = Ability
_READER = frozenset({A.READ_PLANS, A.SUBSCRIBE_CALENDAR, A.USE_API})
_REP = _READER | {A.UPDATE_OWN_ACTIONS, A.SUBMIT_FORECAST}
_MANAGER = _READER | {
    A.READ_TEAM_FIGURES,
    A.CHANGE_PLANS,
    A.CHANGE_CAMPAIGNS,
    A.UPDATE_OWN_ACTIONS,
    A.IMPORT_CRM,
    A.IMPORT_LEADS,
    A.CONFIRM_ANY_IMPORT,
    A.ADJUST_FORECAST,
    A.EXPORT_TEAM_DATA,
}

#: Each role's abilities: the one table (docs/roles.md says it in words; the access test checks every page
#: against it).
ABILITIES: Mapping[Role, frozenset[Ability]] = {
    Role.SDR: _REP,
    Role.AE: _REP,
    Role.CSM: _REP,
    Role.MARKETING: _READER | {A.READ_TEAM_FIGURES, A.CHANGE_CAMPAIGNS, A.UPDATE_OWN_ACTIONS, A.IMPORT_LEADS},
    Role.EXECUTIVE: _READER | {A.READ_TEAM_FIGURES},
    Role.MANAGER: _MANAGER,
    Role.ADMIN: _MANAGER | {A.MANAGE_USERS, A.ERASE_PERSONAL_DATA},
}


_NOT_IMPORTER = gettext_lazy(
    "Only the team's managers and administrators import CRM data; marketing imports its leads."
)
#: Why a role is refused an ability, as the 403 page says it.
REFUSALS: Mapping[Ability, Any] = {
    A.CHANGE_PLANS: gettext_lazy("You may not change this plan."),
    A.CHANGE_CAMPAIGNS: gettext_lazy("You may not change this plan."),
    A.UPDATE_OWN_ACTIONS: gettext_lazy("You may only update the status and progress of your own actions."),
    A.IMPORT_CRM: _NOT_IMPORTER,
    A.IMPORT_LEADS: _NOT_IMPORTER,
    A.CONFIRM_ANY_IMPORT: _NOT_IMPORTER,
    A.SUBMIT_FORECAST: gettext_lazy("Only a rep submits a forecast."),
    A.ADJUST_FORECAST: gettext_lazy("Only a manager may adjust the forecast."),
    A.MANAGE_USERS: gettext_lazy("Only an administrator manages the users."),
    A.EXPORT_TEAM_DATA: gettext_lazy("Only the team's managers and administrators export its data."),
    A.ERASE_PERSONAL_DATA: gettext_lazy("Only an administrator erases personal data."),
}


def abilities_of(user: Any) -> frozenset[Ability]:
    """A signed-in user's abilities (none for an anonymous visitor or an unknown role)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    try:
        return ABILITIES[Role(user.role)]
    except ValueError:
        return frozenset()


class HasTeam(Protocol):
    @property
    def team(self) -> Team: ...


def can(user: User, ability: Ability, where: Team | HasTeam | None = None) -> bool:
    """Whether ``user`` may do ``ability`` in ``where`` (a team, or anything with a ``team``: a plan, a
    job); without ``where``, whether their role may at all (in some team of theirs)."""
    if ability not in abilities_of(user):
        return False
    if where is None:
        return True
    team = where if isinstance(where, Team) else where.team
    return team.members.filter(pk=user.pk).exists()


def roles_with(ability: Ability) -> frozenset[str]:
    """The roles (their codes) that have ``ability``."""
    return frozenset(role.value for role, found in ABILITIES.items() if ability in found)


#: What finds the team a URL's object belongs to, raising Http404 when the user is not in it (an outsider
#: learns nothing): e.g. ``plans.selectors.plan_scope`` for URLs with a ``plan_id``.
Scope = Callable[[User, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Access:
    """What a view needs, per HTTP method: ``None`` for a method it does not answer. ``scope`` finds the
    object of the URL (outsiders: 404); ``by_kwarg`` replaces the ability for a URL value (marketing changes
    a plan's ``events`` and nothing else of it); a ``public`` page needs no login (a calendar feed: its
    token is its credential) and answers GET (and POST when ``public_post``)."""

    get: Ability | None = None
    post: Ability | None = None
    scope: Scope | None = None
    by_kwarg: Mapping[str, Mapping[str, Ability]] = field(default_factory=dict)
    public: bool = False
    public_post: bool = False  # a public page that also answers POST

    def needed(self, method: str, kwargs: Mapping[str, Any]) -> Ability | None:
        """The ability ``method`` needs on the URL with ``kwargs``; None when the method is not answered."""
        found = {"GET": self.get, "HEAD": self.get, "POST": self.post}.get(method)
        if found is None:
            return None
        for name, refined in self.by_kwarg.items():
            if kwargs.get(name) in refined:
                return refined[kwargs[name]]
        return found

    @property
    def methods(self) -> list[str]:
        return [m for m, need in (("GET", self.get), ("POST", self.post)) if need is not None]


View = Callable[..., HttpResponse]


def requires(
    *,
    get: Ability | None = None,
    post: Ability | None = None,
    scope: Scope | None = None,
    by_kwarg: Mapping[str, Mapping[str, Ability]] | None = None,
    refusal: Any = None,
) -> Callable[[View], View]:
    """Declare and check what a view needs: the visitor signed in (else the login page), the method
    answered (else 405), the URL's object in one of their teams (else 404, from ``scope``), their role able
    (else 403, saying why: ``refusal``, else the ability's). The view itself still checks what depends on
    the object (a rep's own action)."""
    access = Access(get=get, post=post, scope=scope, by_kwarg=by_kwarg or {})

    def wrap(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            need = access.needed(request.method or "GET", kwargs)
            if need is None:
                return HttpResponseNotAllowed(access.methods)
            user: User = request.user  # type: ignore[assignment]
            if scope is not None:
                scope(user, kwargs)
            if need not in abilities_of(user):
                raise PermissionDenied(str(refusal or REFUSALS.get(need, "")))
            return view(request, *args, **kwargs)

        checked.access = access  # type: ignore[attr-defined]
        return checked

    return wrap


def public(view: View | None = None, *, post: bool = False) -> Any:
    """Declare a page open without signing in (it carries its own credential, or needs none): ``@public``
    answers GET; ``@public(post=True)`` also POST (a one-click unsubscribe, whose token is the proof)."""

    def mark(found: View) -> View:
        found.access = Access(public=True, public_post=post)  # type: ignore[attr-defined]
        return found

    return mark(view) if view is not None else mark


def declares(
    *, get: Ability | None = None, post: Ability | None = None, scope: Scope | None = None
) -> Callable[[View], View]:
    """Declare what a REST API operation needs, for the access walk, without wrapping it: the API checks it
    itself (its token says who calls, its selectors give 404 outside the caller's teams, its services 403)."""

    def mark(view: View) -> View:
        view.access = Access(get=get, post=post, scope=scope)  # type: ignore[attr-defined]
        return view

    return mark
