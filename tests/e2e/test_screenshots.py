"""The README's tour pictures, taken by the browser tests on the demo, so they never drift from the
product: the manager's cockpit in French (and its burn-up), the plan page, the KPI page and a rep's view, 1280 px wide,
written to docs/screenshots/ (``PAC_SCREENSHOTS=dir`` writes them elsewhere) as 256-colour PNGs."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from .test_plan_in_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("PAC_SCREENSHOTS") or ROOT / "docs" / "screenshots")
WIDTH, HEIGHT = 1280, 800
MAX_BYTES = 200_000  # a picture in the README, not a download


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Any:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    return load_demo()


def shoot(page: Any, name: str, element: str = "") -> Path:
    """The top of the window (or one element) as it is, in 256 colours: a third of the bytes of the
    full-colour PNG, the text still sharp."""
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")
    taker = page.locator(element) if element else page
    picture = Image.open(io.BytesIO(taker.screenshot(animations="disabled", caret="hide")))
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    picture.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path


@pytest.fixture
def french_page(browser: Any) -> Iterator[Any]:
    """A French reader's browser, the window at the README's width."""
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": WIDTH, "height": HEIGHT}
    )
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def test_the_browser_takes_the_readmes_screenshots(french_page: Any, live_server: Any, demo: Any) -> None:
    page = french_page
    log_in(page, live_server, demo.manager.username, demo.password)
    page.wait_for_selector("#burnup[data-rendered=true]")
    page.wait_for_selector("#objectives table")
    shots = [shoot(page, "cockpit")]
    burnup = shoot(page, "burnup", "section.card:has(#burnup)")

    page.goto(f"{live_server.url}/plans/{demo.plan.pk}/")
    page.wait_for_selector("#progress-vs-plan :is(table, p)")
    shots.append(shoot(page, "plan"))

    page.goto(f"{live_server.url}/cockpit/kpis/?period=month")
    page.wait_for_selector("#kpi-chart[data-rendered=true] svg")
    shots.append(shoot(page, "kpis"))

    page.context.clear_cookies()
    rep = next(r for r in demo.reps if r.username == "lea")
    log_in(page, live_server, rep.username, demo.password)
    page.wait_for_selector("[data-testid=own-view]")
    page.wait_for_selector("#burnup[data-rendered=true]")
    shots.append(shoot(page, "rep"))

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    with Image.open(burnup) as picture:
        assert picture.width <= WIDTH
    shots.append(burnup)
    for path in shots:
        if path != burnup:
            with Image.open(path) as picture:
                assert picture.size == (WIDTH, HEIGHT)
        assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"
        assert re.search(rf"\]\(docs/screenshots/{path.name}\)", readme), f"README.md does not show {path.name}"
