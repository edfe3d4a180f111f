"""The cockpit in a real browser: the manager lands on the quarter under way with its burn-up drawn in
French; a rep lands on their own deals only."""

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


def test_the_manager_lands_on_the_cockpit_and_reads_it_in_french(page: Any, live_server: Any, demo: Any) -> None:
    log_in(page, live_server, demo.manager.username, demo.password)
    assert page.url.endswith("/cockpit/")
    page.wait_for_selector("#burnup[data-rendered=true]")
    page.wait_for_selector("#objectives table")  # plan versus actual, loaded by HTMX
    text = normalised(page.inner_text("main"))
    assert demo.current.name in text
    assert re.search(r"Chiffre d'affaires signé : \d[\d ]* € sur \d[\d ]* € \(\d+ %\)", text)
    for english in ("Revenue won", "Deals that need attention", "whole team", "None", "win_rate"):
        assert english not in text
    axis = normalised(page.inner_text("#burnup"))
    assert re.search(r"(janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc)", axis)  # French dates
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # nothing overflows
    assert "Probabilité d'atteindre l'objectif" in normalised(page.inner_text("[data-testid=forecast]"))


def test_the_manager_accepts_a_corrective_action_and_finds_it_in_the_plan(
    page: Any, live_server: Any, demo: Any
) -> None:
    log_in(page, live_server, demo.manager.username, demo.password)
    lever = page.locator("#levers .lever.feasible").first
    action = normalised(lever.locator("li").first.inner_text()).split(" · ")[0]
    with page.expect_navigation(url=re.compile(r"/plans/\d+/actions/$")):
        lever.locator("button[type=submit]").click()
    assert "ajoutée" in normalised(page.inner_text(".messages"))
    assert action in normalised(page.inner_text("main"))


def test_a_rep_lands_on_their_own_deals(page: Any, live_server: Any, demo: Any) -> None:
    rep = next(r for r in demo.reps if r.username == "lea")
    log_in(page, live_server, rep.username, demo.password)
    assert page.url.endswith("/cockpit/")
    assert "lea" in page.inner_text("[data-testid=own-view]")
    owners = {cell.strip() for cell in page.locator("#attention tbody tr td:nth-child(2)").all_inner_texts()}
    assert owners == {"lea"}
    assert page.locator("[data-testid=owner]").count() == 0  # no way to pick another rep
    assert "Probabilité d'atteindre l'objectif" in normalised(page.inner_text("[data-testid=forecast]"))
    assert "Votre part du plan" in normalised(page.inner_text("[data-testid=headline]"))
    assert page.locator("#levers button[type=submit]").count() == 0  # a rep proposes, the manager accepts
