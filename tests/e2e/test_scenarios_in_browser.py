"""What-if scenarios in a real browser: the manager copies the demo plan twice, changes one (the demo →
proposal rate to 35 %), compares both with the plan side by side, promotes the changed one, and finds the
decision in the plan's decision log."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from .test_plan_in_browser import log_in, normalised, save_section

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Any:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    return load_demo()


def _new_scenario(page: Any, live_server: Any, plan_id: int, name: str, note: str) -> None:
    page.goto(f"{live_server.url}/plans/{plan_id}/scenarios/")
    page.fill("[data-testid=scenario-name]", name)
    page.fill("[data-testid=scenario-note]", note)
    with page.expect_navigation(url=re.compile(r"/plans/\d+/$")):
        page.click("[data-testid=create-scenario]")


def _cells(page: Any, key: str) -> list[str]:
    return [normalised(c).strip() for c in page.locator(f"[data-testid=line-{key}] td").all_inner_texts()]


def test_the_manager_compares_two_scenarios_and_promotes_one(page: Any, live_server: Any, demo: Any) -> None:
    from pac.web.plans.models import DecisionLog, FunnelStage, Plan

    plan = demo.plan
    log_in(page, live_server, demo.manager.username, demo.password)
    _new_scenario(page, live_server, plan.pk, "Démo → proposition à 35 %", "taux démo → proposition à 35 %")
    assert re.search(r"Scénario de .+ — jamais appliqué|Scenario of .+ — never applied", page.inner_text("main"))
    page.wait_for_load_state("networkidle")  # htmx ready and the page's lazy cards loaded before the click
    page.click("[data-testid=edit-stages]")
    page.wait_for_selector("#section-stages")
    stages = [s.stage for s in FunnelStage.objects.filter(plan=plan).order_by("position")]
    page.fill(f"[name=stages-{stages.index('demo')}-rate]", "35")
    save_section(page)
    _new_scenario(page, live_server, plan.pk, "+1 AE", "+1 AE à partir de mars")

    page.goto(f"{live_server.url}/plans/{plan.pk}/scenarios/")
    assert page.locator("[data-testid=scenario-row]").count() == 2
    with page.expect_navigation(url=re.compile(r"/scenarios/compare/")):
        page.click("[data-testid=compare]")
    headers = normalised(page.inner_text("[data-testid=comparison] thead"))
    assert "Démo → proposition à 35 %" in headers and "+1 AE" in headers
    demos = _cells(page, "volume-demo")
    assert len(demos) == 3 and demos[1] != demos[0] and demos[2] == demos[0]  # the rate moves the demos only
    assert _cells(page, "volume-won")[0] == _cells(page, "volume-won")[1]  # for the same wins
    assert _cells(page, "changes")[1:] == ["1", "0"]
    assert all(cell for cell in _cells(page, "probability"))  # a figure, or « — » with why

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation(url=re.compile(rf"/plans/{plan.pk}/$")):
        page.click("[data-testid=promote-column-1]")
    assert FunnelStage.objects.get(plan=plan, stage="demo").rate == Decimal("0.35")
    assert list(Plan.objects.filter(scenario_of=plan).values_list("name", flat=True)) == ["+1 AE"]
    with page.expect_navigation():
        page.locator("a", has_text=re.compile("Journal des décisions|Decision log")).first.click()
    row = normalised(page.locator("[data-testid=decision-log] tbody tr").first.inner_text())
    assert re.search(
        r"Scénario « Démo → proposition à 35 % » promu : il devient le plan\.|"
        r"Scenario « Démo → proposition à 35 % » promoted: it becomes the plan\.",
        row,
    ), row
    assert DecisionLog.objects.get(plan=plan, kind="scenario").decided_by == demo.manager
