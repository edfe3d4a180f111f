"""The rep's week on a phone (390 × 844): nothing wider than the screen, tap targets a finger can hit,
and an action's status updated in place."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .test_plan_in_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Any:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    return load_demo()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px screen"


def test_a_rep_updates_an_actions_status_from_their_week_on_a_phone(phone: Any, live_server: Any, demo: Any) -> None:
    from pac.web.plans.models import Action

    sami = next(u for u in demo.reps if u.username == "sami")
    action = Action.objects.get(plan=demo.plan, code="seq-icp-q1")
    assert action.owner == "sami" and action.status != "in_progress"
    log_in(phone, live_server, sami.username, demo.password)
    _no_horizontal_scroll(phone)
    phone.goto(f"{live_server.url}/plans/{demo.plan.pk}/week/?from=2027-02-08")
    _no_horizontal_scroll(phone)
    status = phone.locator(f"[data-testid=action-status-{action.pk}]")
    select = status.locator("[data-testid=status-select]")
    save = status.locator("[data-testid=status-save]")
    for target in (select, save, status.locator("[data-testid=progress-input]")):
        box = target.bounding_box()
        assert box is not None and box["height"] >= 40 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    select.select_option("in_progress")
    status.locator("[data-testid=progress-input]").fill("60")
    save.tap()
    phone.locator(f"[data-testid=action-status-{action.pk}] [data-testid=status-saved]").wait_for()
    _no_horizontal_scroll(phone)
    action.refresh_from_db()
    assert (action.status, action.progress) == ("in_progress", 60)
    # the page was not reloaded: the new state is what the row now shows
    assert phone.locator(f"[data-testid=action-status-{action.pk}]").get_attribute("data-status") == "in_progress"
    # someone else's action offers no form to the rep
    others = Action.objects.filter(plan=demo.plan).exclude(owner="sami").values_list("pk", flat=True)
    for pk in others:
        assert phone.locator(f"[data-testid=action-status-{pk}] form").count() == 0


def test_a_manager_updates_a_status_inline_then_deletes_a_row_without_a_false_conflict(
    page: Any, live_server: Any, demo: Any
) -> None:
    from pac.web.plans.models import Action

    log_in(page, live_server, demo.manager.username, demo.password)
    first, second = Action.objects.filter(plan=demo.plan).order_by("pk")[:2]
    page.goto(f"{live_server.url}/plans/{demo.plan.pk}/actions/")
    status = page.locator(f"[data-testid=action-status-{first.pk}]")
    status.locator("[data-testid=status-select]").select_option("done")
    status.locator("[data-testid=progress-input]").fill("100")
    status.locator("[data-testid=status-save]").click()
    page.locator(f"[data-testid=action-status-{first.pk}] [data-testid=status-saved]").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f'tr[data-action="{second.pk}"] button.danger').click()
    page.wait_for_load_state()
    assert not Action.objects.filter(pk=second.pk).exists()  # the plan's version moved on: the form knew it
    first.refresh_from_db()
    assert (first.status, first.progress) == ("done", 100)
