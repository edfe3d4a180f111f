"""A manager types figures the way they write them: « 1 000 000 », « 25 % », and reads them back that
way; recurrences are chosen, not written as RRULEs; long lists of people can be searched."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from .test_plan_in_browser import log_in, normalised, save_section

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "plan-action-2027!"


@pytest.fixture
def manager(db: Any) -> Any:
    from pac.web.accounts.services import user_create

    user = user_create(username="claire", password=PASSWORD, role="manager", team_name="Ventes")
    for name, role in [("sami", "sdr"), ("alex", "ae"), ("chloe", "ae")]:
        user_create(username=name, password=PASSWORD, role=role, team_name="Ventes")
    return user


def test_a_manager_types_amounts_and_rates_as_written_and_reads_them_back(
    page: Any, live_server: Any, manager: Any
) -> None:
    log_in(page, live_server, "claire", PASSWORD)
    page.click("[data-testid=new-plan]")
    page.fill("[name=name]", "PAC T1 2027")
    page.select_option("[name=team]", label="Ventes")
    page.fill("[name=start]", "2027-01-01")
    page.fill("[name=end]", "2027-03-31")
    page.fill("[name=average_deal]", "83 334")
    page.fill("[name=budget]", "1 000 000")
    page.fill("[name=weight_value]", "25 %")
    page.select_option("[name=fiscal_year_start]", label="avril")
    with page.expect_navigation(url=re.compile(r"/plans/\d+/$")):
        page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")  # htmx ready and the page's lazy cards loaded before the click

    page.click("[data-testid=edit-stages]")
    page.wait_for_selector("#section-stages")
    for row, rate in enumerate(["25 %", "40", "50,5", "30", "60"]):  # the standard stages, lead to proposal
        page.fill(f"[name=stages-{row}-rate]", rate)
    save_section(page)
    rates = [normalised(t) for t in page.locator("[data-testid=stage-rate]").all_inner_texts()]
    assert rates == ["25 %", "40 %", "50,5 %", "30 %", "60 %", "—"]

    page.goto(page.url + "edit/")
    assert normalised(page.input_value("[name=budget]")) == "1 000 000"
    assert normalised(page.input_value("[name=average_deal]")) == "83 334"
    assert normalised(page.input_value("[name=weight_value]")) == "25 %"
    assert page.locator("[name=fiscal_year_start] option:checked").inner_text() == "avril"

    page.fill("[name=budget]", "1,000,000.50")  # English figures on a French page: refused, with the way to write it
    page.click("main form button[type=submit]")
    assert "1 000 000,50" in normalised(page.inner_text("main"))


def test_a_ritual_is_chosen_in_words_and_the_owners_role_follows(page: Any, live_server: Any, manager: Any) -> None:
    from pac.web.accounts.models import Team
    from pac.web.plans import services

    plan = services.plan_create(
        user=manager,
        team=Team.objects.get(name="Ventes"),
        name="T1",
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 3, 31),
        currency="EUR",
        country="FR",
        average_deal=None,
        options={},
    )
    log_in(page, live_server, "claire", PASSWORD)
    page.goto(f"{live_server.url}/plans/{plan.pk}/rituals/new/")
    page.fill("[name=name]", "Comité trimestriel")
    page.select_option("[name=frequency]", "quarterly")
    page.check("[name=weekdays][value=TU]")
    page.select_option("[name=position]", "1")
    page.fill("[name=time]", "09:00")
    page.select_option("[name=owner]", "claire")
    page.fill("[data-testid=filter-attendees]", "ale")  # the search box keeps the matching people only
    assert page.locator("[name=attendees] option:not([hidden])").all_inner_texts() == ["alex"]
    page.select_option("[name=attendees]", ["alex"])
    with page.expect_navigation(url=re.compile(r"/rituals/$")):
        page.click("[data-testid=save]")
    row = normalised(page.inner_text("main table"))
    assert "FREQ" not in row and "mardi" in row and "9 h" in row

    page.goto(f"{live_server.url}/plans/{plan.pk}/actions/new/")
    assert page.locator("fieldset legend").count() == 6
    page.select_option("[name=owner]", "sami")
    assert page.input_value("[name=role]") == "sdr"  # preselected from the owner…
    page.select_option("[name=role]", "ae")
    page.select_option("[name=owner]", "alex")
    assert page.input_value("[name=role]") == "ae"  # …and still the manager's choice once changed by hand
