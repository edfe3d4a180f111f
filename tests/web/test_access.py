"""Who may see and change what: owner, teammate (a rep of the same team), outsider."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_visitors_to_the_login_page(plan: Any) -> None:
    for url in (
        reverse("plans:list"),
        reverse("plans:detail", args=[plan.pk]),
        reverse("plans:export", args=[plan.pk]),
        reverse("cockpit:kpis"),
        reverse("cockpit:plan_progress", args=[plan.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_it_lists_only_the_plans_of_the_users_teams(plan: Any, as_teammate: Client, as_outsider: Client) -> None:
    assert plan.name in as_teammate.get(reverse("plans:list")).content.decode()
    assert plan.name not in as_outsider.get(reverse("plans:list")).content.decode()


@pytest.mark.parametrize(
    "name", ["plans:detail", "plans:export", "plans:xlsx", "plans:ics", "plans:priorities", "cockpit:plan_progress"]
)
def test_it_shows_a_plan_to_its_team_and_hides_it_from_outsiders(
    name: str, plan: Any, as_owner: Client, as_teammate: Client, as_outsider: Client
) -> None:
    url = reverse(name, args=[plan.pk])
    assert as_owner.get(url).status_code == 200
    assert as_teammate.get(url).status_code == 200
    assert as_outsider.get(url).status_code == 404


@pytest.mark.parametrize(
    "url_name,args",
    [
        ("plans:edit", []),
        ("plans:section", ["objectives"]),
        ("plans:section", ["stages"]),
        ("plans:section", ["roles"]),
        ("plans:section", ["efforts"]),
    ],
)
def test_it_lets_only_the_owner_change_a_plan(
    url_name: str, args: list[str], plan: Any, as_owner: Client, as_teammate: Client, as_outsider: Client
) -> None:
    url = reverse(url_name, args=[plan.pk, *args])
    assert as_owner.get(url).status_code == 200
    assert as_teammate.get(url).status_code == 403
    assert as_teammate.post(url, {"version": plan.version}).status_code == 403
    assert as_outsider.get(url).status_code == 404
    assert as_outsider.post(url, {"version": plan.version}).status_code == 404


def test_it_lets_a_manager_of_the_team_edit_a_plan_they_do_not_own(plan: Any, team: Any) -> None:
    from pac.web.accounts.services import user_create

    from .conftest import PASSWORD, login

    other_manager = user_create(username="manager2", password=PASSWORD, role="manager", team_name=team.name)
    assert login(other_manager).get(reverse("plans:edit", args=[plan.pk])).status_code == 200


def test_it_refuses_deletion_by_a_teammate_and_an_outsider(
    plan: Any, as_teammate: Client, as_outsider: Client, as_owner: Client
) -> None:
    from pac.web.plans.models import Plan

    url = reverse("plans:delete", args=[plan.pk])
    assert as_teammate.post(url).status_code == 403
    assert as_outsider.post(url).status_code == 404
    assert Plan.objects.filter(pk=plan.pk).exists()
    assert as_owner.post(url).status_code == 302
    assert not Plan.objects.filter(pk=plan.pk).exists()


def test_it_refuses_to_create_a_plan_in_a_team_the_user_is_not_in(as_outsider: Client, team: Any) -> None:
    response = as_outsider.post(
        reverse("plans:create"),
        {
            "name": "Intrus",
            "team": team.pk,
            "start": "2027-01-01",
            "end": "2027-03-31",
            "currency": "EUR",
            "country": "FR",
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    assert "team" in response.context["form"].errors
    from pac.web.plans.models import Plan

    assert not Plan.objects.filter(name="Intrus").exists()
