"""Erasure on request: after a person is erased, no row of the database names them any more (scanned column
by column), their figures still count under a pseudonym, and the log holds who, when, what and how many —
never the name; a contact's name and e-mail are blanked; the confirmation step changes nothing; who may."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from typer.testing import CliRunner

from tests.web.conftest import PASSWORD, login
from tests.web.team_data import load_team_data

pytestmark = pytest.mark.django_db

#: How the data names Alex Martin: login, names, e-mail.
ALEX = re.compile(r"(?<!\w)(alex|martin|alex@ventes\.fr)(?!\w)", re.IGNORECASE)


@pytest.fixture
def data(team: Any, owner: Any, other_team: Any, outsider: Any, demo_plan_text: str) -> dict[str, Any]:
    return load_team_data(team, owner, other_team, demo_plan_text)


@pytest.fixture
def admin(team: Any) -> Any:
    from pac.web.accounts.services import user_create

    return user_create(username="adele", password=PASSWORD, role="admin", team_name=team.name)


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _mentions(pattern: re.Pattern[str], skip_team: Any) -> list[str]:
    """Every text cell of every table that matches, except the rows of ``skip_team`` (another team's CRM,
    whose own « Alex Martin » is somebody else as far as PAC can tell)."""
    from django.apps import apps
    from django.db import models

    found = []
    for model in apps.get_models():
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        rows = model._default_manager.all()
        if any(f.name == "team" for f in model._meta.concrete_fields):
            rows = rows.exclude(team=skip_team)
        for row in rows.values_list("pk", *columns):
            for column, value in zip(columns, row[1:], strict=True):
                found.extend(f"{model.__name__}.{column}#{row[0]}: {t}" for t in _texts(value) if pattern.search(t))
    return found


def test_an_erased_person_is_named_nowhere_and_their_figures_still_count(
    data: dict[str, Any], team: Any, other_team: Any, admin: Any
) -> None:
    from axes.models import AccessFailureLog

    from pac.web.accounts.models import User
    from pac.web.crm.models import Opportunity
    from pac.web.plans.models import Action, CalendarFeed
    from pac.web.privacy.erasure import erase_person, reference
    from pac.web.privacy.models import Erasure

    CalendarFeed.objects.create(
        plan=data["plan"], user=data["alex"], personal=True, token_hash=CalendarFeed.hash_token("s3cr3t-feed")
    )
    AccessFailureLog.objects.create(username="alex", ip_address="192.0.2.7", user_agent="curl", path_info="/")
    from pac.web.api.services import token_create

    script = token_create(user=data["alex"], name="Export du soir", write=True)
    assert len(_mentions(ALEX, other_team)) > 20
    won = Opportunity.objects.filter(team=team).aggregate(total=Sum("amount"))["total"]
    stamp = team.data_stamp
    erasure = erase_person(username="alex", done_by=admin, requested_by="subject", request_ref="DPO-2026-12", team=team)

    assert _mentions(ALEX, other_team) == []
    alex = User.objects.get(pk=data["alex"].pk)
    assert alex.username == f"erased-{erasure.pk}" and re.search(rf"\D{erasure.pk}$", alex.get_full_name())
    assert not alex.is_active and not alex.has_usable_password() and alex.email == ""
    refused = Client().post(reverse("login"), {"username": "alex", "password": PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in refused.client.session  # the login form again
    pseudonym = alex.first_name
    deals = Opportunity.objects.filter(team=team)
    assert deals.count() == 40 and deals.aggregate(total=Sum("amount"))["total"] == won  # the figures stay
    assert deals.filter(owner=pseudonym).count() == 30  # « Alex Martin », « alex », « ALEX@VENTES.FR »
    assert deals.filter(owner="Sami Benali").count() == 10
    assert Opportunity.objects.filter(team=other_team, owner="Alex Martin").count() == 7  # not this team's Alex
    assert Action.objects.filter(plan=data["plan"], owner=alex.username).exists()  # still owns their actions
    assert any(alex.username in a.raci.get("R", []) for a in Action.objects.filter(plan=data["plan"]))
    assert CalendarFeed.objects.get(token_hash=CalendarFeed.hash_token("s3cr3t-feed")).revoked_at is not None
    assert not AccessFailureLog.objects.filter(username="alex").exists()  # the login attempts kept their name
    script.token.refresh_from_db()
    assert script.token.revoked_at is not None  # their scripts stop reading the team's data
    assert team.__class__.objects.get(pk=team.pk).data_stamp != stamp  # cached figures showed the name
    logged = Erasure.objects.get()
    assert (logged.kind, logged.done_by, logged.team, logged.request_ref) == ("person", admin, team, "DPO-2026-12")
    assert logged.reference == reference("alex") != "alex" and len(logged.reference) == 64
    assert logged.counts["crm_opportunities"] == 30 and logged.counts["members"] == 1
    assert logged.counts["decisions"] == 1 and logged.counts["alert_channels"] == 1
    assert logged.counts["import_jobs"] == 1  # a refused import quoted the owner's name
    assert logged.rows == sum(logged.counts.values())
    with pytest.raises(ValidationError):  # once is enough
        erase_person(username=alex.username, done_by=admin)


def test_the_scrubbers_other_apps_register_run_with_the_persons_username(
    data: dict[str, Any], admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pac.web.accounts.models import User
    from pac.web.privacy import erasure

    heard: list[tuple[str, bool]] = []

    def scrub(username: str) -> int:
        heard.append((username, User.objects.filter(username=username).exists()))
        return 3

    monkeypatch.setitem(erasure.PERSON_SCRUBBERS, "history", scrub)
    logged = erasure.erase_person(username="alex", done_by=admin)
    assert heard == [("alex", True)]  # before the account is renamed
    assert logged.counts["history"] == 3


def test_a_contact_is_blanked_in_the_crm_and_in_the_plans(data: dict[str, Any], team: Any, admin: Any) -> None:
    from pac.web.crm.models import CrmContact
    from pac.web.plans.models import Contact, Decision
    from pac.web.privacy.erasure import erase_contact
    from pac.web.privacy.models import Erasure

    decision = Decision.objects.get()
    decision.reason = "Hélène Garnier signe si la démo rassure"
    decision.save()
    logged = erase_contact(team=team, contact="Helene.Garnier@clinique.fr", done_by=admin)
    crm = CrmContact.objects.get(team=team, external_id="CT-1")
    assert (crm.name, crm.email, crm.account) == ("", "", "ACC-0")  # the row stays, its person is gone
    assert CrmContact.objects.get(external_id="CT-2").name == "Marc Petit"
    planned = Contact.objects.get(pk=data["contact"].pk)
    assert planned.email == "" and "Garnier" not in planned.name and planned.name.endswith(str(logged.pk))
    assert logged.counts == {
        "crm_contacts": 1,
        "decisions": 1,
        "decisions_history": 1,
        "target_contacts": 1,
        "target_contacts_history": 2,  # every version of the contact the history kept
    }
    past = Contact.history.filter(id=planned.pk)
    assert past.exists() and not past.filter(email__icontains="garnier").exists()
    assert not past.filter(name__icontains="garnier").exists()
    assert Decision.objects.get().reason == f"{planned.name} signe si la démo rassure"
    by_id = erase_contact(team=team, contact="CT-2", done_by=admin)
    assert by_id.counts == {"crm_contacts": 1} and CrmContact.objects.get(external_id="CT-2").email == ""
    with pytest.raises(ValidationError, match=r"nobody@nowhere\.fr"):
        erase_contact(team=team, contact="nobody@nowhere.fr", done_by=admin)
    assert Erasure.objects.count() == 2  # a contact not found is not logged


def test_the_web_erasure_shows_what_it_changes_then_erases_on_confirmation(
    data: dict[str, Any], team: Any, admin: Any
) -> None:
    from pac.web.accounts.models import User
    from pac.web.privacy.models import Erasure

    client = login(admin)
    url = reverse("privacy:erase_person", args=[team.pk])
    asked = {"username": "alex", "requested_by": "subject", "request_ref": "T-42"}
    preview = client.post(url, asked)
    assert preview.status_code == 200 and 'data-testid="confirm-erasure"' in preview.content.decode()
    assert 'name="username" value="alex"' in preview.content.decode()
    assert "crm_opportunities" not in preview.content.decode()  # tables by their names, not their codes
    assert User.objects.get(pk=data["alex"].pk).is_active and not Erasure.objects.exists()  # nothing done yet
    done = client.post(url, {**asked, "confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == reverse("privacy:team_data", args=[team.pk])
    assert not User.objects.get(pk=data["alex"].pk).is_active
    page = client.get(done["Location"]).content.decode()
    assert f'data-erasure="{Erasure.objects.get().pk}"' in page and "Alex" not in page
    yourself = client.post(url, {"username": "adele", "requested_by": "subject", "confirm": "yes"})
    assert yourself.status_code == 400 and User.objects.get(pk=admin.pk).is_active
    contact = client.post(
        reverse("privacy:erase_contact", args=[team.pk]), {"contact": "inconnu@x.fr", "requested_by": "company"}
    )
    assert contact.status_code == 400 and "inconnu@x.fr" in contact.content.decode()


def test_only_the_teams_administrators_erase(
    data: dict[str, Any], team: Any, as_owner: Client, as_teammate: Client, as_outsider: Client
) -> None:
    from pac.web.accounts.models import User

    asked = {"username": "alex", "requested_by": "subject", "confirm": "yes"}
    url = reverse("privacy:erase_person", args=[team.pk])
    assert as_owner.post(url, asked).status_code == 403  # a manager exports, but does not erase
    assert as_teammate.post(url, asked).status_code == 403
    assert as_outsider.post(url, asked).status_code == 404
    contact = reverse("privacy:erase_contact", args=[team.pk])
    assert as_owner.post(contact, {"contact": "CT-1", "requested_by": "subject"}).status_code == 403
    assert as_owner.get(url).status_code == 405
    assert User.objects.get(username="alex").is_active


def test_pac_erase_from_the_command_line(data: dict[str, Any], team: Any, other_team: Any) -> None:
    from pac.cli import app
    from pac.web.privacy.models import Erasure

    result = CliRunner().invoke(app, ["erase", "person", "alex", "--ref", "DPO-7"])
    assert result.exit_code == 0, result.output
    logged = Erasure.objects.get()
    assert logged.via == "cli" and logged.done_by is None and str(logged.pk) in result.output
    again = CliRunner().invoke(app, ["erase", "person", "alex"])
    assert again.exit_code == 2 and "alex" in again.output and "Traceback" not in again.output
    from pac.web.crm.models import CrmContact

    CrmContact.objects.create(team=other_team, external_id="CT-2", name="Autre Marc")
    several = CliRunner().invoke(app, ["erase", "contact", "CT-2"])
    assert several.exit_code == 2 and "Channel industrie" in several.output and "--team" in several.output
    nowhere = CliRunner().invoke(app, ["erase", "contact", "CT-404"])
    assert nowhere.exit_code == 2 and "CT-404" in nowhere.output
    contact = CliRunner().invoke(app, ["erase", "contact", "CT-1", "--requested-by", "company"])  # one team has it
    assert contact.exit_code == 0, contact.output
    assert CrmContact.objects.get(team=team, external_id="CT-1").name == ""
    wrong = CliRunner().invoke(app, ["erase", "contact", "CT-1", "--team", team.name, "--requested-by", "moi"])
    assert wrong.exit_code == 2 and Erasure.objects.count() == 2
    assert Decimal(Erasure.objects.filter(kind="contact").get().counts["crm_contacts"]) == 1
