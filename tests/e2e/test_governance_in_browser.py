"""The Monday review in a real browser: the manager opens it from the landing page, reads its agenda
built from the cockpit, types the minutes and a decision, and finds the decision in the plan's log."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .test_plan_in_browser import log_in, normalised

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Any:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    return load_demo()


def test_the_manager_holds_the_monday_review_and_its_decision_reaches_the_log(
    page: Any, live_server: Any, demo: Any
) -> None:
    from pac.web.plans.models import DecisionLog, RitualMeeting

    log_in(page, live_server, demo.manager.username, demo.password)
    landing_alerts = normalised(page.inner_text("#alerts"))
    with page.expect_navigation(url=re.compile(r"/rituals/\d+/\d{4}-\d\d-\d\d/$")):
        page.locator("[data-testid=next-meeting]").first.click()  # one click from the landing page
    assert "Revue du pipeline" in page.inner_text("h1")
    with page.expect_navigation():
        page.locator("[data-testid=open-meeting]").click()
    agenda = normalised(page.inner_text("[data-testid=agenda-alerts]"))
    first = RitualMeeting.objects.get(ritual__plan=demo.current).agenda["alerts"][0]["text"]["fr"]
    assert normalised(first) in agenda and normalised(first) in landing_alerts  # the cockpit's alerts, frozen
    assert normalised(page.inner_text("[data-testid=agenda-gaps]"))  # the gaps against the targets
    page.fill("[data-testid=minutes]", "Pipeline passé en revue, deux affaires à relancer.")
    page.locator("input[name=present][value=manon]").check()
    with page.expect_navigation():
        page.locator("[data-testid=save-minutes]").click()
    assert page.input_value("[data-testid=minutes]") == "Pipeline passé en revue, deux affaires à relancer."
    page.fill("[data-testid=decision]", "Relancer les affaires bloquées avant vendredi")
    page.fill("[data-testid=decision-reason]", "Elles pèsent sur la couverture")
    with page.expect_navigation():
        page.locator("[data-testid=record-decision]").click()
    assert "Relancer les affaires bloquées avant vendredi" in page.inner_text("[data-testid=meeting-decisions]")

    with page.expect_navigation():
        page.locator("a", has_text=re.compile("Journal des décisions|Decision log")).first.click()
    row = normalised(page.locator("[data-testid=decision-log] tbody tr").first.inner_text())
    assert "Relancer les affaires bloquées avant vendredi" in row and "Elles pèsent sur la couverture" in row
    assert "Manon Lefèvre" in row and "Revue du pipeline" in row
    meeting = RitualMeeting.objects.get(ritual__plan=demo.current)
    assert meeting.present == ["manon"] and meeting.agenda["alerts"]
    assert DecisionLog.objects.get(plan=demo.current).meeting == meeting
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # nothing overflows
