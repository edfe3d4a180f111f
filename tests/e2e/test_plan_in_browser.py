"""A manager's first session, in a real browser: log in, build the DESIGN.md plan, read the
figures, read the demo's diagnostics, switch to English."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def normalised(text: str) -> str:
    return re.sub(r"[\s\u202f\u00a0]+", " ", text)


def log_in(page: Any, live_server: Any, username: str, password: str) -> None:
    page.goto(live_server.url + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login]")
    page.wait_for_url(re.compile(r"/(cockpit|plans)/$"))


@pytest.fixture
def manager(db: Any) -> Any:
    from pac.web.accounts.services import user_create

    return user_create(username="claire", password="plan-action-2027!", role="manager", team_name="Ventes")


def save_section(page: Any) -> None:
    with page.expect_navigation(url=re.compile(r"/plans/\d+/$")):
        page.click("main form:not(.danger) button[type=submit]")


def test_it_builds_the_design_example_and_shows_its_reverse_funnel(page: Any, live_server: Any, manager: Any) -> None:
    log_in(page, live_server, "claire", "plan-action-2027!")
    page.click("[data-testid=new-plan]")
    page.fill("[name=name]", "PAC T1 2027")
    page.select_option("[name=team]", label="Ventes")
    page.fill("[name=start]", "2027-01-01")
    page.fill("[name=end]", "2027-03-31")
    page.fill("[name=average_deal]", "83334")
    with page.expect_navigation(url=re.compile(r"/plans/\d+/$")):
        page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")  # htmx ready and the page's lazy cards loaded before the click

    page.click("[data-testid=edit-objectives]")  # HTMX swaps the form in place
    page.wait_for_selector("#section-objectives")
    page.fill("[name=objectives-0-code]", "nb")
    page.select_option("[name=objectives-0-metric]", "revenue")
    page.fill("[name=objectives-0-target]", "1000000")
    page.fill("[name=objectives-0-deadline]", "2027-03-31")
    save_section(page)

    page.click("[data-testid=edit-stages]")
    page.wait_for_selector("#section-stages")
    for row, (rate, days) in enumerate([("25", 7), ("40 %", 7), ("50", 10), ("30", 14), ("60", 21)]):  # per cent
        page.fill(f"[name=stages-{row}-rate]", rate)
        page.fill(f"[name=stages-{row}-days]", str(days))
    save_section(page)

    page.click("[data-testid=edit-roles]")
    page.wait_for_selector("#section-roles")
    page.select_option("[name=roles-0-role]", "sdr")
    page.fill("[name=roles-0-headcount]", "3")
    page.select_option("[name=roles-1-role]", "ae")
    page.fill("[name=roles-1-headcount]", "4")
    save_section(page)

    page.click("[data-testid=edit-efforts]")
    page.wait_for_selector("#section-efforts")
    for row, (stage, role, hours) in enumerate(
        [("lead", "sdr", "0.25"), ("demo", "ae", "1.5"), ("proposal", "ae", "4")]
    ):
        page.select_option(f"[name=efforts-{row}-stage]", stage)
        page.select_option(f"[name=efforts-{row}-role]", role)
        page.fill(f"[name=efforts-{row}-hours]", hours)
    save_section(page)

    volumes = [normalised(v) for v in page.locator("#funnel td.volume").all_inner_texts()]
    assert volumes == ["1 340", "335", "134", "67", "20", "12"]
    assert "59" in page.inner_text("#funnel")
    assert "SDR" in page.inner_text("#capacity")
    page.wait_for_selector("#weekly-chart[data-rendered=true]")


def test_it_shows_the_demo_diagnostics_and_switches_to_english(
    page: Any, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    demo = load_demo()
    log_in(page, live_server, demo.manager.username, demo.password)
    page.goto(f"{live_server.url}/plans/")
    page.click(f"a:text('{demo.plan.name}')")
    diagnostics = normalised(page.inner_text("#diagnostics"))
    assert "390" in diagnostics and "67" in diagnostics and "5,1 %" in diagnostics
    assert "929" in diagnostics  # leads already needed in the pipeline on 1 January
    assert normalised(page.inner_text("[data-testid=revenue]")) == "1 000 000 €"

    page.click("[data-testid=lang-en]")
    page.wait_for_selector("html[lang=en]")
    assert "Reverse funnel" in page.inner_text("#funnel")
    assert "1,340" in page.inner_text("#funnel")
    assert "5.1%" in page.inner_text("#diagnostics")
    assert page.inner_text("[data-testid=revenue]") == "€1,000,000"


def test_it_keeps_a_rep_out_of_the_edit_forms(page: Any, live_server: Any, settings: Any, tmp_path: Path) -> None:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    demo = load_demo()
    rep = demo.reps[0]
    log_in(page, live_server, rep.username, demo.password)
    page.goto(f"{live_server.url}/plans/")
    page.click(f"a:text('{demo.plan.name}')")
    assert page.locator("[data-testid=edit-objectives]").count() == 0
    response = page.goto(f"{live_server.url}/plans/{demo.plan.pk}/objectives/")
    assert response.status == 403
