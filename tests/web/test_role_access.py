"""Every URL pattern, walked for every role, an outsider and an anonymous visitor, with GET and with POST,
answers what the abilities table says (``pac.web.accounts.abilities``): the patterns come from Django's
resolver, not from a list, and what each must answer comes from what its view declares (``@requires``)
and the role's abilities:

- anonymous → the login page (a ``public`` page: 200);
- a method the view does not answer → 405;
- an outsider (a manager of another team) on a URL naming their object (a plan, an import) → 404;
- a teammate whose role lacks the ability → 403;
- a teammate whose role has it → 200 or 302 (a POST: also 400, bad input refused with its reason).

A pattern whose view declares nothing, or whose URL values cannot be filled, fails
``test_every_url_pattern_is_declared`` until its view says what it needs (or, for Django's own views, it is
added to ``DJANGO_VIEWS`` with what they answer). Every request runs in a transaction rolled back after it,
so that a POST that deletes a plan leaves it for the next one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from pac.engine.model import Role
from pac.engine.planfile import parse_plan_file, to_plan
from pac.web.accounts.abilities import ABILITIES, Access

from .conftest import _user

pytestmark = pytest.mark.django_db

ROLES = tuple(role.value for role in Role)
OUTSIDER, ANONYMOUS = "outsider", "anonymous"
WHO = (*ROLES, OUTSIDER, ANONYMOUS)
METHODS = ("GET", "POST")
LOGIN = "/accounts/login/"
#: Where the REST API's routes live: an anonymous call gets 401, not the login page.
API = "api/"

#: Django's own views (no ``@requires`` on them) and what they answer to anyone, by method.
DJANGO_VIEWS: dict[str, dict[str, set[int]]] = {
    "login": {"GET": {200}, "POST": {200}},  # the form (an empty POST: the form with its errors)
    "logout": {"GET": {405}, "POST": {302}},
    "set_language": {"GET": {204, 302}, "POST": {204, 302}},  # the language switch
    "": {"GET": {302}, "POST": {302}},  # the site's root: to the cockpit (which asks to sign in)
    # django-ninja's own: the schema and its documentation page are public (they hold no data)
    "api:openapi-json": {"GET": {200}, "POST": {200, 405}},
    "api:openapi-view": {"GET": {200}, "POST": {200, 405}},
    "api:api-root": {"GET": {404}, "POST": {404}},
}
#: Namespaces not walked, and why (each has its own test below).
NOT_WALKED = {"admin": "Django's admin: staff only (test_django_admin_is_for_staff_only)"}


@dataclass(frozen=True)
class Pattern:
    name: str  # namespaced URL name ("" for the unnamed root)
    route: str
    callback: Callable[..., Any]
    kwargs: tuple[str, ...]


def _patterns(entries: list[Any], namespace: str = "", prefix: str = "") -> Iterator[Pattern]:
    for entry in entries:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace in NOT_WALKED:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, inner, route)
        elif isinstance(entry, URLPattern):
            names = tuple(entry.pattern.regex.groupindex)
            yield Pattern(namespace + (entry.name or ""), route, entry.callback, names)


def every_pattern() -> list[Pattern]:
    return list(_patterns(get_resolver().url_patterns))


def access_of(callback: Callable[..., Any]) -> Access | None:
    """What a view declares: ``@requires`` (or ``@public``) sets ``access`` on it; a django-ninja route
    (``/api/v1/``) carries it on each operation's function, merged here by method."""
    found = getattr(callback, "access", None)
    if found is not None:
        return found  # type: ignore[no-any-return]
    cells = [cell.cell_contents for cell in getattr(callback, "__closure__", None) or ()]
    path_view = next((c for c in cells if hasattr(c, "operations")), getattr(callback, "__self__", None))
    operations = getattr(path_view, "operations", None)  # django-ninja's PathView behind the route
    if not operations:
        return None
    declared = [(op, getattr(op.view_func, "access", None)) for op in operations]
    if any(access is None for _op, access in declared):
        return None
    merged: dict[str, Any] = {}
    for op, access in declared:
        for method in op.methods:
            merged[method.lower()] = access.needed(method, {})
        merged["scope"] = merged.get("scope") or access.scope
    return Access(get=merged.get("get"), post=merged.get("post"), scope=merged.get("scope"))


