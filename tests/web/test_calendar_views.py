"""The plan's calendars read at a glance: week and quarter names in the reader's language, public holidays
of the plan's country, today's line, a legend, empty weekends folded away, weeks with nothing to produce
left out, and past weeks with what they won."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from .helpers import page_text

pytestmark = pytest.mark.django_db


def _english(client: Client) -> Client:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


@pytest.fixture
def on_10_february(monkeypatch: Any) -> dt.date:
    """Today is Wednesday 10 February 2027, inside the demo plan's quarter."""
    from pac.web.plans import calendar_marks

    day = dt.date(2027, 2, 10)
    monkeypatch.setattr(calendar_marks, "today", lambda: day)
    return day


def _roadmap(client: Client, plan: Any, start: str = "2027-01-01") -> Any:
    return client.get(reverse("plans:roadmap", args=[plan.pk]), {"from": start})


def test_the_roadmap_names_weeks_and_quarters_in_english(plan: Any, as_owner: Client) -> None:
    response = _roadmap(_english(as_owner), plan)
    labels = [w["label"] for w in response.context["weeks"]]
    assert labels[:3] == ["W53", "W01", "W02"]  # 1 January 2027 is in ISO week 2026-W53
    assert response.context["quarters"] == ["Q1 2027"]
    assert _roadmap(as_owner, plan, "2027-02-01").context["quarters"] == ["Q1 2027", "Q2 2027"]


def test_the_roadmap_names_quarters_in_french(plan: Any, as_owner: Client) -> None:
    response = _roadmap(as_owner, plan, "2027-02-01")
    assert response.context["quarters"] == ["T1 2027", "T2 2027"]
    assert "T1 2027, T2 2027" in page_text(response)


def test_a_fiscal_year_not_starting_in_january_is_named(plan: Any, as_owner: Client) -> None:
    plan.fiscal_year_start = 4
    plan.save()
    response = _roadmap(_english(as_owner), plan, "2027-02-01")
    # with an April start, January–March 2027 is the last quarter of FY2026
    assert response.context["quarters"] == ["FY2026 – Q4", "FY2027 – Q1"]


def test_french_week_and_fiscal_quarter_labels(plan: Any, as_owner: Client) -> None:
    """Needs the lead's merge of docs/i18n/i10-lists.json into the French catalogue."""
    plan.fiscal_year_start = 4
    plan.save()
    response = _roadmap(as_owner, plan, "2027-02-01")
    assert [w["label"] for w in response.context["weeks"]][:2] == ["S05", "S06"]
    assert response.context["quarters"] == ["Exercice 2026 – T4", "Exercice 2027 – T1"]


def test_public_holidays_of_the_plans_country_are_marked(plan: Any, as_owner: Client) -> None:
    month = as_owner.get(reverse("plans:month", args=[plan.pk]), {"month": "2027-03"})
    easter_monday = next(c for w in month.context["weeks"] for c in w["days"] if c["iso"] == "2027-03-29")
    assert easter_monday["holiday"] == "Lundi de Pâques"  # the reader's language
    body = month.content.decode()
    assert 'data-date="2027-03-29"' in body and "★ Lundi de Pâques" in page_text(month)
    roadmap = _roadmap(as_owner, plan)
    week_13 = next(w for w in roadmap.context["weeks"] if w["label"].endswith("13"))
    assert any("Lundi de Pâques" in h for h in week_13["holidays"])
    plan.country = "US"
    plan.save()
    month = _english(as_owner).get(reverse("plans:month", args=[plan.pk]), {"month": "2027-01"})
    marked = {c["iso"]: c["holiday"] for w in month.context["weeks"] for c in w["days"] if c["holiday"]}
    assert marked == {"2027-01-01": "New Year's Day", "2027-01-18": "Martin Luther King Jr. Day"}


def test_today_is_marked_on_every_view(plan: Any, as_owner: Client, on_10_february: dt.date) -> None:
    roadmap = _roadmap(as_owner, plan)
    assert [w["label"][-2:] for w in roadmap.context["weeks"] if w["today"]] == ["06"]
    assert roadmap.content.decode().count("today") > 2  # header, markers row and every action's cell
    month = as_owner.get(reverse("plans:month", args=[plan.pk]), {"month": "2027-02"})
    assert [c["iso"] for w in month.context["weeks"] for c in w["days"] if c["today"]] == ["2027-02-10"]
    assert month.content.decode().count('data-testid="today"') == 1
    other_month = as_owner.get(reverse("plans:month", args=[plan.pk]), {"month": "2027-03"})
    assert 'data-testid="today"' not in other_month.content.decode()
    week = as_owner.get(reverse("plans:week", args=[plan.pk]), {"from": "2027-02-08"})
    assert [d["iso"] for d in week.context["days"] if d["today"]] == ["2027-02-10"]


def test_each_view_has_a_legend_for_its_markers(plan: Any, as_owner: Client, on_10_february: dt.date) -> None:
    roadmap = _english(as_owner).get(reverse("plans:roadmap", args=[plan.pk]), {"from": "2027-03-01"})
    kinds = [entry["kind"] for entry in roadmap.context["legend"]]
    shown = {mk["kind"] for w in roadmap.context["weeks"] for mk in w["markers"]}
    assert shown and shown <= set(kinds)  # every marker shown is explained
    assert "holiday" in kinds  # Easter Monday, 1 and 8 May…
    text = page_text(roadmap)
    assert "Legend:" in text or "Légende" in text
    for entry in roadmap.context["legend"]:
        assert entry["label"] in text
    month = as_owner.get(reverse("plans:month", args=[plan.pk]), {"month": "2027-02"})
    assert {"ritual", "today"} <= {entry["kind"] for entry in month.context["legend"]}
    assert 'data-testid="legend"' in month.content.decode()


