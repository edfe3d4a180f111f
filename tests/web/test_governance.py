"""Governance: every arbitration lands in the plan's decision log (who, what, why, when, what it changed),
and a ritual's meeting opens with an agenda frozen from the cockpit, keeps its minutes (two editors do not
overwrite each other) and the decisions taken there."""

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
from .conftest import login
from .helpers import page_text


def english(user: Any) -> Client:
    """A client reading in English: the texts are the catalogue's ids, whatever the French catalogue holds."""
    from django.conf import settings

    client = login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


pytestmark = pytest.mark.django_db


@pytest.fixture
def under_way(owner: Any, team: Any, teammate: Any) -> Any:
    """A plan started 40 days ago with a weekly Monday review, and deals: won ones, a stalled one."""
    from pac.web.crm.models import Opportunity
    from pac.web.plans import services
    from pac.web.plans.models import Ritual

    today = timezone.localdate()
    start, end = today - dt.timedelta(days=40), today + dt.timedelta(days=50)
    plan = services.plan_create_from_file(
        user=owner, team=team, plan=to_plan(parse_plan_file(plan_under_way(start, end)))
    )
    Ritual.objects.create(
        plan=plan, code="revue", name="Revue du lundi", rrule="FREQ=WEEKLY;BYDAY=MO", time=dt.time(9), owner="owner"
    )
    for external_id, who, outcome, amount, created, closed in (
        ("w1", "teammate", "won", 12000, 35, 10),
        ("w2", "teammate", "won", 8000, 30, 5),
        ("w3", "carla", "won", 30000, 38, 2),
        ("l1", "carla", "lost", 5000, 20, 3),
        ("o1", "teammate", "open", 7000, 200, None),
        ("o2", "carla", "open", 90000, 400, None),
    ):
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


def _next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(7 - today.weekday()) % 7)


def _meeting_url(plan: Any, name: str = "cockpit:meeting", day: dt.date | None = None) -> str:
    ritual = plan.rituals.get(code="revue") if plan.rituals.filter(code="revue").exists() else plan.rituals.first()
    return reverse(name, args=[plan.pk, ritual.pk, (day or _next_monday(timezone.localdate())).isoformat()])


def _open(client: Client, plan: Any) -> Any:
    from pac.web.plans.models import RitualMeeting

    response = client.post(_meeting_url(plan, "cockpit:meeting_open"))
    assert response.status_code == 302
    return RitualMeeting.objects.get(ritual__plan=plan)


# --- the agenda ----------------------------------------------------------------------------------


def test_the_monday_review_of_the_demo_opens_with_its_real_alerts_gaps_and_deals(settings: Any, tmp_path: Any) -> None:
    """The agenda is the cockpit's: the alerts the landing page shows, the revenue against the target,
    the deals to inspect; frozen when opened, and the same agenda read in English."""
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    demo = load_demo()
    client = login(demo.manager)
    home = client.get(reverse("cockpit:home"))
    shown_alerts = [line for group in home.context["alerts"] for line, _key in group["lines"]]
    assert shown_alerts  # the demo's quarter under way has alerts
    link = re.search(r'href="([^"]+)" data-testid="next-meeting"', home.content.decode())
    assert link and "Revue du pipeline" in page_text(home)  # the Monday review, one click from the landing page

    preview = client.get(html.unescape(link.group(1)))
    assert preview.status_code == 200 and preview.context["live"]
    opened = client.post(html.unescape(link.group(1)) + "open/", follow=True)
    text = page_text(opened)
    meeting = opened.context["meeting"]
    assert meeting is not None and not opened.context["live"]
    assert all(line in text for line in shown_alerts[:3])  # the landing page's alerts, word for word
    revenue = home.context["o"]  # the revenue against the target, as the landing page has it
    gaps = [g["text"] for g in opened.context["agenda"]["gaps"]]
    assert revenue["actual"] in gaps[0] and revenue["target"] in gaps[0]
    assert len(gaps) > 1  # and each objective against its own
    assert meeting.agenda["deals"] and all(d["why"] for d in meeting.agenda["deals"])
    assert {w for d in meeting.agenda["deals"] for w in d["why"]} <= {"stalled", "slipping", "large"}
    if revenue["stalled_deals"]:  # the landing page's stalled deals are on the agenda
        assert any("stalled" in d["why"] for d in meeting.agenda["deals"])
    assert 'data-testid="agenda-deals"' in opened.content.decode() and "win_rate" not in text and "None" not in text

    text_en = page_text(english(demo.manager).get(html.unescape(link.group(1))))
    assert "Deals to inspect" in text_en and "Gaps against the targets" in text_en
    assert meeting.agenda["alerts"][0]["text"]["en"] in text_en
    assert meeting.agenda["alerts"][0]["text"]["fr"] != meeting.agenda["alerts"][0]["text"]["en"]


