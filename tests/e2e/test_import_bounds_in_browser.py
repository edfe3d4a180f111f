"""Issue 11's bad files in a real browser: a zip bomb uploaded from the page is refused with its reason, a
cell of 200 000 characters is shown as an excerpt with its length, and a job's problems are read page
by page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.io.crm.xlsx_files import bomb_sheet, write_xlsx

from .test_crm_in_browser import _upload, demo  # noqa: F401  # the demo fixture, used by name
from .test_plan_in_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_zip_bomb_uploaded_from_the_page_is_refused_with_its_reason(
    page: Any,
    live_server: Any,
    demo: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    log_in(page, live_server, demo.manager.username, demo.password)
    bomb = write_xlsx(tmp_path / "bomb.xlsx", bomb_sheet(1 << 30))
    _upload(page, live_server, bomb, dry_run="off")
    assert page.locator("#job").get_attribute("data-status") == "refused"
    [row] = page.locator("#problems tbody tr.error").all_inner_texts()
    assert "xl/worksheets/sheet1.xml" in row and "1009" in row


def test_a_huge_cell_is_shown_as_an_excerpt_with_its_length(
    page: Any,
    live_server: Any,
    demo: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    log_in(page, live_server, demo.manager.username, demo.password)
    export = tmp_path / "long.csv"
    export.write_text("external_id;outcome;name\nD1;won;" + "y" * 100_000 + "\n", encoding="utf-8")
    _upload(page, live_server, export, dry_run="off")
    cell = page.locator("#problems tbody tr.error td").nth(2)
    assert cell.locator("code").inner_text() == "y" * 80 + "…"
    assert re.sub(r"\D", "", cell.locator("[data-testid=value-length]").inner_text()) == "100000"


def test_a_jobs_problems_are_read_page_by_page(
    page: Any,
    live_server: Any,
    demo: Any,  # noqa: F811
) -> None:
    from pac.web.crm.models import ImportJob

    problems = [
        {"line": n + 2, "column": "amount", "value": "x", "reason": "r", "severity": "error", "code": "bad_number"}
        for n in range(120)
    ]
    job = ImportJob.objects.create(
        team=demo.team,
        user=demo.manager,
        kind="opportunities",
        file_name="many.csv",
        status=ImportJob.REFUSED,
        problems=problems,
        problem_total=1120,
        problem_codes={"error:bad_number": 1120},
    )
    log_in(page, live_server, demo.manager.username, demo.password)
    page.goto(f"{live_server.url}/crm/imports/{job.pk}/")

    def first_lines() -> list[str]:
        return [row.split("\t")[0] for row in page.locator("#problems tbody tr.error").all_inner_texts()]

    assert first_lines() == [str(n) for n in range(2, 52)]
    page.click("[data-testid=problem-pages] a[rel=next]")
    page.wait_for_url(re.compile(r"\?page=2$"))
    assert first_lines() == [str(n) for n in range(52, 102)]
    page.click("[data-testid=problem-pages] a[rel=next]")
    assert first_lines() == [str(n) for n in range(102, 122)]
    assert page.locator("tr.more").count() == 1  # « …and 1 000 more in the report », on the last page
