"""Issue 3 in a real browser: an event's activation campaigns land on business days in the month
view, a rep's week shows only their items, a RACI without an Accountable is refused."""

from __future__ import annotations

import re
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


def test_it_shows_an_events_campaigns_on_the_right_days(page: Any, live_server: Any, demo: Any) -> None:
    log_in(page, live_server, demo.manager.username, demo.password)
    page.goto(f"{live_server.url}/plans/{demo.plan.pk}/events/")
    page.click("[data-testid=new-events]")
    page.fill("[name=code]", "forum-achats")
    page.fill("[name=name]", "Forum Achats Lyon")
    page.select_option("[name=kind]", "trade_show")
    page.fill("[name=start]", "2027-06-15")
    page.fill("[name=end]", "2027-06-17")
    page.fill("[name=campaigns_text]", "60, 30, 7")
    with page.expect_navigation(url=re.compile(r"/events/$")):
        page.click("[data-testid=save]")
    # J-60 is Friday 16 April; J-30 falls on Sunday 16 May, moved to Friday 14 May; J-7 is Tuesday 8 June.
    for month, day, label in (
        ("2027-04", "2027-04-16", "J-60"),
        ("2027-05", "2027-05-14", "J-30"),
        ("2027-06", "2027-06-08", "J-7"),
    ):
        page.goto(f"{live_server.url}/plans/{demo.plan.pk}/month/?month={month}")
        cell = page.locator(f'td[data-date="{day}"] .item[data-kind=campaign]')
        assert f"{label} · Forum Achats Lyon" in cell.all_inner_texts()
    page.goto(f"{live_server.url}/plans/{demo.plan.pk}/month/?month=2027-05")
    assert page.locator('td[data-date="2027-05-16"] .item[data-kind=campaign]').count() == 0


def test_it_shows_a_rep_only_their_week(page: Any, live_server: Any, demo: Any) -> None:
    sami = next(u for u in demo.reps if u.username == "sami")
    log_in(page, live_server, sami.username, demo.password)
    page.goto(f"{live_server.url}/plans/{demo.plan.pk}/week/?from=2027-02-08")
    week = page.inner_text("#week") + page.inner_text("#running")
    assert "Revue pipeline" in week and "Webinaire CFO" in week
    assert "Démos hebdomadaires" not in week and "Offre packagée" not in week


def test_it_refuses_an_action_without_an_accountable(page: Any, live_server: Any, demo: Any) -> None:
    log_in(page, live_server, demo.manager.username, demo.password)
    page.goto(f"{live_server.url}/plans/{demo.plan.pk}/actions/new/")
    page.fill("[name=code]", "sans-a")
    page.select_option("[name=type]", "follow_up")
    page.fill("[name=name]", "Relances sans responsable")
    page.fill("[name=start]", "2027-02-01")
    page.fill("[name=end]", "2027-02-12")
    page.select_option("[name=raci_r]", ["sami"])
    page.click("[data-testid=save]")
    assert "(A)" in page.inner_text("[role=alert]")  # the message names the missing Accountable (A)
    page.goto(f"{live_server.url}/plans/{demo.plan.pk}/actions/")
    assert "Relances sans responsable" not in page.inner_text("#entity-rows")