def test_an_agenda_once_frozen_keeps_its_figures_when_the_data_moves(under_way: Any, owner: Any) -> None:
    from pac.web.crm.models import Opportunity

    client = login(owner)
    meeting = _open(client, under_way)
    before = page_text(client.get(_meeting_url(under_way)))
    assert "Affaire o2" in before and "90 000 €" in before.replace("\u202f", " ").replace("\xa0", " ")
    assert next(d for d in meeting.agenda["deals"] if d["id"] == "o2")["why"] == ["stalled", "large"]
    Opportunity.objects.filter(external_id="o2").update(outcome="won", closed=timezone.localdate())
    client.post(_meeting_url(under_way, "cockpit:meeting_open"))  # opening again changes nothing
    meeting.refresh_from_db()
    assert any(d["id"] == "o2" for d in meeting.agenda["deals"])
    assert "Affaire o2" in page_text(client.get(_meeting_url(under_way)))


# --- the decision log ----------------------------------------------------------------------------


def test_every_arbitration_path_writes_the_decision_log(under_way: Any, owner: Any, teammate: Any) -> None:
    from pac.web.cockpit.services import forecast_adjust
    from pac.web.plans.models import Action, DecisionLog

    client = login(owner)
    # a corrective lever accepted on the landing page
    body = html.unescape(client.get(reverse("cockpit:home")).content.decode())
    form = re.split(r'action="/cockpit/plans/\d+/levers/accept/"', body, maxsplit=1)[1].split("</form>", 1)[0]
    client.post(
        reverse("cockpit:lever_accept", args=[under_way.pk]), dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    )
    # an alert set aside, with why
    key = re.search(r'name="key" value="([^"]+)"', body)
    assert key
    client.post(reverse("cockpit:alert_aside", args=[under_way.pk]), {"key": key.group(1), "days": "7"})
    # a priority override, then withdrawn
    action = Action.objects.filter(plan=under_way).first()
    decide = reverse("plans:decide", args=[under_way.pk])
    client.post(decide, {"action": action.pk, "choice": "exclude", "reason": "Pas avant le salon"})
    client.post(decide, {"action": action.pk, "choice": "withdraw"})
    # a forecast adjusted
    forecast_adjust(
        manager=owner,
        plan=under_way,
        period="plan",
        rep=None,
        category="commit",
        amount=Decimal(80000),
        reason="Gros deal",
    )
    # a decision typed in the Monday review
    _open(client, under_way)
    client.post(
        _meeting_url(under_way, "cockpit:meeting_decision"), {"decision": "Relancer Affaire o1", "reason": "Bloquée"}
    )

    log = {d.change: d for d in DecisionLog.objects.filter(plan=under_way)}
    assert set(log) == {
        "lever_accepted",
        "alert_snoozed",
        "priority_excluded",
        "priority_withdrawn",
        "forecast_adjusted",
        "meeting_decision",
    }
    assert all(d.decided_by == owner for d in log.values())
    assert log["priority_excluded"].reason == "Pas avant le salon" and log["meeting_decision"].meeting is not None

    page = page_text(english(teammate).get(reverse("plans:decisions", args=[under_way.pk])))  # the team reads it
    assert "Corrective lever accepted: Add" in page and "Actions added to the plan:" in page
    assert f"Action “{action.name}” left out of the selection" in page and "Pas avant le salon" in page
    assert "Commit of the team for" in page and "€80,000" in page
    assert "Alert snoozed until" in page
    assert "Relancer Affaire o1" in page and "Revue du lundi" in page
    assert "priority_excluded" not in page and "None" not in page
    french = page_text(login(teammate).get(reverse("plans:decisions", args=[under_way.pk])))
    assert "80 000 €" in french.replace("\u202f", " ").replace("\xa0", " ") and "€80,000" not in french

    only = login(owner).get(reverse("plans:decisions", args=[under_way.pk]) + "?kind=forecast")
    assert [r["entry"].change for r in only.context["rows"]] == ["forecast_adjusted"]
    unknown = login(owner).get(reverse("plans:decisions", args=[under_way.pk]) + "?kind=<script>")
    assert unknown.status_code == 200 and len(unknown.context["rows"]) == len(log)


