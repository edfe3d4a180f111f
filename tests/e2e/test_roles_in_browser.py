"""Roles in a real browser: a rep who types another team's plan address sees the « page not found » page;
the demo's executive reads the whole team's cockpit with nothing to change on it, and a change forced by
hand (a POST with the page's own CSRF token) is refused; marketing lands on the team's figures."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from .test_plan_in_browser import log_in, normalised

pytestmark = pytest.mark.django_db(transaction=True)

#: Where the landing pages of the executive and of marketing are pictured (to look at, not committed).
SHOTS = Path(os.environ.get("PAC_ROLE_SHOTS", "/tmp/pac-role-shots"))
PASSWORD = "plan-action-2027!"


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Any:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    return load_demo()


def _forced_post(page: Any, url: str, data: dict[str, str]) -> dict[str, Any]:
    """A POST made from the page by script, with the page's CSRF token: what a person who edits the page's
    HTML or replays a request sends."""
    return dict(
        page.evaluate(
            """async ([url, data]) => {
                const body = new FormData();
                body.append("csrfmiddlewaretoken", document.querySelector("input[name=csrfmiddlewaretoken]").value);
                for (const [k, v] of Object.entries(data)) body.append(k, v);
                const r = await fetch(url, {method: "POST", body, redirect: "manual"});
                return {status: r.status, text: await r.text()};
            }""",
            [url, data],
        )
    )


def test_a_rep_cannot_reach_another_teams_plan_by_its_address(page: Any, live_server: Any, db: Any) -> None:
    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.accounts.services import user_create
    from pac.web.demo import demo_plan_text
    from pac.web.plans import services

    rep = user_create(username="remi", password=PASSWORD, role="ae", team_name="Ventes Nord")
    other = user_create(username="odile", password=PASSWORD, role="manager", team_name="Ventes Sud")
    plan = services.plan_create_from_file(
        user=other, team=other.teams.get(), plan=to_plan(parse_plan_file(demo_plan_text()))
    )
    log_in(page, live_server, rep.username, PASSWORD)

    for address in (f"/plans/{plan.pk}/", f"/plans/{plan.pk}/actions/", f"/cockpit/plans/{plan.pk}/report/weekly.pdf"):
        response = page.goto(live_server.url + address)
        assert response.status == 404
        assert page.locator("[data-testid=error-page]").is_visible()
        assert plan.name not in page.inner_text("body")  # not even its name
    page.goto(live_server.url + "/plans/")
    assert plan.name not in page.inner_text("main")


def test_the_executive_reads_the_cockpit_and_changes_nothing(page: Any, live_server: Any, demo: Any) -> None:
    executive = next(u for u in demo.others if u.role == "executive")
    log_in(page, live_server, executive.username, demo.password)
    assert page.url.endswith("/cockpit/")
    page.wait_for_selector("#burnup[data-rendered=true]")
    page.wait_for_selector("#objectives table")
    main = normalised(page.inner_text("main"))
    assert demo.current.name in main
    assert page.locator("[data-testid=owner]").count() == 1  # the whole team's figures, any rep's to pick
    assert page.locator("#attention tbody tr").count() > 0
    assert page.locator("main form[method=post]").count() == 0  # no lever to accept, no alert to set aside
    assert page.locator("#levers .lever").count() > 0  # the levers are read, not accepted
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "executive.png"))

    plan = demo.current
    for address in (f"/plans/{plan.pk}/", f"/plans/{plan.pk}/actions/", f"/plans/{plan.pk}/priorities/"):
        page.goto(live_server.url + address)
        assert page.locator("main form[method=post]").count() == 0, address
        assert page.locator(f"main a[href$='/plans/{plan.pk}/edit/']").count() == 0, address
    page.goto(live_server.url + "/cockpit/")
    refused = {
        f"/cockpit/plans/{plan.pk}/levers/accept/": {"lever": "x", "version": str(plan.version)},
        f"/cockpit/plans/{plan.pk}/alerts/aside/": {"key": "x"},
        f"/plans/{plan.pk}/edit/": {"name": "Renommé", "version": str(plan.version)},
        f"/cockpit/plans/{plan.pk}/forecast/submit/": {"commit": "1", "best_case": "1", "pipeline": "1"},
        "/crm/import/": {},
    }
    for address, data in refused.items():
        answer = _forced_post(page, live_server.url + address, data)
        assert answer["status"] == 403, address
        assert 'data-testid="error-reason"' in answer["text"], address  # the role's refusal, not a CSRF one
    plan.refresh_from_db()
    assert plan.name == demo.current.name


def test_marketing_lands_on_the_teams_figures(page: Any, live_server: Any, demo: Any) -> None:
    marketing = next(u for u in demo.others if u.role == "marketing")
    log_in(page, live_server, marketing.username, demo.password)
    page.wait_for_selector("#burnup[data-rendered=true]")
    assert page.locator("#attention tbody tr").count() > 0  # the team's deals, not an empty own view
    assert page.locator("main form[method=post]").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "marketing.png"))
    page.goto(f"{live_server.url}/plans/{demo.current.pk}/events/")
    assert page.locator(f"main a[href$='/plans/{demo.current.pk}/events/new/']").count() == 1  # its campaigns
    page.goto(f"{live_server.url}/plans/{demo.current.pk}/actions/")
    assert page.locator(f"main a[href$='/plans/{demo.current.pk}/actions/new/']").count() == 0