# --------------------------------------------------------------------------------------------- the world


@dataclass
class World:
    team: Any
    plan: Any
    users: dict[str, Any]  # by role, and the outsider
    job: Any
    token: str
    own_actions: dict[str, int]  # each user's own action
    api_tokens: dict[str, str]  # each user's personal API token (read and write)
    api_token_ids: dict[str, int]  # and its row (what the tokens page revokes)
    crm_rows: dict[str, dict[str, int]]  # each user's own opportunity and activity, by URL value
    touches: dict[str, int]  # each user's own manual touch of a sequence (the « Aujourd'hui » queue)
    sequence: int  # a sequence of the plan (its results page)

    def values(self, who: str, name: str, chosen: dict[str, Any]) -> list[Any]:
        """The values a URL's ``name`` is walked with (several: each is walked)."""
        from pac.web.plans.entities import SECTIONS

        if name in ("opportunity_id", "activity_id"):  # a CRM row the reader owns (a rep reads only theirs)
            return [self.crm_rows[who if who in self.crm_rows else Role.MANAGER.value][name]]
        if name in ("account_id", "contact_id"):
            from pac.web.plans.models import Account, Contact

            model = Account if name == "account_id" else Contact
            return [model.objects.filter(**{"plan" if model is Account else "account__plan": self.plan}).first().pk]
        if name == "team_id":
            return [self.team.pk]
        if name == "sequence_id":  # a sequence of the plan (the builder, its state, its enrolment screen)
            from pac.web.sequences.models import SequenceTemplate

            steps = [{"offset": 0, "channel": "email", "instructions": ""}]
            found, _new = SequenceTemplate.objects.get_or_create(
                plan=self.plan, code="walk", defaults={"name": "Walk", "steps": steps}
            )
            return [found.pk]
        if name == "playbook_id":  # the world's plan saved as a playbook of the team (its sequences with it)
            from pac.web.playbooks.models import TeamPlaybook
            from pac.web.playbooks.services import playbook_save

            saved = TeamPlaybook.objects.filter(team=self.team, name="walk-plan").first() or playbook_save(
                user=self.users[Role.MANAGER.value], plan=self.plan, name="walk-plan", title="Plan parcouru"
            )
            return [saved.pk]
        if name == "ritual_id":
            return [self.plan.rituals.first().pk]
        if name == "day":  # a day the ritual meets
            from pac.web.plans.selectors import ritual_days

            ritual = self.plan.rituals.get(pk=chosen["ritual_id"])
            return [ritual_days(self.plan, ritual, self.plan.start, self.plan.end)[0].isoformat()]
        if name == "enrolment_id":  # someone enrolled in the URL's sequence (the walk's: finished)
            from pac.web.sequences.models import Enrolment, SequenceTemplate

            sequence = SequenceTemplate.objects.get(pk=chosen["sequence_id"])
            found_enrolment = Enrolment.objects.filter(sequence=sequence).first() or Enrolment.objects.create(
                plan=self.plan, sequence=sequence, contact=self._contact(), account=self._contact().account,
                owner="manager", start=self.plan.start, status="finished",
            )  # fmt: skip
            return [found_enrolment.pk]
        if name == "touch_id":  # the reader's own touch (a rep logs only theirs)
            return [self.touches.get(who, self.touches[Role.MANAGER.value])]
        if name == "sequence_id":
            return [self.sequence]
        if name == "action_id":
            return [self.own_actions.get(who, self.own_actions[Role.MANAGER.value])]
        if name in ("number", "old", "new"):  # a saved version of the plan (two compared: the same one)
            from pac.web.plans.versions import snapshot

            snapshot(self.plan.pk)
            return [self.plan.versions.first().number]
        if name == "scenario_id":  # a what-if scenario of the plan
            from pac.web.plans.scenarios import scenario_create

            found = self.plan.scenarios.first() or scenario_create(
                user=self.users[Role.MANAGER.value], plan=self.plan, name="Scénario"
            )
            return [found.pk]
        if name == "pk":  # a row of the URL's section; an action status: the reader's own action
            entity = chosen.get("entity")
            if entity is None:
                return [self.own_actions.get(who, self.own_actions[Role.MANAGER.value])]
            return [SECTIONS[entity].queryset(self.plan).first().pk]
        found: dict[str, list[Any]] = {
            "plan_id": [self.plan.pk],
            "section": ["objectives"],
            "entity": ["actions", "events"],  # the plan's editors' section, and marketing's
            "job_id": [self.job.pk],
            "token": [self.token],
            "name": ["saas-midmarket"],  # a built-in playbook
        }
        if name not in found:
            raise LookupError(name)
        return found[name]

    def _contact(self) -> Any:
        from pac.web.plans.models import Contact

        return Contact.objects.filter(account__plan=self.plan).select_related("account").first()


