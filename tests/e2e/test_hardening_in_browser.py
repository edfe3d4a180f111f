"""Hardening as people meet it in a browser: password guessing ends on the lockout page (under the CSP),
and a calendar link, shown once, is copied with one click and works in a calendar client."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .test_content_security_policy_in_browser import LISTEN
from .test_plan_in_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Any:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    return load_demo()


def test_ten_wrong_passwords_lock_the_login_even_for_the_right_one(page: Any, live_server: Any, demo: Any) -> None:
    page.add_init_script(LISTEN)
    for attempt in range(11):
        page.goto(live_server.url + "/accounts/login/")
        page.fill("input[name=username]", demo.manager.username)
        page.fill("input[name=password]", demo.password if attempt == 10 else "guess-" + str(attempt))
        page.click("[data-testid=login]")
    assert page.locator("[data-testid=locked-out]").count() == 1  # not the cockpit
    assert re.search(r"\b\d{1,2}:\d{2}\b", page.inner_text("[data-testid=locked-out]"))  # when to retry
    assert page.locator("a[href='/accounts/login/']").count() >= 1
    assert page.evaluate("window.__violations") == []


def test_a_new_calendar_link_is_shown_once_and_copied_in_one_click(page: Any, live_server: Any, demo: Any) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.add_init_script(LISTEN)
    log_in(page, live_server, demo.manager.username, demo.password)
    page.goto(f"{live_server.url}/plans/{demo.current.pk}/feeds/")
    page.locator("form:has(input[name=personal][value='1']) button[value=renew]").click()
    link = page.input_value("[data-testid=my-feed]")
    page.click("[data-copy=my-feed]")
    page.wait_for_function("(b => b.textContent === b.dataset.copied)(document.querySelector('[data-copy=my-feed]'))")
    assert page.evaluate("navigator.clipboard.readText()") == link
    calendar = page.request.get(link)
    assert calendar.status == 200 and calendar.headers["content-type"].startswith("text/calendar")
    page.goto(f"{live_server.url}/plans/{demo.current.pk}/feeds/")
    assert link not in page.content()  # shown once
    assert page.locator("[data-testid=my-feed-active]").count() == 1
    assert page.evaluate("window.__violations") == []
