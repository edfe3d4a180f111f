"""The plan's execution side in the web app: actions with RACI, events and their campaigns, the
90/30/7 views, accounts from CSV or XLSX files, exports and calendar feeds."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest
import vobject
from django.test import Client
from django.urls import reverse

from .helpers import page_text

pytestmark = pytest.mark.django_db


def _action_data(plan: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "version": plan.version,
        "code": "relance-q1",
        "type": "follow_up",
        "name": "Relances propositions",
        "status": "planned",
        "channel": "phone",
        "owner": "teammate",
        "role": "ae",
        "start": "2027-02-01",
        "end": "2027-02-26",
        "budget": "0",
        "hours": "20",
        "expected_volume": "5",
        "expected_stage": "proposal",
        "raci_r": ["teammate"],
        "raci_a": "owner",
        "milestones-TOTAL_FORMS": "0",
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "30",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_it_creates_an_action_with_its_raci_and_milestones(plan: Any, as_owner: Client, teammate: Any) -> None:
    data = _action_data(
        plan,
        **{
            "milestones-TOTAL_FORMS": "1",
            "milestones-0-name": "Point à mi-parcours",
            "milestones-0-date": "2027-02-12",
        },
    )
    response = as_owner.post(reverse("plans:entity_new", args=[plan.pk, "actions"]), data)
    assert response.status_code == 302, page_text(response)
    action = plan.actions.get(code="relance-q1")
    assert action.raci == {"R": ["teammate"], "A": "owner", "C": [], "I": []}
    assert [(m.name, m.date) for m in action.milestones.all()] == [("Point à mi-parcours", dt.date(2027, 2, 12))]


@pytest.mark.parametrize(
    "overrides,reason",
    [
        ({"raci_a": None}, "(A)"),  # exactly one Accountable
        ({"raci_r": None}, "(R)"),  # at least one Responsible
    ],
)
def test_it_refuses_an_action_whose_raci_is_incomplete(
    plan: Any, as_owner: Client, teammate: Any, overrides: dict[str, Any], reason: str
) -> None:
    response = as_owner.post(reverse("plans:entity_new", args=[plan.pk, "actions"]), _action_data(plan, **overrides))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert reason in errors
    assert not plan.actions.filter(code="relance-q1").exists()


def test_it_refuses_a_milestone_outside_the_action(plan: Any, as_owner: Client, teammate: Any) -> None:
    data = _action_data(
        plan, **{"milestones-TOTAL_FORMS": "1", "milestones-0-name": "Trop tard", "milestones-0-date": "2027-06-01"}
    )
    response = as_owner.post(reverse("plans:entity_new", args=[plan.pk, "actions"]), data)
    assert response.status_code == 200
    assert not plan.actions.filter(code="relance-q1").exists()


def test_it_filters_the_actions_by_owner_segment_and_status(plan: Any, as_owner: Client) -> None:
    url = reverse("plans:entities", args=[plan.pk, "actions"])
    everything = page_text(as_owner.get(url))
    assert "Séquence ICP" in everything and "Démos hebdomadaires" in everything
    by_owner = page_text(as_owner.get(url, {"owner": "sami"}))
    assert "Séquence ICP" in by_owner and "Démos hebdomadaires" not in by_owner
    by_segment = page_text(as_owner.get(url, {"segment": "sante"}))
    assert "ABM comptes stratégiques" in by_segment and "Séquence ICP" not in by_segment
    partial = as_owner.get(url, {"status": "done"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and "Séquence ICP" not in partial


def test_it_keeps_the_execution_pages_inside_the_team(plan: Any, as_teammate: Client, as_outsider: Client) -> None:
    for entity in ("actions", "segments", "accounts", "contacts", "events", "rituals", "deadlines", "governance"):
        assert as_outsider.get(reverse("plans:entities", args=[plan.pk, entity])).status_code == 404
        assert as_teammate.get(reverse("plans:entities", args=[plan.pk, entity])).status_code == 200
        assert as_teammate.get(reverse("plans:entity_new", args=[plan.pk, entity])).status_code == 403
    for name in ("roadmap", "month", "week", "raci", "feeds", "xlsx", "ics"):
        assert as_outsider.get(reverse(f"plans:{name}", args=[plan.pk])).status_code == 404
        assert as_teammate.get(reverse(f"plans:{name}", args=[plan.pk])).status_code == 200
    action = plan.actions.first()
    url = reverse("plans:entity_delete", args=[plan.pk, "actions", action.pk])
    assert as_teammate.post(url, {"version": plan.version}).status_code == 403
    assert plan.actions.filter(pk=action.pk).exists()


def test_it_places_an_events_campaigns_on_business_days_in_the_month_view(plan: Any, as_owner: Client) -> None:
    response = as_owner.post(
        reverse("plans:entity_new", args=[plan.pk, "events"]),
        {
            "version": plan.version,
            "code": "salon-lyon",
            "name": "Salon Lyon",
            "kind": "trade_show",
            "start": "2027-06-15",
            "end": "2027-06-17",
            "campaigns_text": "60, 30, 7",
        },
    )
    assert response.status_code == 302
    # J-60 = Fri 16 April; J-30 = Sun 16 May → Fri 14 May; J-7 = Tue 8 June.
    expected = {"2027-04-16": "J-60", "2027-05-14": "J-30", "2027-06-08": "J-7"}
    for day, label in expected.items():
        body = as_owner.get(reverse("plans:month", args=[plan.pk]), {"month": day[:7]}).content.decode()
        cell = body.split(f'data-date="{day}"', 1)[1].split("</td>", 1)[0]
        assert f"{label} · Salon Lyon" in cell


def test_it_shows_a_rep_only_their_own_week(plan: Any, team: Any) -> None:
    from pac.web.accounts.services import user_create

    from .conftest import PASSWORD, login

    sami = login(user_create(username="sami", password=PASSWORD, role="sdr", team_name=team.name))
    text = page_text(sami.get(reverse("plans:week", args=[plan.pk]), {"from": "2027-02-08"}))
    assert "Séquence ICP" in text and "Webinaire CFO" in text  # sami owns them
    assert "Démos hebdomadaires" not in text and "Offre packagée" not in text  # alex's and chloe's
    assert "Revue pipeline" in text  # sami attends the Monday review


def test_it_draws_the_raci_grid(plan: Any, as_owner: Client) -> None:
    text = page_text(as_owner.get(reverse("plans:raci", args=[plan.pk])))
    assert "Séquence ICP" in text and "Remises au-delà de 15 %" in text
    body = as_owner.get(reverse("plans:raci", args=[plan.pk])).content.decode()
    assert '<td class="letters">R/A</td>' in body  # manon runs and answers for the pipeline review


def _import_accounts(client: Client, plan: Any, name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("plans:accounts_import", args=[plan.pk]),
        {"version": plan.version, "file": SimpleUploadedFile(name, content)},
    )


def _problem_rows(response: Any) -> list[tuple[Any, ...]]:
    return [(p["line"], p["column"], p["value"], p["reason"]) for p in response.context["problems"]]


def test_it_imports_accounts_from_a_french_excel_csv(plan: Any, as_owner: Client) -> None:
    content = (
        "id;nom;segment;stratégique;potentiel;icp_fit;responsable;étape\r\n"
        "clinique-azur;Clinique d'Azur;sante;oui;125 000,50;85 %;teammate;demo\r\n"
        "mecanique-vosges;Mécanique des Vosges SAS;industrie;non;1 234,56;0,4;alex;\r\n"
    ).encode("cp1252")

    response = _import_accounts(as_owner, plan, "comptes.csv", content)

    assert response.status_code == 302, page_text(response)
    azur = plan.accounts.get(code="clinique-azur")
    assert azur.strategic and str(azur.potential) == "125000.50" and str(azur.icp_fit) == "0.850"
    assert azur.stage == "demo" and azur.owner == "teammate"
    vosges = plan.accounts.get(code="mecanique-vosges")
    assert vosges.name == "Mécanique des Vosges SAS" and not vosges.strategic
    assert (str(vosges.potential), str(vosges.icp_fit)) == ("1234.56", "0.400")


def test_it_imports_no_account_when_one_line_is_wrong(plan: Any, as_owner: Client) -> None:
    before = list(plan.accounts.values_list("code", "name"))
    content = b"id,name,potential\nnouveau,Nouveau compte,1000\nautre,Autre,beaucoup\n"

    response = _import_accounts(as_owner, plan, "a.csv", content)

    assert response.status_code == 400
    assert _problem_rows(response) == [
        (3, "potential", "beaucoup", "pas un nombre (attendu par exemple 1 234,56 ou 1234.56)")
    ]
    text = page_text(response)
    assert "Rien n'a été importé" in text and "3 potential beaucoup pas un nombre" in text
    assert list(plan.accounts.values_list("code", "name")) == before


def test_it_offers_the_problems_as_a_report_in_the_readers_language(plan: Any, as_owner: Client) -> None:
    import base64
    import re

    as_owner.post(reverse("set_language"), {"language": "en", "next": "/plans/"})
    content = "id;nom;potentiel;Notes\r\nazur;Azur;beaucoup;x\r\n".encode("cp1252")

    response = _import_accounts(as_owner, plan, "comptes.csv", content)

    assert _problem_rows(response) == [
        (
            1,
            "Notes",
            "",
            "unknown column: the columns read are id, name, segment, strategic, potential, icp_fit, owner, stage",
        ),
        (2, "potentiel", "beaucoup", "not a number (expected e.g. 1 234,56 or 1234.56)"),
    ]
    assert "Download the report (CSV)" in page_text(response)
    [encoded] = re.findall(r'href="data:text/csv;charset=utf-8;base64,([^"]+)" download', response.content.decode())
    report = base64.b64decode(encoded).decode("utf-8-sig").splitlines()
    assert report[0] == "file,line,severity,column,value,reason,code"
    assert report[2].startswith('comptes.csv,2,error,potentiel,beaucoup,"not a number')


def test_it_imports_accounts_from_an_xlsx_workbook(plan: Any, as_owner: Client) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Identifiant", "Compte", "Stratégique", "Potentiel", "ICP"])
    workbook.active.append(["atelier-lyon", "Atelier de Lyon", True, 48000.5, 0.7])
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = _import_accounts(as_owner, plan, "comptes.xlsx", buffer.getvalue())

    assert response.status_code == 302, page_text(response)
    lyon = plan.accounts.get(code="atelier-lyon")
    assert (lyon.name, lyon.strategic, str(lyon.potential), str(lyon.icp_fit)) == (
        "Atelier de Lyon",
        True,
        "48000.50",
        "0.700",
    )


def test_it_shows_the_warnings_of_an_imported_file(plan: Any, as_owner: Client) -> None:
    content = b"id;nom\r\nazur;Azur\r\nazur;Azur\r\n"

    response = _import_accounts(as_owner, plan, "comptes.csv", content)

    assert response.status_code == 302
    shown = [str(m) for m in response.wsgi_request._messages]
    assert shown[0].startswith("comptes.csv:3: id: 'azur' — ") and "(alerte)" in shown[0]
    assert plan.accounts.filter(code="azur").count() == 1


def test_it_exports_a_workbook_that_opens_in_openpyxl(plan: Any, as_owner: Client) -> None:
    response = as_owner.get(reverse("plans:xlsx", args=[plan.pk]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert {"Plan", "Actions", "RACI", "Calendrier"} <= set(book.sheetnames)


def _new_feed_url(client: Client, plan: Any, personal: str) -> str:
    """The link the page shows once, right after it is created (its path: the test client's host is made up)."""
    page = client.post(reverse("plans:feed_change", args=[plan.pk]), {"personal": personal, "do": "renew"})
    assert page.status_code == 200
    testid = "my-feed" if personal == "1" else "team-feed"
    found = re.search(rf'value="https?://[^/"]+(/feeds/[^"]+\.ics)"[^>]*data-testid="{testid}"', page.content.decode())
    assert found, page.content.decode()
    return found.group(1)


def test_it_serves_a_subscribable_feed_until_it_is_revoked(plan: Any, as_owner: Client, owner: Any) -> None:
    url = _new_feed_url(as_owner, plan, "0")
    anonymous = Client()
    response = anonymous.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    parsed = vobject.readOne(response.content.decode("utf-8"))
    summaries = [e.summary.value for e in parsed.vevent_list]
    assert any("SantExpo" in s for s in summaries) and any("Revue pipeline" in s for s in summaries)
    as_owner.post(reverse("plans:feed_change", args=[plan.pk]), {"personal": "0", "do": "revoke"})
    assert anonymous.get(url).status_code == 404


def test_it_stops_a_feed_when_its_owner_leaves_the_team(
    plan: Any, as_teammate: Client, teammate: Any, team: Any
) -> None:
    url = _new_feed_url(as_teammate, plan, "1")
    assert Client().get(url).status_code == 200
    teammate.teams.remove(team)
    assert Client().get(url).status_code == 404
    assert Client().get(reverse("feed", args=["not-a-token"])).status_code == 404


def test_it_adds_a_contact_with_a_persona_and_a_buying_role(plan: Any, as_owner: Client) -> None:
    account = plan.accounts.get(code="biolab-ouest")
    response = as_owner.post(
        reverse("plans:entity_new", args=[plan.pk, "contacts"]),
        {
            "version": plan.version,
            "account": account.pk,
            "code": "c-biolab-daf",
            "name": "Nadia Roux",
            "persona": "CFO",
            "buying_role": "economic_buyer",
            "email": "nadia.roux@example.org",
        },
    )
    assert response.status_code == 302
    contact = account.contacts.get(code="c-biolab-daf")
    assert (contact.persona, contact.buying_role) == ("CFO", "economic_buyer")
    text = page_text(as_owner.get(reverse("plans:entities", args=[plan.pk, "contacts"])))
    assert "Nadia Roux" in text and "Hélène Garnier" in text


def test_it_refuses_a_contact_on_another_plans_account(
    plan: Any, as_owner: Client, owner: Any, team: Any, demo_plan_text: str
) -> None:
    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.plans import services

    other = services.plan_create_from_file(user=owner, team=team, plan=to_plan(parse_plan_file(demo_plan_text)))
    foreign = other.accounts.get(code="biolab-ouest")
    response = as_owner.post(
        reverse("plans:entity_new", args=[plan.pk, "contacts"]),
        {"version": plan.version, "account": foreign.pk, "code": "x", "name": "Intrus"},
    )
    assert response.status_code == 200 and "account" in response.context["form"].errors
    assert not foreign.contacts.filter(code="x").exists()


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"id,name,potential\na,A,NaN\n", "2 potential NaN pas un nombre"),
        (b"id,name,potential\na,A,1e40\n", "2 potential 1e40 pas un nombre"),
        (b"id,name,potential\na,A,1000000000000000\n", "trop grand : 14 chiffres au plus avant la virgule"),
        (b"id,name,icp_fit\na,A,85\n", "hors limites : une adéquation de 0 à 1, ou de 0 % à 100 %"),
        (b"\x81\x8d\x90\x9d PK\x03\x04 not text", "ni en UTF-8 ni en Windows-1252"),
        (b"PK\x03\x04 broken zip", "classeur XLSX illisible"),
        (b"", "le fichier est vide"),
    ],
)
def test_it_explains_unreadable_account_files_without_writing(
    plan: Any, as_owner: Client, content: bytes, expected: str
) -> None:
    before = plan.accounts.count()

    response = _import_accounts(as_owner, plan, "a.csv", content)

    assert response.status_code == 400 and expected in page_text(response)
    assert plan.accounts.count() == before


