"""Issue 11, part 8 in a real browser: an administrator opens « Données de l'équipe » from the menu,
downloads the team's zip, erases a rep on request after seeing what it changes; the rep can no longer log in."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.web.team_data import load_team_data

from .test_plan_in_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "plan-action-2027!"


@pytest.fixture
def admin(db: Any) -> Any:
    from pac.web.accounts.models import Team
    from pac.web.accounts.services import user_create

    user = user_create(username="adele", password=PASSWORD, role="admin", team_name="Ventes SaaS")
    manager = user_create(username="manon", password=PASSWORD, role="manager", team_name="Ventes SaaS")
    other = Team.objects.create(name="Channel industrie")
    load_team_data(Team.objects.get(name="Ventes SaaS"), manager, other, _plan_text())
    return user


def _plan_text() -> str:
    from tests.conftest import EXAMPLE_PLAN

    return EXAMPLE_PLAN.read_text(encoding="utf-8")


def test_an_administrator_exports_the_team_then_erases_a_rep_on_request(
    page: Any, live_server: Any, admin: Any, tmp_path: Path
) -> None:
    from pac.web.accounts.models import User

    log_in(page, live_server, "adele", PASSWORD)
    page.click("nav a[href='/privacy/']")
    page.wait_for_url(re.compile(r"/privacy/teams/\d+/$"))
    with page.expect_download() as download:
        page.click("[data-testid=team-export]")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("pac-ventes-saas-") and saved.suffix == ".zip"
    with zipfile.ZipFile(saved) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["tables"]["crm_opportunities"] == 40
        assert len(json.loads(archive.read("json/crm_opportunities.json"))) == 40

    page.select_option("#erase-person [name=username]", "alex")
    page.select_option("#erase-person [name=requested_by]", "subject")
    page.fill("#erase-person [name=request_ref]", "DPO-2026-12")
    page.click("[data-testid=erase-person]")
    preview = page.locator("[data-testid=erasure-preview]")
    preview.wait_for()
    assert "Alex Martin" in preview.inner_text()
    assert User.objects.get(username="alex").is_active  # nothing done before the confirmation
    page.click("[data-testid=confirm-erasure]")
    page.wait_for_url(re.compile(r"/privacy/teams/\d+/$"))
    assert page.locator("#erasures tr[data-erasure]").count() == 1
    assert "Alex" not in page.locator("main").inner_text()
    assert not User.objects.filter(username="alex").exists()

    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "alex")
    page.fill("input[name=password]", "correct-horse-battery-staple-42")
    page.click("[data-testid=login]")
    assert "/accounts/login/" in page.url  # the account is closed
