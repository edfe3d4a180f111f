"""The cockpit's landing page: where the manager and each rep land after logging in, with the plan under
way's pace, funnel, key figures and the deals that need attention — a rep's own only."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pac.engine.planfile import parse_plan_file, to_plan

from ..plans import plan_under_way
from .conftest import PASSWORD, login
from .helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def under_way(owner: Any, team: Any, teammate: Any) -> Any:
    """A plan started 40 days ago; the manager's rep `teammate` and a colleague `carla` each won deals."""
    from pac.web.crm.models import Opportunity
    from pac.web.plans import services

    today = timezone.localdate()
    start, end = today - dt.timedelta(days=40), today + dt.timedelta(days=50)
    plan = services.plan_create_from_file(
        user=owner, team=team, plan=to_plan(parse_plan_file(plan_under_way(start, end)))
    )
    deals = [
        ("w1", "teammate", "won", 12000, 35, 10),
        ("w2", "teammate", "won", 8000, 30, 5),
        ("w3", "carla", "won", 30000, 38, 2),
        ("l1", "carla", "lost", 5000, 20, 3),
        ("o1", "teammate", "open", 7000, 200, None),  # stalled: open far longer than the cycle
        ("o2", "carla", "open", 9000, 400, None),
        ("old", "carla", "won", 50000, 300, 200),  # won before the plan: not this plan's revenue
    ]
    for external_id, who, outcome, amount, created, closed in deals:
        Opportunity.objects.create(
            team=team,
            external_id=external_id,
            name=f"Affaire {external_id}",
            owner=who,
            outcome=outcome,
            amount=Decimal(amount),
            created=today - dt.timedelta(days=created),
            closed=today - dt.timedelta(days=closed) if closed is not None else None,
        )
    return plan


def _euros(amount: int) -> str:
    return f"{amount:,}".replace(",", " ") + " €"