def test_it_keeps_far_off_dates_in_the_query_string_harmless(plan: Any, as_owner: Client) -> None:
    for name, query in (
        ("roadmap", {"from": "9999-12-31"}),
        ("week", {"from": "0001-01-01"}),
        ("month", {"month": "9999-12"}),
        ("month", {"month": "1-1"}),
    ):
        assert as_owner.get(reverse(f"plans:{name}", args=[plan.pk]), query).status_code == 200


def test_it_refuses_to_drop_a_stage_that_effort_still_uses(plan: Any, as_owner: Client) -> None:
    from .test_plan_pages import STAGES, _formset_data

    without_lead = [dict(s) for s in STAGES if s["stage"] != "lead"]
    response = as_owner.post(
        reverse("plans:section", args=[plan.pk, "stages"]), _formset_data("stages", without_lead, plan.version)
    )
    assert response.status_code == 200 and "lead" in " ".join(response.context["formset"].non_form_errors())
    assert plan.stages.filter(stage="lead").exists()


def test_it_refuses_a_country_without_a_holiday_calendar(plan: Any, as_owner: Client) -> None:
    response = as_owner.post(
        reverse("plans:edit", args=[plan.pk]),
        {
            "version": plan.version,
            "name": plan.name,
            "start": "2027-01-01",
            "end": "2027-03-31",
            "currency": "EUR",
            "country": "ZZ",
        },
    )
    assert response.status_code == 200 and "country" in response.context["form"].errors
