"""Accessibility: axe-core (vendored under tests/e2e/vendor, tests only) finds no serious or critical
violation on any page, as the manager, as a rep and logged out; and the pages work with the keyboard."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .test_crm_in_browser import _export, _upload
from .test_plan_in_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
ENTITIES = ("segments", "accounts", "actions", "contacts", "events", "rituals", "deadlines", "governance", "partners")

# Every rule axe-core runs by default (WCAG 2.0/2.1/2.2 A and AA, and best practices); what it reports as
# serious or critical fails the test, with the rule, the help text and the offending elements.
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
}"""


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Any:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    return load_demo()


def violations(page: Any, url: str) -> list[str]:
    """axe's serious and critical findings on the page at ``url``, once HTMX and the charts have loaded."""
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.ok, f"{url}: {response and response.status}"
    return axe(page, url)


def axe(page: Any, where: str) -> list[str]:
    """axe's serious and critical findings on the page as it is."""
    # evaluated by the test, not added as an inline <script> that the page's CSP would refuse
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(RUN_AXE)
    return [f"{where} [{v['impact']}] {v['id']}: {v['help']} — {', '.join(v['nodes'])}" for v in found]


def manager_pages(demo: Any) -> list[str]:
    current, saas = demo.current.pk, demo.plan.pk
    pages = ["/cockpit/", f"/cockpit/?plan={saas}", "/cockpit/forecast/", "/cockpit/kpis/", "/crm/import/"]
    pages += ["/plans/", "/plans/new/"]
    for plan in (saas, current):
        pages += [f"/plans/{plan}/", f"/plans/{plan}/edit/"]
        pages += [f"/plans/{plan}/{section}/" for section in ("objectives", "stages", "roles", "efforts")]
        pages += [f"/plans/{plan}/{view}/" for view in ("roadmap", "month", "week", "raci", "priorities", "feeds")]
    pages += [f"/plans/{saas}/{entity}/" for entity in ENTITIES]
    pages += [f"/plans/{saas}/{entity}/new/" for entity in ENTITIES]
    pages += [f"/plans/{saas}/accounts/import/"]
    return pages + governance_pages(demo)


def governance_pages(demo: Any) -> list[str]:
    """The decision log, a ritual's meetings, its next meeting before it is opened (the agenda as it stands
    now) and the one after, opened (agenda, minutes and decision forms)."""
    from django.urls import reverse
    from django.utils import timezone

    from pac.web.cockpit.agenda import build_agenda
    from pac.web.plans.governance import meeting_open
    from pac.web.plans.selectors import next_occurrences, ritual_days

    today = timezone.localdate()
    pages = [reverse("plans:decisions", args=[demo.current.pk])]
    for o in next_occurrences(demo.current, today)[:1]:
        pages.append(reverse("cockpit:ritual_meetings", args=[demo.current.pk, o.ritual.pk]))
        for index, day in enumerate(ritual_days(demo.current, o.ritual, today, demo.current.end)[:2]):
            if index == 1:
                meeting_open(
                    user=demo.manager,
                    plan=demo.current,
                    ritual=o.ritual,
                    day=day,
                    agenda=build_agenda(demo.current, today),
                )
            pages.append(reverse("cockpit:meeting", args=[demo.current.pk, o.ritual.pk, day.isoformat()]))
    return pages


def rep_pages(demo: Any) -> list[str]:
    current = demo.current.pk
    pages = ["/cockpit/", "/cockpit/forecast/", "/cockpit/kpis/", "/plans/", f"/plans/{current}/"]
    return pages + [
        f"/plans/{current}/{view}/" for view in ("roadmap", "month", "week", "raci", "actions", "decisions")
    ]


def test_no_page_has_a_serious_accessibility_violation_for_the_manager(
    page: Any, live_server: Any, demo: Any, tmp_path: Path
) -> None:
    found = violations(page, live_server.url + "/accounts/login/")
    page.fill("input[name=username]", demo.manager.username)
    page.fill("input[name=password]", "not the password")
    page.click("[data-testid=login]")
    page.wait_for_selector("main .errorlist")
    found += axe(page, "/accounts/login/ (refused)")

    log_in(page, live_server, demo.manager.username, demo.password)
    for url in manager_pages(demo):
        found += violations(page, live_server.url + url)
        if url.split("/")[-2] in ENTITIES:  # and the form of the list's first item
            links = page.locator(f"main a[href^='{url}']").evaluate_all("links => links.map(a => a.pathname)")
            item = next((link for link in links if re.fullmatch(re.escape(url) + r"\d+/", link)), None)
            if item:
                found += violations(page, live_server.url + item)

    page.goto(live_server.url + "/plans/new/")  # a form sent incomplete, with its errors
    page.click("main form [type=submit]")
    page.wait_for_load_state("networkidle")
    found += axe(page, "/plans/new/ (errors)")
    bad = _export(tmp_path, "erreurs.csv", ["N-1;won;1 200,50;31/12/2026", "N-2;won;douze;31/02/2026"])
    _upload(
        page,
        live_server,
        bad,
        mapping="Numéro=external_id\nRésultat=outcome\nMontant=amount\nClôture=closed",
        dry_run="off",
    )
    found += axe(page, page.url + " (refused import)")
    assert not found, "\n".join(found)


def test_no_page_has_a_serious_accessibility_violation_for_a_rep(page: Any, live_server: Any, demo: Any) -> None:
    rep = next(r for r in demo.reps if r.username == "lea")
    log_in(page, live_server, rep.username, demo.password)
    found: list[str] = []
    for url in rep_pages(demo):
        found += violations(page, live_server.url + url)
    assert not found, "\n".join(found)


def tab_to(page: Any, selector: str, limit: int = 150) -> None:
    """Press Tab until the focused element matches ``selector`` (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement !== null && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_the_manager_logs_in_opens_a_plan_and_edits_it_with_the_keyboard_only(
    page: Any, live_server: Any, demo: Any
) -> None:
    page.goto(live_server.url + "/")
    tab_to(page, "input[name=username]")
    page.keyboard.type(demo.manager.username)
    page.keyboard.press("Tab")
    page.keyboard.type(demo.password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cockpit/$"), wait_until="networkidle")

    tab_to(page, "header nav a[href='/plans/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/plans/$"), wait_until="networkidle")
    tab_to(page, f"main a[href='/plans/{demo.plan.pk}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/plans/{demo.plan.pk}/$"), wait_until="networkidle")

    tab_to(page, "[data-testid=edit-stages]")
    page.keyboard.press("Enter")  # the form opens in place and takes the focus: the next Tab is in it
    # htmx moves the focus when the swap settles, a moment after the form is in the page (the browser may focus
    # it first, on insertion): wait for the settle, that takes away the class htmx puts on what it added, or
    # a Tab pressed in between is undone by it
    expect(page.locator("#section-stages")).to_have_count(1)
    expect(page.locator(".htmx-added")).to_have_count(0)
    expect(page.locator("#section-stages h2")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#section-stages form') !== null")
    tab_to(page, "#id_stages-0-days")
    page.keyboard.press("Control+A")
    page.keyboard.type("9")
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_selector("#inputs-stages")
    assert page.locator("#inputs-stages tbody tr").first.locator("td").nth(2).inner_text().strip() == "9"