def test_a_logged_decision_is_never_changed(under_way: Any, owner: Any) -> None:
    from pac.web.plans.governance import log_decision

    entry = log_decision(
        user=owner, plan=under_way, kind="meeting", change="meeting_decision", params={"decision": "x"}
    )
    entry.reason = "après coup"
    with pytest.raises(ValueError):
        entry.save()


def test_the_log_words_what_changed_in_the_readers_language(under_way: Any, owner: Any, settings: Any) -> None:
    from pac.web.cockpit.services import forecast_adjust

    forecast_adjust(
        manager=owner,
        plan=under_way,
        period="plan",
        rep=None,
        category="best_case",
        amount=Decimal(1234567),
        reason="x",
    )
    text = page_text(english(owner).get(reverse("plans:decisions", args=[under_way.pk])))
    assert "Best case of the team for" in text and "€1,234,567" in text


def test_a_long_decision_log_is_read_a_page_at_a_time_keeping_its_filter(under_way: Any, owner: Any) -> None:
    from pac.web.plans.decision_views import PAGE_SIZE
    from pac.web.plans.governance import log_decision

    for n in range(PAGE_SIZE + 3):  # the oldest first: decision 0 ends on the last page
        log_decision(
            user=owner, plan=under_way, kind="meeting", change="meeting_decision", params={"decision": f"D{n:03}"}
        )
    client = login(owner)
    url = reverse("plans:decisions", args=[under_way.pk])
    first = client.get(url, {"kind": "meeting"})
    text = page_text(first)
    assert f"D{PAGE_SIZE + 2:03}" in text and "D002" not in text and "Page 1 sur 2" in text
    older = re.search(r'href="([^"]+)" rel="next"', first.content.decode())
    assert older is not None and "kind=meeting" in html.unescape(older.group(1))  # the filter is kept
    last = page_text(client.get(url + html.unescape(older.group(1))))
    assert all(f"D{n:03}" in last for n in range(3)) and f"D{PAGE_SIZE + 2:03}" not in last
    assert "Page 2 sur 2" in last
    assert "D000" in page_text(client.get(url, {"kind": "meeting", "page": "999"}))  # beyond: the last page


# --- minutes ---------------------------------------------------------------------------------------


def test_two_editors_saving_the_minutes_at_once_are_told_instead_of_overwritten(
    under_way: Any, owner: Any, team: Any
) -> None:
    from pac.web.accounts.services import user_create

    from .conftest import PASSWORD

    meeting = _open(login(owner), under_way)
    other = english(user_create(username="manager2", password=PASSWORD, role="manager", team_name=team.name))
    url = _meeting_url(under_way, "cockpit:meeting_minutes")
    first = login(owner).post(url, {"version": meeting.version, "minutes": "Pipeline revu.", "present": ["owner"]})
    assert first.status_code == 302
    late = other.post(url, {"version": meeting.version, "minutes": "Mon texte à moi."})
    assert late.status_code == 409
    text = page_text(late)
    assert "saved by someone else meanwhile" in text and "Pipeline revu." in text  # theirs shown
    assert "Mon texte à moi." in late.content.decode()  # and what was typed kept in the form
    meeting.refresh_from_db()
    assert meeting.minutes == "Pipeline revu." and meeting.present == ["owner"]