#: URL values whose name means one thing in one pattern and another elsewhere, by pattern.
BY_PATTERN: dict[str, dict[str, list[Any]]] = {
    "cockpit:report_pdf": {"kind": ["weekly"]},
    "cockpit:report_xlsx": {"kind": ["weekly"]},
    "plans:object_history": {"kind": ["action"]},
}


def fillings(world: World, who: str, pattern: Pattern) -> list[dict[str, Any]]:
    """Every combination of values the pattern's URL values are walked with."""
    done: list[dict[str, Any]] = [{}]
    own = BY_PATTERN.get(pattern.name, {})
    if pattern.name == "apitokens:revoke":  # one's own token
        own = {"pk": [world.api_token_ids.get(who, world.api_token_ids[Role.MANAGER.value])]}
    if pattern.name == "unsubscribe":  # a link of an e-mail the team sent (its token signs team and address)
        from pac.web.sequences.sender import unsubscribe_token

        own = {"token": [unsubscribe_token(world.team.pk, "prospect@example.com")]}
    for name in sorted(pattern.kwargs, key=lambda n: n == "pk"):  # pk after the section it is a row of
        done = [{**kw, name: value} for kw in done for value in (own.get(name) or world.values(who, name, kw))]
    return done


def build_world(team: Any, other_team: Any, demo_plan_text: str, data_dir: Path) -> World:
    from pac.web.crm.jobs import report_path
    from pac.web.crm.models import ImportJob
    from pac.web.plans import services
    from pac.web.plans.models import Action, CalendarFeed

    users = {role: _user(role, role, team) for role in ROLES}
    users[OUTSIDER] = _user(OUTSIDER, Role.MANAGER.value, other_team)
    manager = users[Role.MANAGER.value]
    plan = services.plan_create_from_file(user=manager, team=team, plan=to_plan(parse_plan_file(demo_plan_text)))
    template = Action.objects.filter(plan=plan).first()
    assert template is not None
    own = {}
    for role, user in users.items():
        template.pk, template.code, template.owner = None, f"own-{role}", user.username
        template.save()
        own[role] = template.pk
    stored = data_dir / "imports" / "walk.csv"  # not kept: « import for real » has nothing to import
    job = ImportJob.objects.create(
        team=team, user=users[Role.MARKETING.value], kind="leads", file_name="leads.csv", stored_path=str(stored)
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.DONE, dry_run=True)
    report_path(job).parent.mkdir(parents=True, exist_ok=True)
    report_path(job).write_text("line,column,value,problem\n", encoding="utf-8")
    token = "access-walk"
    CalendarFeed.objects.create(plan=plan, user=manager, token_hash=CalendarFeed.hash_token(token))
    from pac.web.api.services import token_create
    from pac.web.crm.models import Activity, Opportunity

    issued = {who: token_create(user=user, name="walk", write=True) for who, user in users.items()}
    api_tokens = {who: found.secret for who, found in issued.items()}
    api_token_ids = {who: found.token.pk for who, found in issued.items()}
    from pac.web.plans.models import RitualMeeting
    from pac.web.plans.selectors import ritual_days

    ritual = plan.rituals.first()  # its first meeting held: its minutes and decisions can be posted
    RitualMeeting.objects.create(
        ritual=ritual, date=ritual_days(plan, ritual, plan.start, plan.end)[0], opened_by=manager
    )
    crm_rows = {}
    for who, user in users.items():
        home = other_team if who == OUTSIDER else team
        deal = Opportunity.objects.create(team=home, external_id=f"O-{who}", owner=user.username, outcome="open")
        call = Activity.objects.create(team=home, external_id=f"A-{who}", owner=user.username)
        crm_rows[who] = {"opportunity_id": deal.pk, "activity_id": call.pk}
    touches, sequence = _sequence_touches(plan, users)
    return World(team, plan, users, job, token, own, api_tokens, api_token_ids, crm_rows, touches, sequence)


