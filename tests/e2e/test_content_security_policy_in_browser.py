"""The Content-Security-Policy in a real browser: the manager's main pages run under it (no inline script
or style, no eval) without a single violation, and their charts are still drawn (Vega's interpreter)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .test_plan_in_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)

#: Every violation the page reports, kept where the test can read it (before any page script runs).
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Any:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    return load_demo()


def test_the_main_pages_run_under_the_policy_with_their_charts_drawn(page: Any, live_server: Any, demo: Any) -> None:
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(LISTEN)
    log_in(page, live_server, demo.manager.username, demo.password)
    pages = {
        "/cockpit/": ["#burnup"],
        f"/plans/{demo.current.pk}/": ["#weekly-chart"],
        "/cockpit/kpis/?period=month": ["#kpi-chart", "#progress-chart"],
        "/crm/import/": [],
        f"/plans/{demo.current.pk}/feeds/": [],
        "/cockpit/forecast/": [],
        "/plans/new/": [],
        **{f"/plans/{demo.current.pk}/{view}/": [] for view in ("edit", "roadmap", "month", "week", "actions")},
    }
    for path, charts in pages.items():
        response = page.goto(live_server.url + path, timeout=60000)  # the KPI page computes on a loaded machine
        assert response.status == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
        page.wait_for_load_state("networkidle")
        for chart in charts:
            page.wait_for_selector(f"{chart}[data-rendered=true] svg", state="attached")
            assert page.locator(f"{chart} svg .role-mark > *").count() > 0, path  # marks drawn, not just axes
        assert page.evaluate("window.__violations") == [], path
    assert refused == []


def test_the_policy_blocks_what_it_says_it_blocks(page: Any, live_server: Any, demo: Any) -> None:
    """The listener is live: an inline script slipped into the page is refused and reported."""
    page.add_init_script(LISTEN)
    log_in(page, live_server, demo.manager.username, demo.password)
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.__ran = true";
                   document.body.appendChild(s); }"""
    )
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.__ran === undefined")
    assert any(v.startswith("script-src") for v in page.evaluate("window.__violations"))
