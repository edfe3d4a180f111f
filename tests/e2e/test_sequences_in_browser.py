"""A sequence from end to end in the browser (issue 12): the manager builds it and enrols a segment after
seeing the preview, a rep logs an outcome from their « Aujourd'hui » queue, the manager reads the results."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .test_plan_in_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "Appel découverte ETI"


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Any:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    return load_demo()


def _french(page: Any) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": page.url}])


def test_build_enrol_work_the_queue_and_read_the_results(page: Any, live_server: Any, demo: Any) -> None:
    from pac.web.sequences.models import Enrolment, SequenceTemplate

    plan = demo.current
    log_in(page, live_server, demo.manager.username, demo.password)
    _french(page)

    # the manager builds a two-step cadence: a call on the day of enrolment, an e-mail two business days later
    page.goto(f"{live_server.url}/plans/{plan.pk}/sequences/new/")
    page.get_by_test_id("name").fill(NAME)
    page.locator("select[name=step-0-channel]").select_option("phone")
    page.locator("[name=step-0-instructions]").fill("Appeler le DAF, proposer un rendez-vous de 20 minutes.")
    page.get_by_test_id("save").click()
    page.wait_for_url(re.compile(rf"/plans/{plan.pk}/sequences/$"))
    sequence = SequenceTemplate.objects.get(plan=plan, name=NAME)
    expect(page.get_by_test_id(f"sequence-{sequence.pk}")).to_contain_text("Téléphone J0")

    # the enrolment screen: a segment, the preview (refusals with their reason, touches per rep and day), confirm
    page.get_by_test_id(f"enrol-{sequence.pk}").click()
    page.locator("select[name=segment]").select_option("icp")
    page.get_by_test_id("enrol-preview-button").click()
    preview = page.get_by_test_id("enrol-preview")
    expect(preview.get_by_test_id("preview-grid")).to_be_visible()
    expect(preview.get_by_test_id("preview-refusals")).to_contain_text("déjà dans une séquence")
    assert Enrolment.objects.filter(sequence=sequence).count() == 0  # a preview writes nothing
    page.get_by_test_id("enrol-confirm").click()
    page.wait_for_url(re.compile(rf"/plans/{plan.pk}/sequences/$"))
    enrolled = Enrolment.objects.filter(sequence=sequence)
    assert enrolled.count() > 0
    owner = enrolled.order_by("pk").first().owner

    # the rep whose accounts they are finds the call in today's queue and logs « RDV pris » in one click
    page.context.clear_cookies()
    log_in(page, live_server, owner, demo.password)
    _french(page)
    page.goto(f"{live_server.url}/today/")
    row = page.get_by_test_id("touch").filter(has_text=NAME).first
    expect(row).to_contain_text("Appeler le DAF")
    row.get_by_test_id("outcome-booked").click()
    expect(page.get_by_test_id("touch-done").first).to_be_visible()

    # the manager reads the results: one meeting booked at step 1
    page.context.clear_cookies()
    log_in(page, live_server, demo.manager.username, demo.password)
    _french(page)
    page.goto(f"{live_server.url}/plans/{plan.pk}/sequences/")
    page.get_by_test_id(f"results-{sequence.pk}").click()
    expect(page.get_by_test_id("booked").first).to_contain_text("1")
    expect(page.get_by_test_id("exits")).to_contain_text("RDV pris")
