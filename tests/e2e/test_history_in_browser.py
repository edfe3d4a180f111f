"""The audit trail in a real browser: a rep updates their action's status, the manager logs in and reads
the change in the action's history — the rep by name, the status from what to what."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .test_plan_in_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Any:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    return load_demo()


def test_the_manager_reads_in_an_actions_history_what_a_rep_changed(
    browser: Any, page: Any, live_server: Any, demo: Any
) -> None:
    from pac.web.plans.models import ACTION_STATUS_CHOICES, Action

    sami = next(u for u in demo.reps if u.username == "sami")
    action = Action.objects.get(plan=demo.plan, code="seq-icp-q1")
    before = str(dict(ACTION_STATUS_CHOICES)[action.status])
    assert action.owner == "sami" and action.status != "in_progress"
    log_in(page, live_server, sami.username, demo.password)
    page.goto(f"{live_server.url}/plans/{demo.plan.pk}/actions/")
    status = page.locator(f"[data-testid=action-status-{action.pk}]")
    status.locator("[data-testid=status-select]").select_option("in_progress")
    status.locator("[data-testid=progress-input]").fill("30")
    status.locator("[data-testid=status-save]").click()
    page.locator(f"[data-testid=action-status-{action.pk}] [data-testid=status-saved]").wait_for()

    manager = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    try:
        screen = manager.new_page()
        log_in(screen, live_server, demo.manager.username, demo.password)
        screen.goto(f"{live_server.url}/plans/{demo.plan.pk}/actions/")
        screen.locator(f'tr[data-action="{action.pk}"] [data-testid=action-history]').click()
        screen.wait_for_url(f"**/history/action/{action.pk}/")
        newest = screen.locator("[data-testid=history-entry]").first
        assert newest.locator("[data-testid=who]").inner_text().strip() == (sami.get_full_name() or sami.username)
        changes = newest.locator("[data-testid=change]").all_inner_texts()
        in_progress = str(dict(ACTION_STATUS_CHOICES)["in_progress"])
        assert any(before in line and in_progress in line for line in changes), changes
        assert not any("in_progress" in line for line in changes)  # the label, never the code
    finally:
        manager.close()
