"""Issue 4 in a real browser: a French Excel export from an unknown CRM is mapped, checked (dry run),
saved as the team's format and imported; a bad file shows its problems with line and column; the KPI
page draws a KPI over the periods."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .test_plan_in_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Any:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    return load_demo()


def _export(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_bytes("\n".join(["Numéro;Résultat;Montant;Clôture", *rows]).encode("cp1252") + b"\n")
    return path


def _upload(page: Any, live_server: Any, path: Path, **fields: str) -> None:
    page.goto(f"{live_server.url}/crm/import/")
    page.select_option("[name=kind]", "opportunities")
    for name, value in fields.items():
        if name == "preset":
            page.select_option("[name=preset]", value)
        elif name == "dry_run":
            page.set_checked("[name=dry_run]", value == "on")
        else:
            page.fill(f"[name={name}]", value)
    page.set_input_files("[name=file]", str(path))
    with page.expect_navigation(url=re.compile(r"/crm/imports/\d+/$")):
        page.click("[data-testid=import]")
    page.wait_for_selector("#job[data-status=done], #job[data-status=refused], #job[data-status=failed]")


def test_it_maps_checks_saves_and_imports_an_unknown_crms_export(
    page: Any, live_server: Any, demo: Any, tmp_path: Path
) -> None:
    from pac.web.crm.models import Opportunity

    log_in(page, live_server, demo.manager.username, demo.password)
    week1 = _export(tmp_path, "semaine1.csv", ["N-1;Gagné;1 200,50;31/12/2026", "N-2;Perdu;0;15/12/2026"])
    _upload(
        page,
        live_server,
        week1,
        mapping="Numéro=external_id\nRésultat=outcome\nMontant=amount\nClôture=closed",
        values="outcome:Gagné=won,Perdu=lost",
        save_preset="Notre CRM",
        dry_run="on",
    )
    assert "Simulation" in page.inner_text("#job h2")
    assert page.inner_text("[data-testid=counts]").startswith("2 créé(s)")
    assert not Opportunity.objects.filter(external_id__startswith="N-").exists()

    week2 = _export(tmp_path, "semaine2.csv", ["N-1;Gagné;1 200,50;31/12/2026", "N-3;Gagné;99;02/01/2027"])
    _upload(page, live_server, week2, preset="Notre CRM", dry_run="off")  # the saved format, no mapping
    assert page.inner_text("#job h2") == "Import effectué"
    assert page.inner_text("[data-testid=counts]").startswith("2 créé(s), 0 mis à jour, 0 inchangé(s)")
    assert Opportunity.objects.get(team=demo.team, external_id="N-3").amount == 99


def test_it_lists_the_problems_of_a_refused_file_with_their_place(
    page: Any, live_server: Any, demo: Any, tmp_path: Path
) -> None:
    log_in(page, live_server, demo.manager.username, demo.password)
    bad = _export(tmp_path, "erreurs.csv", ["N-1;won;1 200,50;31/12/2026", "N-2;won;douze;31/02/2026"])
    _upload(
        page,
        live_server,
        bad,
        mapping="Numéro=external_id\nRésultat=outcome\nMontant=amount\nClôture=closed",
        dry_run="off",
    )
    rows = [row.split("\t") for row in page.locator("#problems tbody tr.error").all_inner_texts()]
    assert rows[0][:3] == ["3", "Montant", "douze"]
    assert rows[1][:3] == ["3", "Clôture", "31/02/2026"] and "2026-02" in rows[1][3]
    assert page.locator("a[download]").count() == 1  # the report as CSV


def test_it_draws_a_kpi_over_the_months_and_the_plan_against_its_targets(
    page: Any, live_server: Any, demo: Any
) -> None:
    log_in(page, live_server, demo.manager.username, demo.password)
    page.goto(f"{live_server.url}/cockpit/kpis/?period=month")
    page.select_option("select[name=kpi]", "win_rate")
    page.wait_for_selector("#kpi-chart svg, #kpi-chart canvas")
    assert page.locator('[data-kpi="win_rate"]').count() >= 1
    # the quarter under way against its targets, drawn too
    page.wait_for_selector("#progress-chart svg, #progress-chart canvas")
    assert page.locator("#progress-vs-plan [data-objective=chiffre-affaires]").count() == 1


def test_it_breaks_a_kpi_down_by_owner_as_a_pivot_with_its_chart(page: Any, live_server: Any, demo: Any) -> None:
    log_in(page, live_server, demo.manager.username, demo.password)
    page.goto(f"{live_server.url}/cockpit/kpis/?period=month")
    page.select_option("select[name=by]", "owner")  # the form sends itself
    page.wait_for_selector("#kpi-pivot")
    page.wait_for_selector("#kpi-chart[data-rendered=true] svg")
    lines = page.locator("#kpi-pivot tbody tr.line").count()
    assert 1 <= lines <= 30 and page.locator("#kpi-pivot tfoot tr.total").count() == 1
    assert page.locator("#kpi-pivot thead th").count() <= 12 + 2  # owner, 12 months at most, the whole range
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280  # nothing wider than the window
