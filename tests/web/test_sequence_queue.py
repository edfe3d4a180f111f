"""The rep's « Aujourd'hui » queue: what a rep sees and logs in one click, a manager's team view, who may
do what; and the outcomes logged becoming CRM activities that move the KPIs.

Run on SQLite and on PostgreSQL (``DATABASE_URL``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from pac.web.sequences import services
from pac.web.sequences.models import Enrolment, EnrolmentStatus, Touch, TouchStatus

from .conftest import _user, login
from .test_sequences_db import START, cadence, crm_plan  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 12)  # after the phone (day 3) and social (day 8) steps of an enrolment on START
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def enrolled(owner: Any, crm_plan: Any, cadence: Any, monkeypatch: Any) -> Any:  # noqa: F811
    """The ICP segment enrolled on START; « today » is DAY for the pages."""
    services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: DAY)
    return crm_plan


def _fr(client: Client) -> Client:
    client.cookies["django_language"] = "fr"
    return client


def test_a_rep_sees_their_manual_touches_strategic_first_with_what_to_do(teammate: Any, enrolled: Any) -> None:
    page = _fr(login(teammate)).get(reverse("sequences:today"))

    assert page.status_code == 200
    html = page.content.decode()
    cards = html.split('data-testid="touch"')[1:]
    assert len(cards) == 4  # the teammate's two contacts × phone and social; no e-mail step, no one else's
    assert "Compte 4" in cards[0] and "compte stratégique" in cards[0]  # the strategic account first
    assert "Compte 3" in cards[2]
    assert "Appeler après l&#x27;e-mail" in cards[0]  # the step's instructions
    assert "Étape 2 sur 4" in cards[0] and "Téléphone" in cards[0] and "C4@Client4.fr" in cards[0]
    assert "7 jours de retard" in cards[0]  # due Thursday 5 March, seen on Thursday 12
    assert "Pas de réponse" in cards[0] and "RDV pris" in cards[0] and "Numéro invalide" in cards[0]
    assert "Compte 0" not in html  # the manager's contacts are not the rep's
    results = reverse("sequences:results", args=[enrolled.pk, Touch.objects.first().enrolment.sequence_id])
    assert f'href="{results}" data-testid="sequence-results">4 touches sur 21 jours</a>' in cards[0]
    for english in ("Step ", "No answer", "Meeting booked", "days late", "None"):
        assert english not in html


def test_one_click_logs_the_outcome_and_a_second_click_says_it_was_done(teammate: Any, enrolled: Any) -> None:
    touch = Touch.objects.get(enrolment__contact__code="c3", step=2)
    url = reverse("sequences:touch_outcome", args=[touch.pk])
    client = _fr(login(teammate))

    done = client.post(url, {"outcome": "booked"}, **HTMX)

    assert done.status_code == 200
    assert 'data-testid="touch-done"' in done.content.decode()
    assert "Contact 3 (Compte 3), rendez-vous pris" in done.content.decode()
    touch.refresh_from_db()
    assert (touch.status, touch.outcome) == (TouchStatus.DONE, "booked")
    enrolment = Enrolment.objects.get(contact__code="c3")
    assert (enrolment.status, enrolment.stop_reason) == (EnrolmentStatus.STOPPED, "meeting")

    again = client.post(url, {"outcome": "no_answer"}, **HTMX)  # a double click, or a stale page

    assert again.status_code == 200
    assert 'data-testid="touch-stale"' in again.content.decode()
    assert "déjà" in again.content.decode()
    touch.refresh_from_db()
    assert touch.outcome == "booked"
    gone = client.get(reverse("sequences:today")).content.decode()
    assert "Compte 3" not in gone  # the contact left the sequence: their social step went with it


def test_without_javascript_the_queue_comes_back_with_a_message(teammate: Any, enrolled: Any) -> None:
    touch = Touch.objects.get(enrolment__contact__code="c4", step=3)
    client = login(teammate)

    back = client.post(reverse("sequences:touch_outcome", args=[touch.pk]), {"outcome": "no_answer"}, follow=True)

    assert back.redirect_chain[-1][0] == reverse("sequences:today")
    assert Touch.objects.get(pk=touch.pk).outcome == "no_answer"
    refused = client.post(reverse("sequences:touch_outcome", args=[touch.pk]), {"outcome": "sent"}, **HTMX)
    assert "résultats proposés" in refused.content.decode()  # an e-mail's outcome is not a call's


def test_a_manager_sees_the_team_queue_and_filters_it_per_rep(owner: Any, teammate: Any, enrolled: Any) -> None:
    client = login(owner)

    everyone = client.get(reverse("sequences:today")).content.decode()
    alone = client.get(reverse("sequences:today"), {"rep": "teammate"}).content.decode()
    mine = client.get(reverse("sequences:today"), {"rep": ""}).content.decode()

    assert everyone.count('data-testid="touch"') == 12  # 6 contacts × phone and social
    assert alone.count('data-testid="touch"') == 4 and "Compte 0" not in alone
    assert mine.count('data-testid="touch"') == 8 and "Compte 4" not in mine
    assert 'data-testid="rep-filter"' in everyone
    rep_page = login(teammate).get(reverse("sequences:today"), {"rep": "owner"}).content.decode()
    assert rep_page.count('data-testid="touch"') == 4 and 'data-testid="rep-filter"' not in rep_page


def test_who_may_log_what(owner: Any, teammate: Any, outsider: Any, team: Any, enrolled: Any) -> None:
    managers = Touch.objects.get(enrolment__contact__code="c0", step=2)
    reps = Touch.objects.get(enrolment__contact__code="c3", step=2)
    url = reverse("sequences:touch_outcome", args=[managers.pk])

    assert login(teammate).post(url, {"outcome": "replied"}).status_code == 403  # not their touch
    assert login(outsider).post(url, {"outcome": "replied"}).status_code == 404
    executive = _user("claire", "executive", team)
    assert login(executive).post(url, {"outcome": "replied"}).status_code == 403
    assert login(executive).get(reverse("sequences:today")).status_code == 403
    assert Touch.objects.get(pk=managers.pk).status == TouchStatus.SCHEDULED
    # a manager may log a rep's touch for them
    login(owner).post(reverse("sequences:touch_outcome", args=[reps.pk]), {"outcome": "no_answer"})
    assert Touch.objects.get(pk=reps.pk).outcome == "no_answer"


def test_the_nav_offers_the_queue_to_those_who_own_touches(teammate: Any, team: Any, enrolled: Any) -> None:
    menu = login(teammate).get(reverse("plans:list")).content.decode()
    assert 'data-testid="nav-today"' in menu
    assert 'data-testid="nav-today-count" title="4 tâches à faire">4</span>' in menu
    Touch.objects.filter(owner="teammate").update(status=TouchStatus.SKIPPED)
    assert 'data-testid="nav-today-count"' not in login(teammate).get(reverse("plans:list")).content.decode()
    executive = _user("claire", "executive", team)
    assert 'data-testid="nav-today"' not in login(executive).get(reverse("cockpit:home")).content.decode()


def test_the_queue_fits_a_phone(teammate: Any, enrolled: Any) -> None:
    """The outcome buttons are a finger's size and each card wraps (checked in a browser at 390 px too)."""

    css = (Path(services.__file__).parents[1] / "static" / "pac" / "pac.css").read_text(encoding="utf-8")
    assert ".outcomes button { width:100%; min-height:44px;" in css
    html = login(teammate).get(reverse("sequences:today")).content.decode()
    assert 'name="viewport"' in html and "<table" not in html.split('data-testid="queue"')[1]