def test_minutes_refuse_someone_outside_the_team_as_present(under_way: Any, owner: Any, outsider: Any) -> None:
    meeting = _open(login(owner), under_way)
    response = english(owner).post(
        _meeting_url(under_way, "cockpit:meeting_minutes"),
        {"version": meeting.version, "minutes": "x", "present": ["outsider"]},
        follow=True,
    )
    assert "Not members of the team: outsider." in page_text(response)
    meeting.refresh_from_db()
    assert meeting.minutes == "" and meeting.version == 0


def test_a_decision_without_its_text_is_refused_with_a_message(under_way: Any, owner: Any) -> None:
    from pac.web.plans.models import DecisionLog

    _open(login(owner), under_way)
    response = english(owner).post(_meeting_url(under_way, "cockpit:meeting_decision"), {"decision": "  "}, follow=True)
    assert "Say what was decided." in page_text(response)
    assert not DecisionLog.objects.filter(plan=under_way).exists()


# --- who may see and do what -----------------------------------------------------------------------


def test_the_team_reads_the_meetings_and_the_log_and_outsiders_get_a_404(
    under_way: Any, as_owner: Client, as_teammate: Client, as_outsider: Client
) -> None:
    _open(as_owner, under_way)
    ritual = under_way.rituals.get(code="revue")
    for url in (
        reverse("plans:decisions", args=[under_way.pk]),
        reverse("cockpit:ritual_meetings", args=[under_way.pk, ritual.pk]),
        _meeting_url(under_way),
    ):
        assert as_owner.get(url).status_code == 200
        assert as_teammate.get(url).status_code == 200
        assert as_outsider.get(url).status_code == 404


def test_only_the_plans_editors_open_meetings_and_write_minutes_and_decisions(
    under_way: Any, as_owner: Client, as_teammate: Client, as_outsider: Client
) -> None:
    from pac.web.plans.models import DecisionLog, RitualMeeting

    assert as_teammate.post(_meeting_url(under_way, "cockpit:meeting_open")).status_code == 403
    assert as_outsider.post(_meeting_url(under_way, "cockpit:meeting_open")).status_code == 404
    assert not RitualMeeting.objects.exists()
    meeting = _open(as_owner, under_way)
    for name, fields in (
        ("cockpit:meeting_minutes", {"version": meeting.version, "minutes": "de l'extérieur"}),
        ("cockpit:meeting_decision", {"decision": "de l'extérieur"}),
    ):
        assert as_teammate.post(_meeting_url(under_way, name), fields).status_code == 403
        assert as_outsider.post(_meeting_url(under_way, name), fields).status_code == 404
    meeting.refresh_from_db()
    assert meeting.minutes == "" and not DecisionLog.objects.exists()
    reading = as_teammate.get(_meeting_url(under_way)).content.decode()
    assert 'data-testid="agenda"' in reading and 'data-testid="minutes-form"' not in reading


def test_a_teammate_sees_no_live_agenda_before_the_meeting_is_opened(under_way: Any, as_teammate: Client) -> None:
    page = as_teammate.get(_meeting_url(under_way))
    assert page.status_code == 200 and page.context["agenda"] is None
    assert 'data-testid="not-opened"' in page.content.decode()


@pytest.mark.parametrize("day", ["2027-13-45", "demain"])
def test_a_made_up_day_is_a_404(under_way: Any, as_owner: Client, day: str) -> None:
    ritual = under_way.rituals.get(code="revue")
    assert as_owner.get(reverse("cockpit:meeting", args=[under_way.pk, ritual.pk, day])).status_code == 404


def test_a_day_the_ritual_does_not_take_place_is_a_404(under_way: Any, as_owner: Client) -> None:
    tuesday = _next_monday(timezone.localdate()) + dt.timedelta(days=1)
    assert as_owner.get(_meeting_url(under_way, day=tuesday)).status_code == 404
    assert as_owner.post(_meeting_url(under_way, "cockpit:meeting_open", day=tuesday)).status_code == 404


