"""Versions of a plan (issue 13): every saved change keeps one, a baseline is chosen, two versions compare
object by object in words — by the team only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from .conftest import login
from .helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def saved(plan: Any, owner: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """The plan as imported (one version), then the manager's change: an action's budget and owner, a new
    action, a segment removed — one saved change, so one more version."""
    from pac.web.plans import execution
    from pac.web.plans.models import Action, Plan, PlanVersion
    from pac.web.plans.recorded import recorded_as
    from pac.web.plans.versions import snapshot

    snapshot(plan.pk, owner)  # the import's version (its own commit happened in the fixture's transaction)
    owner.first_name, owner.last_name = "Manon", "Leroy"
    owner.save()
    action = Action.objects.filter(plan=plan).order_by("pk").first()
    plan.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True), recorded_as(owner), transaction.atomic():
        action.budget = action.budget + Decimal(1500)
        execution.entity_save(user=owner, plan=plan, expected_version=plan.version, entity="actions", instance=action)
        plan = Plan.objects.get(pk=plan.pk)
        added = Action(
            code="webinar-cfo",
            type=action.type,
            name="Webinaire CFO",
            start=dt.date(2027, 2, 1),
            end=dt.date(2027, 2, 26),
            owner=owner.username,
        )
        execution.entity_save(user=owner, plan=plan, expected_version=plan.version, entity="actions", instance=added)
    assert PlanVersion.objects.filter(plan=plan).count() == 2  # two bumps in one transaction: one version
    return {"plan": Plan.objects.get(pk=plan.pk), "action": action}


def test_each_saved_change_keeps_one_version_numbered_like_the_plan(saved: Any, owner: Any) -> None:
    plan = saved["plan"]
    newest = plan.versions.first()
    assert newest.number == plan.version and newest.author == owner
    assert "webinar-cfo" in newest.content and "webinar-cfo" not in plan.versions.last().content


def test_a_change_rolled_back_leaves_no_version(plan: Any, owner: Any, django_capture_on_commit_callbacks: Any) -> None:
    from pac.web.plans import services

    plan.refresh_from_db()
    before = plan.versions.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.plan_update(user=owner, plan=plan, expected_version=plan.version, fields={"name": "Autre nom"})
        raise RuntimeError("the request failed after the change")
    assert plan.versions.count() == before


def test_the_comparison_says_in_words_what_changed(saved: Any, as_owner: Client) -> None:
    plan, action = saved["plan"], saved["action"]
    first, last = plan.versions.last().number, plan.versions.first().number
    response = as_owner.get(reverse("plans:versions_compare", args=[plan.pk]), {"old": first, "new": last})
    assert response.status_code == 200
    text = page_text(response)
    assert "2 modifications : 1 ajout, 0 retrait, 1 changement." in text
    assert "Actions" in text and "ajouté Webinaire CFO" in text
    old_budget = f"{int(action.budget - 1500):,}".replace(",", " ")
    new_budget = f"{int(action.budget):,}".replace(",", " ")
    assert f"{action.name} · Budget : {old_budget} € → {new_budget} €" in text
    assert "budget" not in text.replace("Budget", "")  # the field by its label, never its key


def test_the_comparison_reads_in_english_too(saved: Any, as_owner: Client) -> None:
    plan = saved["plan"]
    as_owner.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = page_text(as_owner.get(reverse("plans:versions_compare", args=[plan.pk])))
    assert "2 changes: 1 added, 0 removed, 1 changed." in text and "added Webinaire CFO" in text


def test_the_manager_chooses_the_baseline_and_the_comparison_starts_from_it(saved: Any, as_owner: Client) -> None:
    plan = saved["plan"]
    first = plan.versions.last().number
    response = as_owner.post(reverse("plans:version_baseline", args=[plan.pk, first]))
    assert response.status_code == 302
    assert list(plan.versions.filter(baseline=True).values_list("number", flat=True)) == [first]
    listing = page_text(as_owner.get(reverse("plans:versions", args=[plan.pk])))
    assert f"La version de référence est la version {first}." in listing
    # the comparison with no choice made: the baseline against the latest
    text = page_text(as_owner.get(reverse("plans:versions_compare", args=[plan.pk])))
    assert f"Version {first} → version {plan.version}" in text
    second = plan.versions.first().number
    as_owner.post(reverse("plans:version_baseline", args=[plan.pk, second]))
    assert list(plan.versions.filter(baseline=True).values_list("number", flat=True)) == [second]


def test_a_rep_reads_the_versions_but_may_not_choose_the_baseline(saved: Any, as_teammate: Client) -> None:
    plan = saved["plan"]
    assert as_teammate.get(reverse("plans:versions", args=[plan.pk])).status_code == 200
    number = plan.versions.last().number
    assert as_teammate.post(reverse("plans:version_baseline", args=[plan.pk, number])).status_code == 403
    assert not plan.versions.filter(baseline=True).exists()


def test_an_outsider_learns_nothing_of_the_versions(saved: Any, outsider: Any) -> None:
    plan = saved["plan"]
    client = login(outsider)
    number = plan.versions.last().number
    assert client.get(reverse("plans:versions", args=[plan.pk])).status_code == 404
    compare = reverse("plans:versions_compare", args=[plan.pk])
    assert client.get(compare, {"old": number, "new": number}).status_code == 404
    assert client.post(reverse("plans:version_baseline", args=[plan.pk, number])).status_code == 404


def test_a_version_of_another_plan_or_a_bad_number_is_not_found(saved: Any, as_owner: Client) -> None:
    plan = saved["plan"]
    url = reverse("plans:versions_compare", args=[plan.pk])
    assert as_owner.get(url, {"old": "999999", "new": plan.version}).status_code == 404
    # not a number: as if nothing were chosen, the previous version against the latest
    first, last = plan.versions.last().number, plan.versions.first().number
    assert f"Version {first} → version {last}" in page_text(as_owner.get(url, {"old": "1e9", "new": last}))


def test_an_erased_person_is_named_in_no_version_and_the_versions_still_compare(
    saved: Any, owner: Any, teammate: Any, as_owner: Client, django_capture_on_commit_callbacks: Any
) -> None:
    from pac.web.plans import execution
    from pac.web.plans.models import Action, Plan
    from pac.web.privacy.erasure import erase_person

    plan = saved["plan"]
    teammate.first_name, teammate.last_name = "Camille", "Durand"
    teammate.save()
    action = Action.objects.get(plan=plan, code="webinar-cfo")
    action.owner, action.message = teammate.username, "Préparé avec Camille Durand"
    with django_capture_on_commit_callbacks(execute=True):
        execution.entity_save(user=owner, plan=plan, expected_version=plan.version, entity="actions", instance=action)
    plan = Plan.objects.get(pk=plan.pk)
    assert "Camille Durand" in plan.versions.first().content
    erase_person(username=teammate.username, done_by=owner)
    for version in plan.versions.all():
        assert "teammate" not in version.content and "Camille" not in version.content
    newest, before = plan.versions.all()[:2]
    compare = reverse("plans:versions_compare", args=[plan.pk])
    response = as_owner.get(compare, {"old": before.number, "new": newest.number})
    assert response.status_code == 200
    assert "Webinaire CFO · Responsable : Manon Leroy → Personne effacée" in page_text(response)
