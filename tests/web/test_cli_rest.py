"""The last web-only capabilities from ``pac``: the « Aujourd'hui » queue and a touch's outcome (the same
touches in the same order as the web page, logged once through the same service, becoming a CRM
activity), a ritual meeting's minutes (compare-and-set) and decisions (the decision log). Each acts as a
user (``--as``); refusals exit 2 with a message, never a traceback.

Run on SQLite and on PostgreSQL (``DATABASE_URL``)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.urls import reverse

from pac.web.sequences import services
from pac.web.sequences.models import Touch, TouchStatus

from .conftest import login
from .test_cli_complete import ok, refused, run
from .test_governance import _next_monday, under_way  # noqa: F401  (fixture)
from .test_sequences_db import START, cadence, crm_plan  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 12)  # after the phone (day 3) and social (day 8) steps of an enrolment on START


@pytest.fixture
def enrolled(owner: Any, crm_plan: Any, cadence: Any, monkeypatch: Any) -> Any:  # noqa: F811
    """The ICP segment enrolled on START; « today » is DAY for the pages and the commands."""
    services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: DAY)
    return crm_plan


def _web_queue(user: Any, query: str = "") -> list[int]:
    """The touch ids the web's « Aujourd'hui » page shows, in its order."""
    page = login(user).get(reverse("sequences:today") + query).content.decode()
    return [int(n) for n in re.findall(r'data-testid="touch" data-touch="(\d+)"', page)]


def test_today_lists_what_the_web_queue_lists_in_the_same_order(owner: Any, teammate: Any, enrolled: Any) -> None:
    queue = json.loads(ok("today", "--as", "teammate", "--json").stdout)

    ids = [t["id"] for t in queue]
    assert len(ids) == 4 and ids == _web_queue(teammate)
    assert queue[0]["strategic"] and queue[0]["account"] == "Compte 4"  # strategic accounts first
    assert queue[0]["outcomes"] == ["no_answer", "replied", "booked", "bounced"]
    text = ok("today", "--as", "teammate").stdout
    assert "Compte 4" in text and "7 days late" in text and "Compte 0" not in text  # not the manager's contacts
    team = json.loads(ok("today", "--as", "owner", "--json").stdout)
    assert [t["id"] for t in team] == _web_queue(owner)  # a manager: the team's, as their page
    mine = json.loads(ok("today", "--as", "owner", "--rep", "teammate", "--json").stdout)
    assert [t["id"] for t in mine] == ids
    assert "only managers" in refused("today", "--as", "teammate", "--rep", "owner")


def test_touch_done_becomes_an_activity_and_a_second_call_is_refused(teammate: Any, enrolled: Any) -> None:
    from pac.web.crm.models import Activity

    touch = Touch.objects.get(enrolment__contact__code="c4", step=3)

    done = json.loads(ok("touch", "done", touch.pk, "no_answer", "--as", "teammate", "--json").stdout)

    assert done == {"id": touch.pk, "status": "done", "outcome": "no_answer", "activity": f"pac-touch-{touch.pk}"}
    activity = Activity.objects.get(external_id=f"pac-touch-{touch.pk}")
    assert activity.owner == "teammate"
    assert touch.pk not in [t["id"] for t in json.loads(ok("today", "--as", "teammate", "--json").stdout)]
    assert "already done" in refused("touch", "done", touch.pk, "replied", "--as", "teammate")
    touch.refresh_from_db()
    assert (touch.status, touch.outcome) == (TouchStatus.DONE, "no_answer")  # the second call changed nothing


def test_touch_done_refuses_what_is_not_the_users_or_not_offered(
    owner: Any, teammate: Any, outsider: Any, enrolled: Any
) -> None:
    others = Touch.objects.filter(owner="owner", status=TouchStatus.SCHEDULED).exclude(channel="email").first()
    mine = Touch.objects.get(enrolment__contact__code="c3", step=2)

    assert "own touches" in refused("touch", "done", others.pk, "replied", "--as", "teammate")
    assert "No touch number" in refused("touch", "done", mine.pk, "replied", "--as", "outsider")
    assert "No touch number" in refused("touch", "done", 999999, "replied", "--as", "teammate")
    assert "Unknown outcome" in refused("touch", "done", mine.pk, "sent", "--as", "teammate")  # an e-mail's
    assert Touch.objects.get(pk=mine.pk).status == TouchStatus.SCHEDULED
    assert run("touch", "done", "abc", "replied", "--as", "teammate").exit_code == 2  # typer's own, no traceback


def _meeting_args(plan: Any) -> list[Any]:
    from django.utils import timezone

    return [plan.pk, "revue", _next_monday(timezone.localdate()).isoformat()]


def test_minutes_open_the_meeting_and_a_stale_version_is_refused(
    owner: Any,
    teammate: Any,
    under_way: Any,  # noqa: F811
    tmp_path: Any,
) -> None:
    from pac.web.plans.models import RitualMeeting

    args = _meeting_args(under_way)
    saved = json.loads(
        ok(
            "meeting", "minutes", *args, "--as", "owner", "--text", "Pipeline revu", "--base-version", 0, "--json"
        ).stdout
    )

    meeting = RitualMeeting.objects.get(ritual__plan=under_way)  # opened first, as the web's « Open »
    assert (meeting.minutes, meeting.version, saved["version"]) == ("Pipeline revu", 1, 1)
    assert isinstance(meeting.agenda, dict) and "deals" in meeting.agenda
    stale = refused("meeting", "minutes", *args, "--as", "owner", "--text", "Autre texte", "--base-version", 0)
    assert "someone saved them meanwhile" in stale
    meeting.refresh_from_db()
    assert meeting.minutes == "Pipeline revu"  # nothing overwritten
    notes = tmp_path / "cr.txt"
    notes.write_text("Compte rendu\nsur deux lignes", encoding="utf-8")
    ok("meeting", "minutes", *args, "--as", "owner", "--file", notes, "--base-version", 1)
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.version) == ("Compte rendu\nsur deux lignes", 2)
    assert "may not change" in refused(
        "meeting", "minutes", *args, "--as", "teammate", "--text", "x", "--base-version", 2
    )


def test_a_decision_lands_in_the_decision_log_linked_to_the_meeting(owner: Any, teammate: Any, under_way: Any) -> None:  # noqa: F811
    from pac.web.plans.models import DecisionLog

    args = _meeting_args(under_way)

    ok("meeting", "decide", *args, "--as", "owner", "--text", "Relancer Affaire o1", "--reason", "Bloquée")

    decision = DecisionLog.objects.get(plan=under_way, change="meeting_decision")
    assert decision.params == {"decision": "Relancer Affaire o1"} and decision.reason == "Bloquée"
    assert decision.meeting is not None and decision.decided_by == owner
    logged = json.loads(ok("decisions", under_way.pk, "--as", "teammate", "--kind", "meeting", "--json").stdout)
    assert [d["why"] for d in logged] == ["Bloquée"]
    assert "may not change" in refused("meeting", "decide", *args, "--as", "teammate", "--text", "Non")
    assert DecisionLog.objects.filter(plan=under_way, change="meeting_decision").count() == 1


def test_bad_ids_and_days_exit_2_without_traceback(owner: Any, outsider: Any, under_way: Any) -> None:  # noqa: F811
    pk, ritual, day = _meeting_args(under_way)
    tuesday = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()

    assert "No plan number" in refused("meeting", "decide", 999999, ritual, day, "--as", "owner", "--text", "x")
    assert "No plan number" in refused("meeting", "decide", pk, ritual, day, "--as", "outsider", "--text", "x")
    assert "no ritual" in refused("meeting", "decide", pk, "nope", day, "--as", "owner", "--text", "x")
    assert "does not take place" in refused("meeting", "decide", pk, ritual, tuesday, "--as", "owner", "--text", "x")
    assert "ISO date" in refused("meeting", "decide", pk, ritual, "lundi", "--as", "owner", "--text", "x")
    assert "Say what was decided" in refused("meeting", "decide", pk, ritual, day, "--as", "owner", "--text", "  ")
    assert "--file or --text" in refused("meeting", "minutes", pk, ritual, day, "--as", "owner", "--base-version", 0)
    assert "No user" in refused("today", "--as", "nobody")


def test_thresholds_read_and_set_in_per_cent_as_the_form(owner: Any, teammate: Any, plan: Any) -> None:
    shown = json.loads(ok("plan", "thresholds", plan.pk, "--as", "teammate", "--json").stdout)
    assert shown["thresholds"]["min_probability"] == "50" and shown["version"] == plan.version
    assert shown["thresholds"]["history_gap"] == "20"  # plain notation, not « 2E+1 »

    ok(
        "plan",
        "thresholds",
        plan.pk,
        "--as",
        "owner",
        "--set",
        "min_probability=35",
        "--set",
        "slip_days=10",
        "--base-version",
        plan.version,
    )

    plan.refresh_from_db()
    assert plan.alert_thresholds["min_probability"] in ("0.35", 0.35)
    after = json.loads(ok("plan", "thresholds", plan.pk, "--as", "owner", "--json").stdout)
    assert (after["thresholds"]["min_probability"], after["thresholds"]["slip_days"]) == ("35", "10")
    assert after["version"] == plan.version
    stale = refused("plan", "thresholds", plan.pk, "--as", "owner", "--set", "slip_days=3", "--base-version", 1)
    assert "someone changed it meanwhile" in stale
    args = ("plan", "thresholds", plan.pk, "--base-version", plan.version)
    assert "may not change" in refused(*args, "--as", "teammate", "--set", "slip_days=3")  # a rep: manager-only
    assert "out of bounds" in refused(*args, "--as", "owner", "--set", "min_probability=250")
    assert "a number" in refused(*args, "--as", "owner", "--set", "slip_days=soon")
    assert "KEY=VALUE" in refused(*args, "--as", "owner", "--set", "max_load=2")
    assert "--base-version" in refused("plan", "thresholds", plan.pk, "--as", "owner", "--set", "slip_days=3")
    plan.refresh_from_db()
    assert json.loads(ok("plan", "thresholds", plan.pk, "--as", "owner", "--json").stdout) == after


def test_feed_create_list_revoke(teammate: Any, outsider: Any, plan: Any) -> None:
    from django.test import Client

    made = json.loads(ok("feed", "create", plan.pk, "--as", "teammate", "--mine", "--json").stdout)

    path = "/" + made["url"].split("/", 3)[3]
    assert Client().get(path).status_code == 200  # the secret link serves the calendar
    assert [f["mine"] for f in json.loads(ok("feed", "list", plan.pk, "--as", "teammate", "--json").stdout)] == [True]
    again = json.loads(ok("feed", "create", plan.pk, "--as", "teammate", "--mine", "--json").stdout)
    assert Client().get(path).status_code == 404 and again["url"] != made["url"]  # the old one stops working
    ok("feed", "revoke", plan.pk, "--as", "teammate", "--mine")
    assert Client().get("/" + again["url"].split("/", 3)[3]).status_code == 404
    assert json.loads(ok("feed", "list", plan.pk, "--as", "teammate", "--json").stdout) == []
    assert "No plan number" in refused("feed", "create", plan.pk, "--as", "outsider")