def test_the_next_monday_review_is_one_click_from_the_plan_page(under_way: Any, as_teammate: Client) -> None:
    body = as_teammate.get(reverse("plans:detail", args=[under_way.pk])).content.decode()
    assert f'href="{_meeting_url(under_way)}" data-testid="next-meeting"' in body
    assert "Revue du lundi" in body


def test_a_ritual_deleted_leaves_its_meetings_decisions_in_the_log(under_way: Any, owner: Any) -> None:
    from pac.web.plans.models import DecisionLog

    _open(login(owner), under_way)
    login(owner).post(_meeting_url(under_way, "cockpit:meeting_decision"), {"decision": "Garder le cap"})
    under_way.rituals.get(code="revue").delete()
    kept = DecisionLog.objects.get(plan=under_way)
    assert kept.meeting is None and kept.params == {"decision": "Garder le cap"}
    assert "Garder le cap" in page_text(login(owner).get(reverse("plans:decisions", args=[under_way.pk])))


@pytest.mark.django_db(transaction=True)
def test_the_overrides_made_before_the_log_existed_join_it_when_migrating() -> None:
    """Migrating an older database: each earlier priority override becomes a logged decision, its who,
    why and when kept."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("plans", "0006_action_progress")]
    plans_0007 = next(key for key in executor.loader.graph.leaf_nodes() if key[0] == "plans")
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    from pac.web.accounts.models import Team, User  # accounts stays as it is: only plans goes back

    team = Team.objects.create(name="Avant")
    user = User.objects.create(username="ancien", role="manager")
    plan = old.get_model("plans", "Plan").objects.create(
        team_id=team.pk, owner_id=user.pk, name="Ancien plan", start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31)
    )
    action = old.get_model("plans", "Action").objects.create(
        plan=plan, code="salon", type="event", name="Salon", start=dt.date(2026, 1, 5), end=dt.date(2026, 1, 9)
    )
    made = old.get_model("plans", "Decision").objects.create(
        plan=plan, action=action, include=False, reason="Trop cher", decided_by_id=user.pk
    )
    executor = MigrationExecutor(connection)
    executor.migrate([plans_0007])
    # and every app back to its latest state (going back unapplied the apps built on later plans migrations)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    from pac.web.plans.models import DecisionLog

    entry = DecisionLog.objects.get(plan_id=plan.pk)
    assert (entry.kind, entry.change, entry.reason, entry.decided_by_id) == (
        "priority",
        "priority_excluded",
        "Trop cher",
        user.pk,
    )
    assert entry.params == {"action": "Salon"} and entry.decided_at == made.decided_at


def test_a_change_is_worded_even_when_recorded_by_another_version() -> None:
    """A code this version does not know, or a parameter it lacks, is told in words: never a raw code or
    an error on the log's page."""
    from django.utils import translation

    from pac.engine.formatting import Formatter
    from pac.web.plans.decision_log import worded_change

    with translation.override("en"):
        fmt = Formatter("en")
        assert worded_change("budget_moved", {"x": 1}, fmt) == "A decision of a kind this version does not know."
        assert worded_change("alert_acknowledged", {}, fmt) == "Alert set aside until its situation changes: …"
        lever = {"fr": "Ajouter 3 démos.", "en": "Add 3 demos."}
        assert worded_change("lever_accepted", {"lever": lever, "count": 1200}, fmt) == (
            "Corrective lever accepted: Add 3 demos. Actions added to the plan: 1,200."
        )


def test_an_alert_no_longer_shown_is_still_set_aside_and_logged(under_way: Any, owner: Any) -> None:
    from pac.web.plans.models import DecisionLog

    response = login(owner).post(reverse("cockpit:alert_aside", args=[under_way.pk]), {"key": "deal_stalled|deal=zz"})
    assert response.status_code == 302
    entry = DecisionLog.objects.get(plan=under_way)
    assert (entry.change, entry.subject, entry.params) == ("alert_acknowledged", "deal_stalled|deal=zz", {})
