"""An administrator manages the roles of their teams' people (docs/roles.md), and only theirs."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from .conftest import _user, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(team: Any) -> Any:
    return _user("adele", "admin", team)


def test_an_administrator_sees_the_people_of_their_teams_only(
    admin: Any, teammate: Any, outsider: Any, owner: Any
) -> None:
    page = login(admin).get(reverse("accounts:people"))
    assert page.status_code == 200
    listed = [row["person"].username for row in page.context["people"]]
    assert sorted(listed) == ["adele", "owner", "teammate"]  # not the other team's manager
    body = page.content.decode()
    assert 'data-testid="role-teammate"' in body and 'data-testid="role-adele"' not in body  # not their own
    assert reverse("accounts:people") in body  # the menu leads there


def test_an_administrator_changes_a_teammates_role(admin: Any, teammate: Any) -> None:
    response = login(admin).post(reverse("accounts:people"), {"person": teammate.pk, "role": "csm"}, follow=True)
    teammate.refresh_from_db()
    assert teammate.role == "csm"
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


@pytest.mark.parametrize("case", ["outsider", "own role", "unknown role", "no one"], ids=lambda c: c.replace(" ", "-"))
def test_a_role_change_outside_the_rules_is_refused_and_said(
    case: str, admin: Any, teammate: Any, outsider: Any
) -> None:
    person, role = {
        "outsider": (outsider.pk, "sdr"),
        "own role": (admin.pk, "manager"),
        "unknown role": (teammate.pk, "boss"),
        "no one": ("", "sdr"),
    }[case]
    response = login(admin).post(reverse("accounts:people"), {"person": person, "role": role}, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    for user, was in ((outsider, "manager"), (admin, "admin"), (teammate, "ae")):
        user.refresh_from_db()
        assert user.role == was


def test_no_other_role_manages_people(owner: Any, teammate: Any, team: Any) -> None:
    for user in (owner, teammate, _user("claire", "executive", team)):
        client = login(user)
        assert client.get(reverse("accounts:people")).status_code == 403
        assert client.post(reverse("accounts:people"), {"person": teammate.pk, "role": "admin"}).status_code == 403
        assert reverse("accounts:people") not in client.get(reverse("plans:list")).content.decode()
    teammate.refresh_from_db()
    assert teammate.role == "ae"


def test_the_service_refuses_a_manager(owner: Any, teammate: Any) -> None:
    from django.core.exceptions import PermissionDenied

    from pac.web.accounts.services import user_role_change

    with pytest.raises(PermissionDenied):
        user_role_change(by=owner, person=teammate, role="manager")
