"""A personal API token in a real browser and over real HTTP: made on the « API tokens » page, shown once,
used by a script against the live server (read, then an action marked done), revoked on the page — after
which the script is refused."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.conftest import EXAMPLE_PLAN

from .test_plan_in_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "plan-action-2027!"


def _call(url: str, token: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Authorization": f"Bearer {token}"})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_a_token_made_on_the_page_drives_the_api_until_revoked(page: Any, live_server: Any) -> None:
    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.accounts.services import user_create
    from pac.web.plans.services import plan_create_from_file

    manager = user_create(username="claire", password=PASSWORD, role="manager", team_name="Ventes")
    plan = plan_create_from_file(
        user=manager, team=manager.teams.get(), plan=to_plan(parse_plan_file(EXAMPLE_PLAN.read_text("utf-8")))
    )
    log_in(page, live_server, "claire", PASSWORD)
    page.click("[data-testid=nav-api-tokens]")
    page.fill("[name=name]", "Script de relance")
    page.check("input[name=scope][value=write]")
    page.click("[data-testid=create-token]")
    secret = page.inner_text("[data-testid=secret]").strip()
    assert secret.startswith("pac_")
    api = f"{live_server.url}/api/v1"

    status, plans = _call(f"{api}/plans", secret)
    assert status == 200 and plans["items"][0]["id"] == plan.pk
    status, actions = _call(f"{api}/plans/{plan.pk}/actions?limit=1", secret)
    action = actions["items"][0]
    status, done = _call(
        f"{api}/plans/{plan.pk}/actions/{action['id']}",
        secret,
        "PATCH",
        {"version": action["version"], "status": "done"},
    )
    assert status == 200 and done["status"] == "done"

    page.goto(f"{live_server.url}/api-tokens/")
    assert secret not in page.content()  # shown once
    assert page.locator("[data-testid=tokens] tbody tr").count() == 1
    with page.expect_navigation():
        page.click("[data-testid=tokens] button.danger")
    assert _call(f"{api}/plans", secret)[0] == 401
