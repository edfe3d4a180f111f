"""The CRM import flow in a real browser: a simulation imported for real without a new upload, and the
Olist leads and deals imported through the page giving MQL → won as the files read from disk (10,5 %)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .test_plan_in_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "plan-action-2027!"
FINISHED = "#job[data-status=done], #job[data-status=refused], #job[data-status=failed], #job[data-status=held]"


@pytest.fixture
def manager(db: Any) -> Any:
    """A team of its own, without the demo's data: the Olist figures are the team's only ones."""
    from pac.web.accounts.services import user_create

    return user_create(username="claire", password=PASSWORD, role="manager", team_name="Ventes")


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path


def _upload(page: Any, live_server: Any, path: Path, kind: str, preset: str = "", dry_run: bool = False) -> None:
    page.goto(f"{live_server.url}/crm/import/")
    page.select_option("[name=kind]", kind)
    page.select_option("[name=preset]", preset)
    page.set_checked("[name=dry_run]", dry_run)
    page.set_input_files("[name=file]", str(path))
    with page.expect_navigation(url=re.compile(r"/crm/imports/\d+/$")):
        page.click("[data-testid=import]")
    page.wait_for_selector(FINISHED)


def test_a_simulated_import_is_then_imported_for_real_without_a_new_upload(
    page: Any, live_server: Any, manager: Any, tmp_path: Path
) -> None:
    from pac.web.crm.models import ImportJob, Opportunity

    log_in(page, live_server, manager.username, PASSWORD)
    export = tmp_path / "semaine.csv"
    export.write_text("external_id;outcome;amount;account\nS-1;won;1 500;A\nS-2;lost;0;B\n", encoding="utf-8")
    _upload(page, live_server, export, "opportunities", dry_run=True)
    assert "Simulation" in page.inner_text("#job h2")
    assert page.inner_text("[data-testid=counts]").startswith("2 créé(s)")
    assert not Opportunity.objects.exists()
    simulation = page.url

    with page.expect_navigation(url=re.compile(r"/crm/imports/\d+/$")):
        page.click("[data-testid=confirm]")  # no file chosen again
    page.wait_for_selector(FINISHED)

    assert page.url != simulation
    assert page.inner_text("#job h2") == "Import effectué"
    assert page.inner_text("[data-testid=counts]").startswith("2 créé(s), 0 mis à jour")
    assert sorted(Opportunity.objects.values_list("external_id", flat=True)) == ["S-1", "S-2"]
    page.goto(f"{live_server.url}/crm/import/")
    statuses = page.locator("[data-testid=job-status]").all_inner_texts()
    assert statuses == ["Import effectué", "Simulation"]  # newest first; the simulation says what it was
    assert ImportJob.objects.count() == 2


def test_the_olist_leads_and_deals_imported_through_the_page_give_mql_to_won(
    page: Any, live_server: Any, manager: Any
) -> None:
    from pac.datasets import dataset_path

    log_in(page, live_server, manager.username, PASSWORD)
    leads = dataset_path("olist_marketing_funnel", "olist_marketing_qualified_leads_dataset.csv")
    deals = dataset_path("olist_marketing_funnel", "olist_closed_deals_dataset.csv")
    _upload(page, live_server, leads, "leads", "olist-leads")
    assert page.get_attribute("#job", "data-status") == "done"
    _upload(page, live_server, deals, "opportunities", "olist-closed-deals")
    assert page.get_attribute("#job", "data-status") == "done"
    assert page.inner_text("[data-testid=leads-linked]").startswith("842")

    page.goto(f"{live_server.url}/cockpit/kpis/")
    row = page.locator('#kpis tr[data-kpi="mql_to_won"]')
    assert re.sub(r"\s", " ", row.locator("td.num").inner_text()) == "10,5 %"  # 842 won of 8 000 MQLs