# --------------------------------------------------------------------------- outcomes feed the KPIs


def _kpi(team: Any, name: str, as_of: dt.date, by: tuple[str, ...] = ()) -> dict[Any, Any]:
    from pac.engine.kpis import compute_kpis
    from pac.web.crm.kpi_tables import team_tables

    rows = compute_kpis(team_tables(team), as_of=as_of, kpis=[name], by=by)
    return {tuple(r["by"].values()) if by else None: r["value"] for r in rows if r["kpi"] == name}


def test_logged_outcomes_become_activities_that_move_the_meetings_kpi(
    owner: Any, teammate: Any, team: Any, enrolled: Any
) -> None:
    from pac.web.crm.models import Activity

    Activity.objects.create(team=team, external_id="CRM-1", kind="meeting", owner="owner", scheduled=START)
    before = _kpi(team, "meetings", DAY, ("owner",))
    assert before == {("owner",): 1}
    booked = Touch.objects.get(enrolment__contact__code="c3", step=2)
    silent = Touch.objects.get(enrolment__contact__code="c4", step=2)
    client = login(teammate)

    client.post(reverse("sequences:touch_outcome", args=[booked.pk]), {"outcome": "booked"}, **HTMX)
    client.post(reverse("sequences:touch_outcome", args=[silent.pk]), {"outcome": "no_answer"}, **HTMX)

    call = Activity.objects.get(team=team, external_id=f"pac-touch-{booked.pk}")
    assert (call.kind, call.owner, call.account, call.scheduled, call.outcome) == (
        "call",
        "teammate",
        "a3",
        booked.due,
        "booked",
    )
    meeting = Activity.objects.get(team=team, external_id=f"pac-touch-{booked.pk}-meeting")
    assert (meeting.kind, meeting.owner, meeting.scheduled, meeting.held) == ("meeting", "teammate", DAY, None)
    assert Activity.objects.get(external_id=f"pac-touch-{silent.pk}").outcome == "no_answer"
    assert not Activity.objects.filter(external_id=f"pac-touch-{silent.pk}-meeting").exists()
    after = _kpi(team, "meetings", DAY, ("owner",))
    assert after == {("owner",): 1, ("teammate",): 1}  # the booked meeting counts for the rep who booked it
    assert _kpi(team, "meetings", DAY) == {None: 2}


def test_the_worker_s_e_mails_become_activities_too(owner: Any, team: Any, enrolled: Any) -> None:
    from pac.web.crm.models import Activity

    for touch in services.claim_due(START, 100):
        services.touch_done(touch, "bounced" if touch.enrolment.contact.code == "c5" else "sent")

    mails = Activity.objects.filter(team=team, kind="email")
    assert mails.count() == 6
    assert sorted(mails.values_list("outcome", flat=True)) == ["bounced"] + ["sent"] * 5
