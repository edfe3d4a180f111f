from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from pac.engine.planfile import parse_plan_file, to_plan

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture
def team(db: Any) -> Any:
    from pac.web.accounts.models import Team

    return Team.objects.create(name="Ventes SaaS")


@pytest.fixture
def other_team(db: Any) -> Any:
    from pac.web.accounts.models import Team

    return Team.objects.create(name="Channel industrie")


def _user(username: str, role: str, team: Any) -> Any:
    from pac.web.accounts.services import user_create

    return user_create(username=username, password=PASSWORD, role=role, team_name=team.name)


@pytest.fixture
def owner(team: Any) -> Any:
    return _user("owner", "manager", team)


@pytest.fixture
def teammate(team: Any) -> Any:
    return _user("teammate", "ae", team)


@pytest.fixture
def outsider(other_team: Any) -> Any:
    return _user("outsider", "manager", other_team)


@pytest.fixture
def plan(owner: Any, team: Any, demo_plan_text: str) -> Any:
    from pac.web.plans import services

    return services.plan_create_from_file(user=owner, team=team, plan=to_plan(parse_plan_file(demo_plan_text)))


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_owner(owner: Any) -> Client:
    return login(owner)


@pytest.fixture
def as_teammate(teammate: Any) -> Client:
    return login(teammate)


@pytest.fixture
def as_outsider(outsider: Any) -> Client:
    return login(outsider)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Strong hashing costs ~0.3 s a user; tests create many users and test no hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
