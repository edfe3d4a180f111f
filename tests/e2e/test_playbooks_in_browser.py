"""Issue 13 in a real browser: the manager starts a plan from the channel playbook with one trade show,
previews it, creates it and finds the three activation campaigns (J-60, J-30, J-7, moved back to business
days) on the plan's calendar; a plan started with the team's CRM history shows each rate with its basis."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from pac.engine.workdays import previous_business_day

from .test_plan_in_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)

START, SHOW = dt.date(2027, 1, 4), dt.date(2027, 4, 13)


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Any:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    return load_demo()


def _open_channel_playbook(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/plans/new/")
    page.click("[data-testid=start-from-playbook]")
    page.click("[data-testid=playbook-channel-hardware]")


def test_the_channel_playbook_puts_the_trade_shows_campaigns_on_the_calendar(
    page: Any, live_server: Any, demo: Any
) -> None:
    log_in(page, live_server, demo.manager.username, demo.password)
    _open_channel_playbook(page, live_server)
    page.fill("[name=start]", START.isoformat())
    page.fill("[name=trade_shows_0]", SHOW.isoformat())
    page.click("[data-testid=preview]")
    assert "Rien n'est enregistré" in page.inner_text("[data-testid=preview-section]")  # French by default
    assert page.locator("#diagnostics .diag").count() >= 1
    with page.expect_navigation(url=re.compile(r"/plans/\d+/$")):
        page.click("[data-testid=create-plan]")
    plan_url = page.url
    for offset in (60, 30, 7):
        day = previous_business_day(SHOW - dt.timedelta(days=offset))
        page.goto(f"{plan_url}month/?month={day:%Y-%m}")
        cell = page.locator(f'td[data-date="{day.isoformat()}"] .item[data-kind=campaign]')
        assert f"J-{offset} · Salon professionnel 1" in cell.all_inner_texts(), (offset, day)


def test_a_plan_from_history_shows_each_rate_with_its_basis(page: Any, live_server: Any, demo: Any) -> None:
    log_in(page, live_server, demo.manager.username, demo.password)
    _open_channel_playbook(page, live_server)
    page.fill("[name=start]", START.isoformat())
    page.fill("[name=trade_shows_0]", SHOW.isoformat())
    page.check("[name=use_history]")
    page.click("[data-testid=preview]")
    learned = re.sub(r"[\u202f\u00a0]", " ", page.inner_text("[data-testid=learned]"))
    assert re.search(r"Taux de signature : \d+ % sur [\d ]+ affaires conclues depuis \w+ \d{4}", learned), learned
    assert re.search(r"Panier moyen : [\d ]+ € sur [\d ]+ affaires gagnées depuis", learned), learned