def test_the_manager_lands_on_the_cockpit_of_the_plan_under_way(under_way: Any, owner: Any) -> None:
    client = Client()
    response = client.post(reverse("login"), {"username": "owner", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("cockpit:home")
    text = page_text(response)
    assert under_way.name in text
    assert f"Chiffre d'affaires signé : {_euros(50000)} sur {_euros(100000)} (50 %)" in text
    assert "Affaire o2" in text and "Affaire o1" in text  # the team's open deals, oldest first
    assert "win_rate" not in text and "None" not in text


def test_a_rep_sees_only_their_own_deals_and_revenue(under_way: Any, teammate: Any) -> None:
    text = page_text(login(teammate).get(reverse("cockpit:home") + "?owner=carla"))  # asking for another's
    # the team's 100 000 € split between the two owners of its deals
    assert f"Chiffre d'affaires signé : {_euros(20000)} sur {_euros(50000)} (40 %)" in text
    assert "Votre part du plan : 50 %" in text
    assert "Ci-dessous, les objectifs de toute l'équipe" in text  # the team's progress is said to be the team's
    assert "Affaire o1" in text and "Affaire o2" not in text and "carla" not in text
    # no levers against the team's whole target from one rep's deals: the corrective plan is the team's
    assert "Le plan correctif est celui de toute l'équipe" in text and 'data-lever="' not in text


def test_the_manager_narrows_to_one_owner(under_way: Any, owner: Any) -> None:
    text = page_text(login(owner).get(reverse("cockpit:home") + "?owner=carla"))
    assert f"Chiffre d'affaires signé : {_euros(30000)} sur" in text
    assert "Affaire o2" in text and "Affaire o1" not in text


def test_the_funnel_and_the_weekly_re_plan_are_shown_against_the_plan(under_way: Any, owner: Any) -> None:
    response = login(owner).get(reverse("cockpit:home"))
    body = response.content.decode()
    funnel = body.split('id="funnel-vs-plan"', 1)[1].split("</table>", 1)[0]
    assert "Gagné" in funnel and "SQL" in funnel
    replan = body.split('id="replan"', 1)[1].split("</table>", 1)[0]
    assert replan.count("<tr") == 1 + len(
        {(timezone.localdate() + dt.timedelta(days=d)).isocalendar()[:2] for d in range(-40, 51)}
    )
    assert "burnup-spec" in body


def test_an_outsider_sees_no_plan_of_the_team(under_way: Any, outsider: Any) -> None:
    client = login(outsider)
    response = client.get(reverse("cockpit:home"))
    assert response.status_code == 302 and response.url == reverse("plans:list")
    assert client.get(reverse("cockpit:home") + f"?plan={under_way.pk}").status_code == 302


def test_the_manager_of_two_teams_picks_the_team_and_the_period(
    under_way: Any, owner: Any, other_team: Any, outsider: Any
) -> None:
    from pac.web.plans import services

    owner.teams.add(other_team)
    today = timezone.localdate()
    files = {
        "Industrie en cours": (other_team, today - dt.timedelta(days=10), today + dt.timedelta(days=80)),
        "Industrie passé": (other_team, today - dt.timedelta(days=200), today - dt.timedelta(days=110)),
    }
    made = {}
    for name, (team, start, end) in files.items():
        text = plan_under_way(start, end).replace('name: "Trimestre"', f'name: "{name}"')
        made[name] = services.plan_create_from_file(user=owner, team=team, plan=to_plan(parse_plan_file(text)))
    client = login(owner)
    body = client.get(reverse("cockpit:home") + f"?team={other_team.pk}").content.decode()
    assert "<h1>Industrie en cours" in body  # the other team's plan under way
    periods = body.split('data-testid="period"', 1)[1].split("</select>", 1)[0]
    assert "Industrie passé" in periods and under_way.name not in periods  # only that team's periods
    past = made["Industrie passé"]
    body = client.get(reverse("cockpit:home") + f"?team={other_team.pk}&plan={past.pk}").content.decode()
    assert "<h1>Industrie passé" in body
    # a plan of another team than the one chosen: the chosen team's plan under way instead
    body = client.get(reverse("cockpit:home") + f"?team={other_team.pk}&plan={under_way.pk}").content.decode()
    assert "<h1>Industrie en cours" in body
    # the outsider, a member of the other team only, has no team to choose and never sees the first team
    body = login(outsider).get(reverse("cockpit:home") + f"?team={under_way.team.pk}").content.decode()
    assert 'data-testid="team"' not in body and under_way.name not in body and "<h1>Industrie en cours" in body


def _lever_form(body: str) -> dict[str, str]:
    form = re.split(r'action="/cockpit/plans/\d+/levers/accept/"', body, maxsplit=1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))


def test_the_manager_accepts_a_corrective_lever_and_finds_its_actions_in_the_plan(under_way: Any, owner: Any) -> None:
    from pac.web.plans.models import Action, Decision

    client = login(owner)
    body = client.get(reverse("cockpit:home")).content.decode()
    assert 'id="levers"' in body and 'data-testid="accept-' in body
    fields = _lever_form(html.unescape(body))
    response = client.post(reverse("cockpit:lever_accept", args=[under_way.pk]), fields)
    assert response.status_code == 302
    assert response.url == reverse("plans:entities", args=[under_way.pk, "actions"])
    added = list(Action.objects.filter(plan=under_way))
    assert added and all(a.status == "planned" and a.start >= timezone.localdate() for a in added)
    decisions = Decision.objects.filter(plan=under_way, include=True)
    assert {d.action_id for d in decisions} == {a.pk for a in added}
    assert all(d.decided_by == owner and d.reason.startswith("Plan correctif accepté") for d in decisions)
    # the same form again: the plan's version has moved on, nothing more is added
    again = client.post(reverse("cockpit:lever_accept", args=[under_way.pk]), fields, follow=True)
    assert Action.objects.filter(plan=under_way).count() == len(added)
    assert "a modifié le plan" in page_text(again) or "ont changé" in page_text(again)


def test_a_rep_may_not_accept_a_lever(under_way: Any, teammate: Any) -> None:
    from pac.web.plans.models import Action

    response = login(teammate).post(
        reverse("cockpit:lever_accept", args=[under_way.pk]), {"lever": "volume:x", "version": "1"}
    )
    assert response.status_code == 403 and not Action.objects.filter(plan=under_way).exists()


def test_an_outsider_may_not_accept_a_lever(under_way: Any, outsider: Any) -> None:
    response = login(outsider).post(reverse("cockpit:lever_accept", args=[under_way.pk]), {"lever": "x"})
    assert response.status_code == 404


def test_the_manager_and_the_rep_each_read_their_own_forecast(under_way: Any, owner: Any, teammate: Any) -> None:
    team_page = login(owner).get(reverse("cockpit:home"))
    rep_page = login(teammate).get(reverse("cockpit:home"))
    team, mine = team_page.context["forecast"], rep_page.context["forecast"]
    assert team and mine and team["probability"] and mine["probability"]
    assert "Probabilité d'atteindre l'objectif" in page_text(team_page)
    # the rep's forecast starts from their own 20 000 € won, the team's from 50 000 €
    assert mine["closed_won"] != team["closed_won"]
    assert "20" in mine["closed_won"] and "50" in team["closed_won"]


def test_an_import_that_changes_the_teams_deals_shows_at_once_on_the_page(under_way: Any, owner: Any) -> None:
    """The page's figures are kept between two views; an import of the team's deals brings the new ones."""
    from pac.web.crm.services import records_import

    client = login(owner)
    before = page_text(client.get(reverse("cockpit:home")))
    assert f"Chiffre d'affaires signé : {_euros(50000)} sur {_euros(100000)} (50 %)" in before
    assert "Affaire o2" in before
    today = timezone.localdate()
    deal = {"owner": "carla", "outcome": "won", "closed": today - dt.timedelta(days=1)}
    records_import(
        user=owner,
        team=under_way.team,
        kind="opportunities",
        records=[
            {
                **deal,
                "external_id": "w4",
                "name": "Affaire w4",
                "amount": Decimal(25000),
                "created": today - dt.timedelta(days=20),
            },
            {
                **deal,
                "external_id": "o2",
                "name": "Affaire o2",
                "amount": Decimal(9000),
                "created": today - dt.timedelta(days=400),
            },
        ],
    )
    after = page_text(client.get(reverse("cockpit:home")))
    assert f"Chiffre d'affaires signé : {_euros(84000)} sur {_euros(100000)} (84 %)" in after
    assert "Affaire o2" not in after  # won now: no longer a deal needing attention
    assert "Affaire o1" in after


def test_a_second_view_reads_the_kept_figures_not_the_deals(under_way: Any, owner: Any) -> None:
    """On a large history the figures take seconds: once computed, a view asks the database only for the
    plan, the reader and the data's stamp, never for the deals again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(owner)
    client.get(reverse("cockpit:home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cockpit:home")).status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "crm_opportunity" in q["sql"]]


def test_a_change_of_the_plan_shows_at_once_on_the_page(under_way: Any, owner: Any) -> None:
    """Halving the average deal doubles the deals the funnel plans by today: the kept figures give way."""
    from pac.web.plans.services import plan_update

    client = login(owner)

    def funnel() -> str:
        body = client.get(reverse("cockpit:home")).content.decode()
        return body.split('id="funnel-vs-plan"', 1)[1].split("</table>", 1)[0]

    before = funnel()
    plan_update(user=owner, plan=under_way, expected_version=under_way.version, fields={"average_deal": Decimal(5000)})
    assert funnel() != before


def test_after_an_import_the_first_view_finds_its_figures_computed_by_the_worker(
    under_way: Any, owner: Any, teammate: Any, settings: Any, tmp_path: Any
) -> None:
    """The import's job queues the warm-up of the team's plans under way (run at once by the tests'
    task backend): the manager's first view afterwards reads no deal, and shows the new one."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pac.web.crm.models import ImportJob

    settings.DATA_DIR = tmp_path
    today = timezone.localdate()
    csv = (
        "Opportunity ID,Opportunity Name,Stage,Amount,Close Date,Created Date,Opportunity Owner\r\n"
        f"w9,Affaire w9,Closed Won,40000,{today - dt.timedelta(days=2)},{today - dt.timedelta(days=30)},carla\r\n"
    ).encode()
    client = login(owner)
    fields = {"team": under_way.team.pk, "kind": "opportunities", "preset": "salesforce-opportunities"}
    client.post(reverse("crm:import"), {**fields, "on_duplicate": "error", "file": SimpleUploadedFile("s.csv", csv)})
    assert ImportJob.objects.get(team=under_way.team).status == ImportJob.DONE
    with CaptureQueriesContext(connection) as queries:
        text = page_text(client.get(reverse("cockpit:home")))
    assert not [q["sql"] for q in queries.captured_queries if "crm_opportunity" in q["sql"]]
    assert f"Chiffre d'affaires signé : {_euros(90000)} sur {_euros(100000)} (90 %)" in text
    # a rep's own view was not warmed: it is computed when asked, from the new data too
    assert "Affaire w9" not in page_text(login(teammate).get(reverse("cockpit:home")))


def test_figures_an_older_release_left_in_the_cache_are_computed_again(
    under_way: Any, owner: Any, monkeypatch: Any
) -> None:
    """The file cache outlives upgrades: an entry this version cannot read back is a miss, not a 500."""
    from django.core.cache import cache

    def unreadable(key: str, default: Any = None, version: Any = None) -> Any:
        raise AttributeError("Can't get attribute 'Landing' on <module 'pac.web.cockpit.views'>")

    monkeypatch.setattr(cache, "get", unreadable)
    text = page_text(login(owner).get(reverse("cockpit:home")))
    assert f"Chiffre d'affaires signé : {_euros(50000)} sur {_euros(100000)} (50 %)" in text


def test_a_rep_who_owns_no_deal_yet_lands_on_a_page_that_says_why_figures_are_missing(
    under_way: Any, team: Any
) -> None:
    """An SDR owns no deal: their tiles have no figure, and each says why in words (a reason naming a
    table once answered 500 on the landing page, its sentence's table left out)."""
    from pac.web.accounts.models import User

    sdr = User.objects.create_user("nadia", password=PASSWORD, role="sdr", first_name="Nadia")
    sdr.teams.add(team)
    response = login(sdr).get(reverse("cockpit:home"))
    assert response.status_code == 200
    text = page_text(response)
    assert "Chiffre d'affaires signé : 0 € sur" in text
    assert "{" not in text and "no_" not in text and "None" not in text
