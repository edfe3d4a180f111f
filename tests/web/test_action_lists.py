"""The action list that helps: totals, progress, overdue flags, people by name, and the inline status
and progress update — by the action's owner only, with concurrent updates detected."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

import pac.web

from .helpers import page_text

pytestmark = pytest.mark.django_db


def _action(plan: Any, code: str, owner: str, **fields: Any) -> Any:
    from pac.web.plans.models import Action

    values = {
        "type": "follow_up",
        "name": f"Relances {code}",
        "owner": owner,
        "start": dt.date(2027, 1, 4),
        "end": dt.date(2027, 3, 26),
        "budget": Decimal(0),
        "hours": Decimal(10),
        "raci": {"R": [owner], "A": "owner", "C": [], "I": []},
    }
    values.update(fields)
    return Action.objects.create(plan=plan, code=code, **values)


@pytest.fixture
def mine(plan: Any, teammate: Any) -> Any:
    """An action the teammate (a rep) owns."""
    return _action(plan, "relances-teammate", "teammate", budget=Decimal(1500), hours=Decimal(20))


@pytest.fixture
def theirs(plan: Any) -> Any:
    """An action of the demo plan owned by someone else (sami)."""
    return plan.actions.get(code="seq-icp-q1")


def _status_url(plan: Any, action: Any) -> str:
    return reverse("plans:action_status", args=[plan.pk, action.pk])


def _update(client: Client, plan: Any, action: Any, status: str, progress: int, **extra: Any) -> Any:
    data = {"version": action.version, "status": status, "progress": progress}
    return client.post(_status_url(plan, action), data, **extra)


def test_the_list_shows_totals_of_budget_and_hours_and_the_overall_progress(
    plan: Any, as_owner: Client, mine: Any
) -> None:
    from pac.web.plans.models import Action

    Action.objects.filter(pk=mine.pk).update(progress=50)
    response = as_owner.get(reverse("plans:entities", args=[plan.pk, "actions"]))
    table = response.context["table"]
    actions = list(plan.actions.all())
    budget = sum(a.budget for a in actions)
    hours = sum(a.hours for a in actions)
    assert table["totals"]["count"] == len(actions)
    assert table["totals"]["budget"].replace("\u202f", " ").replace("\xa0", " ") == (
        f"{int(budget):,} €".replace(",", " ")
    )
    assert table["totals"]["hours"].replace("\u202f", " ").replace("\xa0", " ") == f"{int(hours):,}".replace(",", " ")
    # the hours-weighted progress: only the teammate's 20 hours are half done
    expected = round(Decimal(20) * 50 / hours)
    assert table["totals"]["progress"].replace("\u202f", " ").replace("\xa0", " ") == f"{expected} %"
    text = page_text(response)
    assert f"{expected} %" in text


def test_the_list_names_people_by_first_and_last_name(plan: Any, as_owner: Client, mine: Any, teammate: Any) -> None:
    teammate.first_name, teammate.last_name = "Camille", "Durand"
    teammate.save()
    response = as_owner.get(reverse("plans:entities", args=[plan.pk, "actions"]))
    line = next(line for line in response.context["table"]["lines"] if line["pk"] == mine.pk)
    assert line["owner"] == "Camille Durand"
    assert "R: Camille Durand" in line["raci"]
    body = response.content.decode()
    assert 'data-testid="owner">Camille Durand<' in body


def test_the_list_flags_overdue_actions_until_they_are_done(
    plan: Any, as_owner: Client, mine: Any, theirs: Any
) -> None:
    from pac.web.plans.models import Action

    Action.objects.filter(pk=mine.pk).update(end=dt.date(2020, 1, 31), start=dt.date(2020, 1, 6))
    lines = {
        line["pk"]: line
        for line in as_owner.get(reverse("plans:entities", args=[plan.pk, "actions"])).context["table"]["lines"]
    }
    assert lines[mine.pk]["status"]["overdue"]
    assert not lines[theirs.pk]["status"]["overdue"]  # ends in 2027
    Action.objects.filter(pk=mine.pk).update(status="done")
    response = as_owner.get(reverse("plans:entities", args=[plan.pk, "actions"]))
    assert not any(line["status"]["overdue"] for line in response.context["table"]["lines"])


def test_dates_stay_on_one_line(plan: Any, as_owner: Client, mine: Any) -> None:
    body = as_owner.get(reverse("plans:entities", args=[plan.pk, "actions"])).content.decode()
    assert 'class="nowrap dates" data-testid="dates"' in body
    css = (Path(pac.web.__file__).parent / "static" / "pac" / "pac.css").read_text(encoding="utf-8")
    assert re.search(r"\.nowrap[^{]*\{[^}]*white-space:\s*nowrap", css)


def test_an_owner_updates_status_and_progress_inline(plan: Any, as_teammate: Client, mine: Any) -> None:
    version = plan.version
    response = _update(as_teammate, plan, mine, "in_progress", 40, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-testid="status-saved"' in response.content.decode()
    assert f'id="action-status-{mine.pk}"' in response.content.decode()  # the partial, not the page
    assert "<html" not in response.content.decode()
    mine.refresh_from_db()
    plan.refresh_from_db()
    assert (mine.status, mine.progress) == ("in_progress", 40)
    assert plan.version == version + 1  # what is computed from the plan is computed again
    # the page's forms that carry the plan's version (deleting a row) are given the new one
    assert f'value="{plan.version}" class="plan-version" hx-swap-oob="outerHTML:input.plan-version"' in (
        response.content.decode()
    )


def test_without_javascript_the_update_goes_back_to_the_page(plan: Any, as_teammate: Client, mine: Any) -> None:
    week = reverse("plans:week", args=[plan.pk])
    response = as_teammate.post(
        _status_url(plan, mine), {"version": mine.version, "status": "done", "progress": 100, "next": week}
    )
    assert response.status_code == 302 and response["Location"] == week
    response = as_teammate.post(
        _status_url(plan, mine),
        {"version": mine.version + 1, "status": "done", "progress": 100, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("plans:entities", args=[plan.pk, "actions"])
    # the row that comes back (HTMX) still leads back to the page it is on, not to the update's URL
    swapped = as_teammate.post(
        _status_url(plan, mine),
        {"version": mine.version + 1, "status": "done", "progress": 100, "next": week},
        HTTP_HX_REQUEST="true",
    )
    assert f'name="next" value="{week}"' in swapped.content.decode()


def test_a_concurrent_update_is_detected_not_lost(plan: Any, as_teammate: Client, as_owner: Client, mine: Any) -> None:
    opened_at = mine.version
    assert _update(as_owner, plan, mine, "in_progress", 30, HTTP_HX_REQUEST="true").status_code == 200
    stale = as_teammate.post(
        _status_url(plan, mine),
        {"version": opened_at, "status": "done", "progress": 100},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-testid="status-error"' in stale.content.decode()
    mine.refresh_from_db()
    assert (mine.status, mine.progress) == ("in_progress", 30)  # the first update stands
    assert f'value="{mine.version}"' in stale.content.decode()  # the row comes back as it stands, to redo


def test_an_edit_of_the_whole_action_makes_an_open_inline_update_stale(
    plan: Any, as_teammate: Client, mine: Any
) -> None:
    from pac.web.plans import execution

    opened_at = mine.version
    plan.refresh_from_db()
    mine.name = "Relances renommées"
    execution.entity_save(user=plan.owner, plan=plan, expected_version=plan.version, entity="actions", instance=mine)
    stale = _update(as_teammate, plan, type("A", (), {"pk": mine.pk, "version": opened_at})(), "done", 100)
    assert stale.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "planned" and mine.name == "Relances renommées"


@pytest.mark.parametrize("progress", [-1, 101])
def test_progress_is_a_percentage(plan: Any, as_teammate: Client, mine: Any, progress: int) -> None:
    response = _update(as_teammate, plan, mine, "in_progress", progress, HTTP_HX_REQUEST="true")
    assert 'data-testid="status-error"' in response.content.decode()
    mine.refresh_from_db()
    assert mine.progress == 0


def test_an_unknown_status_is_refused(plan: Any, as_teammate: Client, mine: Any) -> None:
    response = _update(as_teammate, plan, mine, "sabotaged", 10, HTTP_HX_REQUEST="true")
    assert 'data-testid="status-error"' in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == "planned"


# --- permissions: owner (manager who owns the plan), teammate (a rep), outsider ------------------


def test_a_rep_may_not_update_someone_elses_action(plan: Any, as_teammate: Client, theirs: Any) -> None:
    status = theirs.status
    assert _update(as_teammate, plan, theirs, "cancelled", 0).status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == status


def test_the_plans_manager_may_update_any_action(plan: Any, as_owner: Client, theirs: Any) -> None:
    assert _update(as_owner, plan, theirs, "in_progress", 20, HTTP_HX_REQUEST="true").status_code == 200
    theirs.refresh_from_db()
    assert (theirs.status, theirs.progress) == ("in_progress", 20)


def test_an_outsider_learns_nothing(plan: Any, as_outsider: Client, mine: Any) -> None:
    assert _update(as_outsider, plan, mine, "done", 100).status_code == 404
    mine.refresh_from_db()
    assert mine.status == "planned"


def test_an_action_of_another_plan_is_not_found_through_this_one(
    plan: Any, owner: Any, team: Any, as_teammate: Client, demo_plan_text: str
) -> None:
    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.plans import services

    other = services.plan_create_from_file(user=owner, team=team, plan=to_plan(parse_plan_file(demo_plan_text)))
    foreign = _action(other, "ailleurs", "teammate")
    assert _update(as_teammate, plan, foreign, "done", 100).status_code == 404


def test_a_rep_changes_nothing_else_of_their_own_action(plan: Any, as_teammate: Client, mine: Any) -> None:
    edit = reverse("plans:entity_edit", args=[plan.pk, "actions", mine.pk])
    delete = reverse("plans:entity_delete", args=[plan.pk, "actions", mine.pk])
    assert as_teammate.get(edit).status_code == 403
    assert as_teammate.post(edit, {"version": plan.version, "name": "Renamed", "hours": "999"}).status_code == 403
    assert as_teammate.post(delete, {"version": plan.version}).status_code == 403
    assert as_teammate.get(reverse("plans:entity_new", args=[plan.pk, "actions"])).status_code == 403
    # extra fields posted to the status update are ignored
    _update(as_teammate, plan, mine, "in_progress", 10, HTTP_HX_REQUEST="true")
    as_teammate.post(
        _status_url(plan, mine),
        {"version": mine.version + 1, "status": "in_progress", "progress": 20, "hours": "999", "owner": "sami"},
    )
    mine.refresh_from_db()
    assert (mine.name, mine.hours, mine.owner, mine.progress) == ("Relances relances-teammate", 20, "teammate", 20)


def test_the_list_offers_the_inline_form_only_where_the_reader_may_use_it(
    plan: Any, as_teammate: Client, as_owner: Client, mine: Any, theirs: Any
) -> None:
    url = reverse("plans:entities", args=[plan.pk, "actions"])
    body = as_teammate.get(url).content.decode()
    assert reverse("plans:action_status", args=[plan.pk, mine.pk]) in body
    assert reverse("plans:action_status", args=[plan.pk, theirs.pk]) not in body
    assert f'href="{reverse("plans:entity_edit", args=[plan.pk, "actions", mine.pk])}"' not in body
    owner_body = as_owner.get(url).content.decode()
    assert reverse("plans:action_status", args=[plan.pk, theirs.pk]) in owner_body


def test_filters_and_the_raci_grid_name_people_too(plan: Any, as_owner: Client, mine: Any, teammate: Any) -> None:
    teammate.first_name, teammate.last_name = "Camille", "Durand"
    teammate.save()
    response = as_owner.get(reverse("plans:entities", args=[plan.pk, "actions"]))
    owner_filter = next(f for f in response.context["filters"] if f["key"] == "owner")
    assert ("teammate", "Camille Durand") in owner_filter["choices"]
    filtered = as_owner.get(reverse("plans:entities", args=[plan.pk, "actions"]), {"owner": "teammate"})
    assert [line["pk"] for line in filtered.context["table"]["lines"]] == [mine.pk]
    grid = as_owner.get(reverse("plans:raci", args=[plan.pk]))
    assert "Camille Durand" in grid.context["people"] and "teammate" not in grid.context["people"]
    roadmap = as_owner.get(reverse("plans:roadmap", args=[plan.pk]), {"from": "2027-01-04"})
    assert "Camille Durand" in dict(roadmap.context["groups"])
    assert ("teammate", "Camille Durand") in roadmap.context["owners"]


def test_an_expected_outcome_reads_as_a_volume_of_its_stage() -> None:
    from django.utils import translation

    from pac.engine.formatting import Formatter
    from pac.web.plans.action_list import volume_text

    with translation.override("fr"):
        assert volume_text(Decimal(125), "won", Formatter("fr")) == "125 signatures"
        assert volume_text(Decimal(1), "won", Formatter("fr")) == "1 signature"
        assert volume_text(Decimal(98), "sql", Formatter("fr")) == "98 SQL"
    with translation.override("en"):
        assert volume_text(Decimal(125), "won", Formatter("en")) == "125 wins"


def test_a_reps_week_puts_their_late_actions_first_to_update(plan: Any, as_teammate: Client) -> None:
    """An action past its end and not done is the first a rep should update: this week lists it, with its
    status form, even though it no longer runs this week; a done one or someone else's does not show."""
    from django.utils import timezone

    today = timezone.localdate()
    late = _action(plan, "late", "teammate", start=today - dt.timedelta(days=40), end=today - dt.timedelta(days=10))
    _action(plan, "finished", "teammate", start=late.start, end=late.end, status="done")
    _action(plan, "not-mine", "carla", start=late.start, end=late.end)
    body = as_teammate.get(reverse("plans:week", args=[plan.pk]) + f"?from={today}").content.decode()
    running = body.split('id="running"', 1)[1].split("</section>", 1)[0]
    assert "Relances late" in running and _status_url(plan, late) in running
    assert "Relances finished" not in running and "Relances not-mine" not in running
    past_week = (today - dt.timedelta(days=21)).isoformat()
    earlier = as_teammate.get(reverse("plans:week", args=[plan.pk]) + f"?from={past_week}").content.decode()
    shown = earlier.split('id="running"', 1)[1].split("</section>", 1)[0]
    assert shown.count("Relances late <small") == 1  # it ran that week: listed once, as running