def _sequence_touches(plan: Any, users: dict[str, Any]) -> tuple[dict[str, int], int]:
    """A sequence of the plan, one enrolment (finished: no contact is held) and a phone touch per user."""
    import datetime as dt

    from pac.web.plans.models import Contact
    from pac.web.sequences.models import Enrolment, SequenceTemplate, Touch

    contact = Contact.objects.filter(account__plan=plan).select_related("account").first()
    steps = [{"offset": n, "channel": "phone", "instructions": ""} for n in range(len(users))]
    sequence = SequenceTemplate.objects.create(plan=plan, code="walk", name="Walk", steps=steps)
    enrolment = Enrolment.objects.create(
        plan=plan, sequence=sequence, contact=contact, account=contact.account, owner="manager",
        start=dt.date(2027, 1, 4), status="finished",
    )  # fmt: skip
    touches = {
        who: Touch.objects.create(
            enrolment=enrolment, step=n, channel="phone", due=dt.date(2027, 1, 4), owner=user.username
        ).pk
        for n, (who, user) in enumerate(users.items(), start=1)
    }
    return touches, sequence.pk


# ------------------------------------------------------------------------------------------ expectations

ALLOWED = {"GET": {200, 302}, "POST": {200, 302, 400, 409}}  # 409: a form posted without its version
#: The API's answers: a write walked with an empty body is refused for its body (422) once allowed.
API_ALLOWED = {"GET": {200}, "POST": {201, 400, 409, 422}}


def expected(access: Access, who: str, method: str, kwargs: dict[str, Any], api: bool = False) -> set[int]:
    """What the URL must answer ``who`` for ``method``, from its declaration and the abilities table."""
    if access.public:
        return {200} if method == "GET" or access.public_post else {405}
    need = access.needed(method, kwargs)
    if who == ANONYMOUS:
        if api:  # the API says so (a method it does not answer: before it asks for a token)
            return {401} if need is not None else {401, 405}
        return {302}  # a page sends to the login page (checked apart)
    if need is None:
        return {405}
    if who == OUTSIDER and access.scope is not None:
        return {404, 422} if api and method == "POST" else {404}  # the API may refuse the empty body first
    role = Role.MANAGER if who == OUTSIDER else Role(who)
    if api:  # a write without the ability may be refused for its empty body before its role is asked
        return API_ALLOWED[method] if need in ABILITIES[role] else ({403} if method == "GET" else {403, 422})
    return ALLOWED[method] if need in ABILITIES[role] else {403}


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_every_url_pattern_is_declared(team: Any, other_team: Any, demo_plan_text: str, data_dir: Path) -> None:
    """A new page cannot forget to say who may use it: its view declares it, or it is one of Django's."""
    world = build_world(team, other_team, demo_plan_text, data_dir)
    undeclared, unfilled = [], []
    for pattern in every_pattern():
        if pattern.name not in DJANGO_VIEWS and access_of(pattern.callback) is None:
            undeclared.append(f"{pattern.name or pattern.route}")
        try:
            fillings(world, Role.MANAGER.value, pattern)
        except LookupError as missing:
            unfilled.append(f"{pattern.name}: {missing}")
    assert not undeclared, f"views that declare no access (@requires or @public): {undeclared}"
    stale = set(DJANGO_VIEWS) - {p.name for p in every_pattern()}
    assert not stale, f"declared in DJANGO_VIEWS but no longer a URL pattern: {sorted(stale)}"
    assert not unfilled, f"URL values the walk cannot fill (add them to World.values): {unfilled}"
    assert len(every_pattern()) >= 40  # the resolver was read, not a stub


