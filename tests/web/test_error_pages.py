"""Permissions that feel right: only managers create team plans, and the 403, 404 and 500 pages are the
app's own pages, in the reader's language, with a way back."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from .helpers import page_text

pytestmark = pytest.mark.django_db


def _english(client: Client) -> Client:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def test_a_rep_gets_no_new_plan_button_and_a_clear_403(as_teammate: Client, team: Any) -> None:
    plans = as_teammate.get(reverse("plans:list"))
    assert 'data-testid="new-plan"' not in plans.content.decode()
    assert reverse("plans:import") not in plans.content.decode()
    assert 'data-testid="plans-by-managers"' in plans.content.decode()
    response = as_teammate.get(reverse("plans:create"))
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-testid="error-page"' in body and 'class="top"' in body  # the app's page, with its header
    assert 'data-testid="error-home"' in body
    assert "Seul un manager" in page_text(response) or "Only a manager creates a team plan." in page_text(response)


def test_a_rep_cannot_create_or_import_a_plan(as_teammate: Client, team: Any, demo_plan_text: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pac.web.plans.models import Plan

    form = {"name": "T2", "team": team.pk, "start": "2027-04-01", "end": "2027-06-30", "currency": "EUR"}
    assert as_teammate.post(reverse("plans:create"), {**form, "country": "FR"}).status_code == 403
    upload = SimpleUploadedFile("plan.yaml", demo_plan_text.encode(), content_type="application/yaml")
    assert as_teammate.post(reverse("plans:import"), {"file": upload, "team": team.pk}).status_code == 403
    assert not Plan.objects.exists()


def test_a_rep_cannot_create_a_plan_through_the_service(teammate: Any, team: Any) -> None:
    import datetime as dt

    from django.core.exceptions import PermissionDenied

    from pac.web.plans import services

    with pytest.raises(PermissionDenied):
        services.plan_create(user=teammate, team=team, name="T2", start=dt.date(2027, 4, 1), end=dt.date(2027, 6, 30))


def test_a_manager_keeps_the_new_plan_button(as_owner: Client) -> None:
    body = as_owner.get(reverse("plans:list")).content.decode()
    assert 'data-testid="new-plan"' in body
    assert as_owner.get(reverse("plans:create")).status_code == 200


def test_the_403_page_speaks_the_readers_language(plan: Any, as_teammate: Client) -> None:
    url = reverse("plans:edit", args=[plan.pk])
    french = as_teammate.get(url)
    assert french.status_code == 403
    assert '<html lang="fr">' in french.content.decode()
    english = _english(as_teammate).get(url)
    assert english.status_code == 403
    assert '<html lang="en">' in english.content.decode()
    assert "You may not do this" in page_text(english)


def test_the_404_page_is_styled_with_a_way_back(plan: Any, as_outsider: Client) -> None:
    response = as_outsider.get(reverse("plans:detail", args=[plan.pk]))
    assert response.status_code == 404
    body = response.content.decode()
    assert 'data-testid="error-page"' in body and 'data-testid="error-home"' in body
    assert "pac.css" in body  # base.html's style
    assert plan.name not in body  # an outsider learns nothing
    english = _english(as_outsider).get("/plans/no-such-page/")
    assert english.status_code == 404
    assert "This page does not exist" in page_text(english)


@pytest.mark.parametrize("language,html_lang", [("fr", "fr"), ("en", "en")])
def test_the_500_page_is_styled_in_the_readers_language(language: str, html_lang: str) -> None:
    from django.views.defaults import server_error

    request = RequestFactory().get("/")
    with translation.override(language):
        response = server_error(request)
    assert response.status_code == 500
    body = response.content.decode()
    assert f'<html lang="{html_lang}">' in body
    assert 'data-testid="error-page"' in body and 'data-testid="error-home"' in body
    assert "pac.css" in body
    if language == "en":
        assert "Something went wrong on our side" in page_text(response)


def test_an_unexpected_error_shows_the_500_page(client: Client, monkeypatch: Any) -> None:
    from pac.web.plans import views

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(views.selectors, "teams_of", boom)
    from pac.web.accounts.services import user_create

    from .conftest import PASSWORD

    user = user_create(username="victim", password=PASSWORD, role="manager", team_name="Équipe")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    response = client.get(reverse("plans:list"))
    assert response.status_code == 500
    assert 'data-testid="error-page"' in response.content.decode()
