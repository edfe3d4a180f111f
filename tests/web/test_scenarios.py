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


def _fr(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def _line(html: str, key: str) -> list[str]:
    """The cells of one line of the comparison, as read (tags stripped, spaces kept as the page has them)."""
    import re

    row = re.search(rf'data-testid="line-{key}">(.*?)</tr>', html, re.S)
    assert row is not None, key
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return [re.sub(r"<small.*?</small>|<[^>]+>", "", c).replace("\xa0", "\u202f").strip() for c in cells]
