"""What-if scenarios (issue 13 part 4): copies of a plan never applied, compared side by side with it, and
promoted to become it — the decision logged, a version kept; by the team's editors only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.http import Http404
from django.urls import reverse

from .conftest import login
from .helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(plan: Any, owner: Any) -> Any:
    from pac.web.plans.scenarios import scenario_create

    return scenario_create(
        user=owner, plan=plan, name="Démo → proposition à 35 %", note="taux démo → proposition à 35 %"
    )


def _rate(plan: Any, stage: str, rate: str) -> None:
    from pac.web.plans.models import FunnelStage

    FunnelStage.objects.filter(plan=plan, stage=stage).update(rate=Decimal(rate))


def test_a_scenario_is_a_full_copy_with_the_plans_team_and_owner(plan: Any, scenario: Any, owner: Any) -> None:
    from pac.web.plans import adapters

    assert scenario.scenario_of == plan and scenario.team == plan.team and scenario.owner == plan.owner
    mine, theirs = adapters.to_engine(plan), adapters.to_engine(scenario)
    assert theirs.name == "Démo → proposition à 35 %"
    assert (theirs.steps, theirs.actions, theirs.rituals, theirs.accounts) == (
        mine.steps,
        mine.actions,
        mine.rituals,
        mine.accounts,
    )


def test_a_scenario_never_shows_up_as_a_plan(
    plan: Any, scenario: Any, owner: Any, settings: Any, tmp_path: Any
) -> None:
    import datetime as dt

    from pac.web.api.services import token_create
    from pac.web.cockpit.delivery import plans_under_way
    from pac.web.cockpit.landing import warm_landing
    from pac.web.plans.models import CalendarFeed
    from pac.web.plans.selectors import feed_for_token, plans_visible_to

    settings.DATA_DIR = tmp_path
    assert list(plans_visible_to(owner)) == [plan]
    client = login(owner)
    listed = page_text(client.get(reverse("plans:list")))
    assert plan.name in listed and scenario.name not in listed
    api = client.get(
        "/api/v1/plans", headers={"Authorization": f"Bearer {token_create(user=owner, name='t', write=False).secret}"}
    )
    assert [row["id"] for row in api.json()["items"]] == [plan.pk]
    during = plan.start + dt.timedelta(days=10)
    assert plans_under_way(during) == [plan]  # alerts are sent for the plan only
    assert warm_landing(plan.team_id, during) == 1  # the cockpit's figures: the plan only
    kpis = page_text(client.get(reverse("cockpit:kpis")))
    assert scenario.name not in kpis
    CalendarFeed.objects.create(plan=scenario, user=owner, token_hash=CalendarFeed.hash_token("scenario-feed"))
    with pytest.raises(Http404):
        feed_for_token("scenario-feed")
    # yet the scenario is read and edited with the plan pages, under its banner
    page = page_text(client.get(reverse("plans:detail", args=[scenario.pk])))
    assert f"Scénario de {plan.name} — jamais appliqué" in page


def test_the_comparison_shows_the_volumes_the_engine_computes_for_each(
    plan: Any, scenario: Any, owner: Any, settings: Any, tmp_path: Any
) -> None:
    from pac.engine.analysis import analyse
    from pac.engine.model import Stage
    from pac.web.plans import adapters
    from pac.web.plans.scenarios import scenario_create

    settings.DATA_DIR = tmp_path
    _rate(scenario, "demo", "0.35")
    hire = scenario_create(user=owner, plan=plan, name="+1 AE", note="+1 AE à partir de mars")
    response = login(owner).get(
        reverse("cockpit:scenarios_compare", args=[plan.pk]), {"scenario": [scenario.pk, hire.pk]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    volumes = {
        row.pk: analyse(adapters.to_engine(row)).funnel
        for row in (plan, scenario, hire)  # type: ignore[union-attr]
    }
    assert volumes[scenario.pk].volume(Stage.DEMO) < volumes[plan.pk].volume(Stage.DEMO)  # type: ignore[index]
    line = _line(html, "volume-demo")
    assert line == [_fr(volumes[pk].volume(Stage.DEMO)) for pk in (plan.pk, scenario.pk, hire.pk)]  # type: ignore[index]
    assert _line(html, "revenue")[0].endswith("€") and len(set(_line(html, "revenue"))) == 1
    assert _line(html, "probability") == ["—", "—", "—"]
    assert "pas de données CRM" in page_text(response), page_text(response)[-1500:]
    assert _line(html, "changes")[1:] == ["1", "0"]  # the demo rate; the hire not typed yet
    needed = [
        next(rc for rc in analyse(adapters.to_engine(row)).capacity if rc.role == "ae").hours_needed
        for row in (plan, scenario, hire)
    ]
    assert _line(html, "needed-ae") == [_fr(round(hours)) for hours in needed] and needed[1] < needed[0]


def _fr(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def _line(html: str, key: str) -> list[str]:
    """The cells of one line of the comparison, as read (tags stripped, spaces kept as the page has them)."""
    import re

    row = re.search(rf'data-testid="line-{key}">(.*?)</tr>', html, re.S)
    assert row is not None, key
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return [re.sub(r"<small.*?</small>|<[^>]+>", "", c).replace("\xa0", "\u202f").strip() for c in cells]


def test_promoting_makes_the_scenario_the_plan_in_place(
    plan: Any, scenario: Any, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from pac.web.plans import adapters
    from pac.web.plans.models import Action, DecisionLog, FunnelStage, Plan, Ritual
    from pac.web.plans.versions import snapshot

    snapshot(plan.pk, owner)
    _rate(scenario, "demo", "0.35")
    dropped = Action.objects.filter(plan=scenario).order_by("pk").first()
    dropped.delete()  # the scenario does without one action …
    kept_action = Action.objects.filter(plan=plan).exclude(code=dropped.code).order_by("pk").first()
    ritual_ids = set(Ritual.objects.filter(plan=plan).values_list("pk", flat=True))
    stage_id = FunnelStage.objects.get(plan=plan, stage="demo").pk
    expected = adapters.to_engine(scenario)
    plan.refresh_from_db()
    before = plan.version
    client = login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("plans:scenario_promote", args=[plan.pk, scenario.pk]), {"version": plan.version}
        )
    assert response.status_code == 302 and response["Location"] == reverse("plans:detail", args=[plan.pk])
    promoted = Plan.objects.get(pk=plan.pk)
    now = adapters.to_engine(promoted)
    assert now.name == plan.name  # the plan keeps its name, id, rows and what points to them …
    assert (now.steps, now.actions, now.accounts, now.rituals, now.objectives) == (
        expected.steps,
        expected.actions,
        expected.accounts,
        expected.rituals,
        expected.objectives,
    )  # … and holds the scenario's content
    assert FunnelStage.objects.get(plan=plan, stage="demo").rate == Decimal("0.35")
    assert FunnelStage.objects.get(plan=plan, stage="demo").pk == stage_id
    assert Action.objects.filter(pk=kept_action.pk, plan=plan).exists()
    assert not Action.objects.filter(plan=plan, code=dropped.code).exists()
    assert set(Ritual.objects.filter(plan=plan).values_list("pk", flat=True)) == ritual_ids
    assert not Plan.objects.filter(pk=scenario.pk).exists()
    assert promoted.version == before + 1 and promoted.versions.first().number == promoted.version
    assert "0.35" in promoted.versions.first().content
    decision = DecisionLog.objects.get(plan=plan)
    assert (decision.kind, decision.change, decision.decided_by) == ("scenario", "scenario_promoted", owner)
    log = page_text(client.get(reverse("plans:decisions", args=[plan.pk])))
    assert "Scénario « Démo → proposition à 35 % » promu : il devient le plan." in log


def test_a_stale_promotion_is_refused_and_changes_nothing(plan: Any, scenario: Any, owner: Any) -> None:
    from pac.web.plans.models import DecisionLog, Plan

    response = login(owner).post(
        reverse("plans:scenario_promote", args=[plan.pk, scenario.pk]), {"version": plan.version - 1}
    )
    assert response.status_code == 302 and response["Location"] == reverse("plans:scenarios", args=[plan.pk])
    assert Plan.objects.filter(pk=scenario.pk).exists() and not DecisionLog.objects.filter(plan=plan).exists()


def test_a_rep_reads_scenarios_but_neither_makes_nor_promotes_one(
    plan: Any, scenario: Any, teammate: Any, settings: Any, tmp_path: Any
) -> None:
    from django.core.exceptions import PermissionDenied

    from pac.web.plans.models import Plan
    from pac.web.plans.scenarios import scenario_create, scenario_promote

    settings.DATA_DIR = tmp_path
    client = login(teammate)
    listing = client.get(reverse("plans:scenarios", args=[plan.pk]))
    assert listing.status_code == 200 and scenario.name in page_text(listing)
    assert "Copier le plan en scénario" not in page_text(listing)
    assert client.get(reverse("cockpit:scenarios_compare", args=[plan.pk])).status_code == 200
    promote = reverse("plans:scenario_promote", args=[plan.pk, scenario.pk])
    assert client.post(promote, {"version": plan.version}).status_code == 403
    assert client.post(reverse("plans:scenarios", args=[plan.pk]), {"name": "Mien"}).status_code == 403
    with pytest.raises(PermissionDenied):
        scenario_promote(user=teammate, scenario=scenario, expected_version=plan.version)
    with pytest.raises(PermissionDenied):
        scenario_create(user=teammate, plan=plan, name="Mien")
    assert Plan.objects.filter(pk=scenario.pk).exists() and plan.scenarios.count() == 1


def test_outsiders_get_404_everywhere(plan: Any, scenario: Any, outsider: Any) -> None:
    client = login(outsider)
    for url in (
        reverse("plans:scenarios", args=[plan.pk]),
        reverse("plans:detail", args=[scenario.pk]),
        reverse("plans:scenario_changes", args=[plan.pk, scenario.pk]),
        reverse("cockpit:scenarios_compare", args=[plan.pk]),
    ):
        assert client.get(url).status_code == 404, url
    promote = reverse("plans:scenario_promote", args=[plan.pk, scenario.pk])
    assert client.post(promote, {"version": plan.version}).status_code == 404


def test_the_manager_makes_a_scenario_from_the_page(plan: Any, owner: Any) -> None:
    client = login(owner)
    response = client.post(
        reverse("plans:scenarios", args=[plan.pk]), {"name": "+1 AE", "note": "+1 AE à partir de mars"}
    )
    made = plan.scenarios.get()
    assert response["Location"] == reverse("plans:detail", args=[made.pk])
    assert (made.name, made.scenario_note) == ("+1 AE", "+1 AE à partir de mars")
    refused = client.post(reverse("plans:scenarios", args=[made.pk]), {"name": " "})
    assert refused.status_code == 400 and "Donnez un nom au scénario." in page_text(refused)
    changes = page_text(client.get(reverse("plans:scenario_changes", args=[plan.pk, made.pk])))
    assert "rien ne diffère encore" in changes


def test_a_scenario_has_no_review_pack_and_its_page_no_cockpit(plan: Any, scenario: Any, owner: Any) -> None:
    client = login(owner)
    assert client.get(reverse("cockpit:report_pdf", args=[scenario.pk, "weekly"])).status_code == 404
    page = client.get(reverse("plans:detail", args=[scenario.pk])).content.decode()
    assert reverse("cockpit:plan_progress", args=[scenario.pk]) not in page
    assert reverse("plans:feeds", args=[scenario.pk]) not in page
    assert (
        reverse("cockpit:plan_progress", args=[plan.pk])
        in client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    )


def test_the_probability_is_the_teams_forecast_for_each_ones_target(settings: Any, tmp_path: Any) -> None:
    from django.db.models import F
    from django.utils import timezone

    from pac.engine.formatting import Formatter
    from pac.web.cockpit.outlook import plan_forecast
    from pac.web.crm.kpi_tables import team_tables
    from pac.web.demo import load_demo
    from pac.web.plans.models import Objective
    from pac.web.plans.scenarios import scenario_create

    settings.DATA_DIR = tmp_path
    demo = load_demo()
    plan = demo.current
    bolder = scenario_create(user=demo.manager, plan=plan, name="Objectif +50 %")
    Objective.objects.filter(plan=bolder, metric="revenue").update(target=F("target") * Decimal("1.5"))
    html = (
        login(demo.manager)
        .get(reverse("cockpit:scenarios_compare", args=[plan.pk]), {"scenario": bolder.pk})
        .content.decode()
    )
    tables, today = team_tables(plan.team), timezone.localdate()
    found = []
    for row in (plan, bolder):
        target = sum(o.target for o in row.objectives.filter(metric="revenue"))
        outlook, _why = plan_forecast(row, tables, target, today)
        found.append(outlook.probability_of_target)
    fr = Formatter("fr", "EUR")
    shown = [c.replace("\u202f", " ") for c in _line(html, "probability")]
    assert shown == [fr.percent(Decimal(str(p)), 0).replace("\xa0", " ") for p in found]
    assert found[1] < found[0]  # a bolder target is less likely, from the same deals


def test_nobody_is_enrolled_from_a_scenario(scenario: Any, owner: Any) -> None:
    import datetime as dt

    from django.core.exceptions import ValidationError

    from pac.web.sequences import services
    from pac.web.sequences.models import Enrolment

    sequence = services.sequence_save(
        owner, scenario, code="essai", name="Essai", steps=[{"offset": 0, "channel": "phone"}]
    )
    codes = list(scenario.accounts.values_list("code", flat=True)[:2])
    with pytest.raises(ValidationError, match=r"jamais appliqué|never applied"):
        services.enrol(owner, scenario, sequence, accounts=codes, start=scenario.start, today=dt.date(2026, 12, 1))
    assert not Enrolment.objects.filter(plan=scenario).exists()