@pytest.mark.parametrize("who", WHO)
def test_every_url_answers_as_the_abilities_say(
    who: str, team: Any, other_team: Any, demo_plan_text: str, data_dir: Path
) -> None:
    world = build_world(team, other_team, demo_plan_text, data_dir)

    def signed_in() -> Client:
        client = Client()
        if who != ANONYMOUS:
            client.force_login(world.users[who])
        return client

    client = signed_in()
    wrong, walked = [], 0
    for pattern in every_pattern():
        access = access_of(pattern.callback)
        if access is None and pattern.name not in DJANGO_VIEWS:
            continue  # test_every_url_pattern_is_declared says which
        for kwargs in fillings(world, who, pattern):
            url = reverse(pattern.name, kwargs=kwargs) if pattern.name else "/"
            for method in METHODS:
                api = pattern.route.startswith(API)
                wanted = (
                    DJANGO_VIEWS[pattern.name][method] if access is None else expected(access, who, method, kwargs, api)
                )
                visitor = signed_in() if pattern.name == "logout" else client  # logging out ends the session
                headers = {}
                if api and who != ANONYMOUS:  # the API takes a personal token, not the session
                    headers["HTTP_AUTHORIZATION"] = f"Bearer {world.api_tokens[who]}"
                with transaction.atomic():
                    if method == "GET":
                        response = visitor.get(url, **headers)
                    else:
                        body = {"content_type": "application/json"} if api else {}
                        response = visitor.post(url, **body, **headers)
                    transaction.set_rollback(True)
                walked += 1
                if response.status_code not in wanted:
                    wrong.append(f"{method} {url} ({pattern.name}): {response.status_code}, expected {sorted(wanted)}")
                elif who == ANONYMOUS and access is not None and not (access.public or api) and not _to_login(response):
                    wrong.append(f"{method} {url}: to {response['Location']}, not to the login page")
    assert not wrong, "\n".join(wrong)
    assert walked >= 80


def _to_login(response: Any) -> bool:
    return bool(response.status_code == 302 and response["Location"].startswith(LOGIN))


def test_django_admin_is_for_staff_only(team: Any) -> None:
    """The admin of users and teams is Django's, for staff accounts: no role opens it by itself."""
    for role in ROLES:
        client = Client()
        client.force_login(_user(f"x-{role}", role, team))
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_the_roles_document_says_what_the_code_does() -> None:
    """docs/roles.md's table (ability × role, ticked) is the abilities table in words: they cannot drift."""
    from pac.web.accounts.abilities import Ability

    doc = (Path(__file__).parents[2] / "docs" / "roles.md").read_text(encoding="utf-8")
    rows = [line.split("|")[1:-1] for line in doc.splitlines() if line.startswith("| `")]
    header = next(line for line in doc.splitlines() if line.startswith("| ability"))
    roles = [cell.strip() for cell in header.split("|")[3:-1]]
    assert sorted(roles) == sorted(ROLES)
    written = {
        Ability(cells[0].strip().strip("`")): {r for r, tick in zip(roles, cells[2:], strict=True) if tick.strip()}
        for cells in rows
    }
    assert set(written) == set(Ability)
    for ability, ticked in written.items():
        assert ticked == {r.value for r, found in ABILITIES.items() if ability in found}, ability


