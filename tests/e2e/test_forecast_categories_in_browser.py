"""The forecast call in a real browser: the demo's rep `lea` submits her forecast from the cockpit; the
manager `manon` adjusts her commit with a reason and reads it in the roll-up and the audit."""

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


def _log_out(page: Any) -> None:
    page.context.clear_cookies()


def test_lea_submits_and_manon_adjusts_with_a_reason(page: Any, live_server: Any, demo: Any) -> None:
    from pac.web.cockpit.models import ForecastAdjustment, ForecastSubmission

    log_in(page, live_server, "lea", demo.password)
    with page.expect_navigation(url=re.compile(r"/cockpit/forecast/")):
        page.click("[data-testid=forecast-call]")
    commit = page.input_value("[name=commit]")
    assert float(commit) >= 0  # pre-filled with what PAC computes from her open deals
    assert "€" in page.inner_text("[data-testid=pac-expected]")  # and the engine's expected bookings
    page.fill("[name=commit]", "40000")
    page.fill("[name=best_case]", "65000")
    page.fill("[name=pipeline]", "120000")
    with page.expect_navigation():
        page.click("[data-testid=submit]")
    assert normalised(page.inner_text("[data-testid=last-submission]")).count("€") == 3
    assert page.input_value("[name=commit]") == "40000"
    submitted = ForecastSubmission.objects.get(submitted_by__username="lea")
    assert (submitted.commit, submitted.best_case, submitted.pipeline) == (40000, 65000, 120000)

    _log_out(page)
    log_in(page, live_server, "manon", demo.password)
    page.goto(f"{live_server.url}/cockpit/forecast/?plan={submitted.plan_id}")
    lea_row = normalised(page.inner_text("#call-table tr[data-rep=lea]"))
    assert "40 000 €" in lea_row and "65 000 €" in lea_row
    page.select_option("#adjust select[name=rep]", label="Léa Moreau")
    page.select_option("#adjust select[name=category]", "commit")
    page.fill("#adjust [name=amount]", "30000")
    page.fill("#adjust [name=reason]", "Le contrat Acme glisse au trimestre suivant")
    with page.expect_navigation():
        page.click("[data-testid=adjust]")

    adjusted = ForecastAdjustment.objects.get()
    assert (adjusted.rep.username, adjusted.by.username, adjusted.amount) == ("lea", "manon", 30000)
    lea_row = normalised(page.inner_text("#call-table tr[data-rep=lea]"))
    assert "30 000 €" in lea_row and "Le contrat Acme glisse" in lea_row
    commit_rollup = normalised(page.inner_text("#rollup-table tr[data-category=commit] [data-testid=standing]"))
    assert commit_rollup == "30 000 €"  # lea's adjusted commit: the only rep who submitted
    audit = [normalised(row) for row in page.locator("#audit-table tbody tr").all_inner_texts()]
    assert len(audit) == 2
    assert "manon" in audit[0] and "lea" in audit[0] and "Le contrat Acme glisse au trimestre suivant" in audit[0]
    assert "lea" in audit[1] and "40 000 €" in audit[1]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # nothing overflows