def test_empty_weekends_are_folded_away(plan: Any, as_owner: Client) -> None:
    month = as_owner.get(reverse("plans:month", args=[plan.pk]), {"month": "2027-02"})
    assert len(month.context["weekdays"]) == 5 and len(month.context["folded"]) == 2
    assert all(len(w["days"]) == 5 for w in month.context["weeks"])
    assert all(dt.date.fromisoformat(c["iso"]).weekday() < 5 for w in month.context["weeks"] for c in w["days"])
    assert 'data-testid="folded-weekend"' in month.content.decode()
    week = as_owner.get(reverse("plans:week", args=[plan.pk]), {"from": "2027-02-08"})
    assert [dt.date.fromisoformat(d["iso"]).weekday() for d in week.context["days"]] == [0, 1, 2, 3, 4]
    # something on a Saturday brings the Saturdays back, not the Sundays
    from pac.web.plans.models import Event

    Event.objects.create(
        plan=plan,
        code="salon-samedi",
        name="Salon du samedi",
        kind="trade_show",
        start=dt.date(2027, 2, 13),
        end=dt.date(2027, 2, 13),
    )
    month = as_owner.get(reverse("plans:month", args=[plan.pk]), {"month": "2027-02"})
    assert len(month.context["weekdays"]) == 6 and len(month.context["folded"]) == 1
    saturday = next(c for w in month.context["weeks"] for c in w["days"] if c["iso"] == "2027-02-13")
    assert [i["title"] for i in saturday["items"]] == ["Salon du samedi"]


def test_weeks_with_nothing_to_produce_are_left_out_of_the_schedule(plan: Any, as_owner: Client) -> None:
    response = as_owner.get(reverse("plans:detail", args=[plan.pk]))
    weeks = [w["iso"] for w in response.context["page"].weekly]
    assert "2026-W53" not in weeks and "2027-W13" not in weeks  # 1 January is off; the last wins land in W12
    assert weeks[0] == "2027-W01" and weeks[-1] == "2027-W12"
    assert all(any(v != "0" for v in w["volumes"]) for w in response.context["page"].weekly)
    assert 'data-week="2026-W53"' not in response.content.decode()


# --- past weeks: what they won, the cockpit's own weekly actuals -----------------------------------


@pytest.fixture
def under_way(owner: Any, team: Any) -> Any:
    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.crm.models import Opportunity
    from pac.web.plans import services

    from ..plans import plan_under_way

    today = timezone.localdate()
    start, end = today - dt.timedelta(days=40), today + dt.timedelta(days=50)
    row = services.plan_create_from_file(
        user=owner, team=team, plan=to_plan(parse_plan_file(plan_under_way(start, end)))
    )
    for external_id, amount, closed in (("w1", 12000, 10), ("w2", 8000, 17), ("w3", 30000, 24)):
        Opportunity.objects.create(
            team=team,
            external_id=external_id,
            name=f"Affaire {external_id}",
            owner="teammate",
            outcome="won",
            amount=Decimal(amount),
            created=today - dt.timedelta(days=60),
            closed=today - dt.timedelta(days=closed),
        )
    return row


def test_past_weeks_show_what_they_won(under_way: Any, as_teammate: Client, as_outsider: Client) -> None:
    from pac.engine.workdays import IsoWeek

    today = timezone.localdate()
    start = under_way.start
    roadmap = as_teammate.get(reverse("plans:roadmap", args=[under_way.pk]), {"from": start.isoformat()})
    produced_url = reverse("cockpit:weeks_produced", args=[under_way.pk])
    assert produced_url in roadmap.content.decode()  # loaded under the weeks
    response = as_teammate.get(produced_url, {"from": start.isoformat()})
    assert response.status_code == 200
    cells = {c["week"]: c for c in response.context["cells"]}
    this_week = IsoWeek.of(today)
    won: dict[str, int] = {}
    for amount, closed in ((12000, 10), (8000, 17), (30000, 24)):
        week = IsoWeek.of(today - dt.timedelta(days=closed))
        won[week.label] = won.get(week.label, 0) + amount
    for label, amount in won.items():
        assert cells[label]["full"].replace("\u202f", " ").replace("\xa0", " ") == f"{amount:,} €".replace(",", " ")
    assert cells[this_week.label]["value"] == ""  # the week under way and those to come: nothing yet
    assert 'data-testid="weeks-produced"' in response.content.decode()
    # the same figures as the cockpit's re-plan
    from pac.web.cockpit.produced import plan_pace
    from pac.web.plans import adapters

    pace = plan_pace(under_way, adapters.to_engine(under_way), today)
    assert pace is not None
    assert {w.week.label: int(w.actual) for w in pace.weeks if w.past and w.actual} == won
    assert as_outsider.get(produced_url).status_code == 404


def test_a_plan_without_data_shows_no_won_row(plan: Any, as_owner: Client) -> None:
    response = as_owner.get(reverse("cockpit:weeks_produced", args=[plan.pk]), {"from": "2027-01-01"})
    assert response.status_code == 200
    assert 'data-testid="weeks-produced"' not in response.content.decode()