def test_marketing_plans_a_campaign_and_changes_nothing_else_of_the_plan(plan: Any, team: Any) -> None:
    """Marketing adds an event with its activation campaigns, which the plan's calendar then shows; an
    action, the plan's header and its objectives stay the managers' (403, nothing written)."""
    from pac.web.plans.models import Action, Event

    client = Client()
    client.force_login(_user("mathis", Role.MARKETING.value, team))
    event = {
        "version": plan.version,
        "code": "webinaire-dsi",
        "name": "Webinaire DSI",
        "kind": "webinar",
        "start": "2027-03-09",
        "end": "2027-03-09",
        "campaigns_text": "30, 7",
    }
    added = client.post(reverse("plans:entity_new", args=[plan.pk, "events"]), event)
    assert added.status_code == 302
    assert Event.objects.get(plan=plan, code="webinaire-dsi").campaigns == [30, 7]
    month = client.get(reverse("plans:month", args=[plan.pk]), {"month": "2027-02"}).content.decode()
    assert "J-30 · Webinaire DSI" in month

    plan.refresh_from_db()
    actions = Action.objects.filter(plan=plan).count()
    refused = [
        client.post(reverse("plans:entity_new", args=[plan.pk, "actions"]), {"version": plan.version}),
        client.post(reverse("plans:edit", args=[plan.pk]), {"version": plan.version, "name": "Renommé"}),
        client.post(reverse("plans:section", args=[plan.pk, "objectives"]), {"version": plan.version}),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    plan.refresh_from_db()
    assert Action.objects.filter(plan=plan).count() == actions and plan.name != "Renommé"


def test_the_write_path_refuses_what_the_role_may_not_do(plan: Any, team: Any) -> None:
    """The services check the abilities too (a view that forgot would still be refused)."""
    from django.core.exceptions import PermissionDenied

    from pac.web.cockpit.services import alert_set_aside, forecast_adjust, forecast_submit
    from pac.web.crm.services import records_import
    from pac.web.plans import execution
    from pac.web.plans.services import plan_update

    executive = _user("claire", Role.EXECUTIVE.value, team)
    marketing = _user("mathis", Role.MARKETING.value, team)
    action = plan.actions.first()
    refused: list[Callable[[], Any]] = [
        lambda: plan_update(user=executive, plan=plan, expected_version=plan.version, fields={"name": "x"}),
        lambda: alert_set_aside(user=executive, plan=plan, key="k", days=None, today=plan.start),
        lambda: forecast_submit(
            user=executive, plan=plan, period="", commit=Decimal(1), best_case=Decimal(1), pipeline=Decimal(1)
        ),
        lambda: forecast_adjust(
            manager=marketing, plan=plan, period="", rep=None, category="commit", amount=Decimal(1), reason="r"
        ),
        lambda: execution.action_progress_update(
            user=executive, plan=plan, action=action, expected_version=action.version, status="done", progress=100
        ),
        lambda: records_import(
            user=marketing, team=team, kind="opportunities", records=[{"external_id": "D1", "amount": 10}]
        ),
        lambda: records_import(
            user=executive, team=team, kind="leads", records=[{"external_id": "L1", "channel": "webinar"}]
        ),
    ]
    for attempt in refused:
        with pytest.raises(PermissionDenied):
            attempt()
    counts = records_import(
        user=marketing, team=team, kind="leads", records=[{"external_id": "L1", "channel": "webinar"}]
    )
    assert counts.created == 1
