"""The review pack (the Monday review): gathering the figures, the PDF (WeasyPrint, charts by vl-convert)
and the workbook, for the demo plan with 50 and with 5 000 overdue actions — a download must stay a few
seconds and a few pages whatever the plan's size."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
from pathlib import Path

from measure import measure

import pac.engine
from pac.engine.model import Action, ActionType, Plan
from pac.engine.planfile import load_plan_file, to_plan

TARGET_SECONDS = 8.0  # the PDF of the Monday review, for any plan (a download the manager waits for)
MAX_PAGES = 6
EXAMPLE = Path(pac.engine.__file__).parent / "examples" / "saas-midmarket.yaml"


def plan_with(actions: int) -> Plan:
    plan = to_plan(load_plan_file(EXAMPLE))
    late = tuple(
        Action(
            id=f"a{i}",
            type=ActionType.FOLLOW_UP,
            name=f"Relance {i}",
            start=plan.start,
            end=plan.start + dt.timedelta(days=i % 30),
            owner=f"rep{i % 7}",
        )
        for i in range(actions)
    )
    return dataclasses.replace(plan, actions=plan.actions + late)


def run() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pac.web.settings")
    import django

    django.setup()
    from django.utils import translation
    from pypdf import PdfReader

    from pac.web.cockpit.reports.pack import review_pack
    from pac.web.cockpit.reports.pdf import pack_pdf
    from pac.web.cockpit.reports.workbook import pack_workbook

    rows = []
    for actions in (50, 5000):
        plan = plan_with(actions)
        today = plan.start + dt.timedelta(days=45)
        with translation.override("fr"):
            pack = review_pack(plan, team_name="bench", tables={}, kind="weekly", today=today)
            gather, _ = measure(
                lambda plan=plan, today=today: review_pack(plan, team_name="b", tables={}, kind="weekly", today=today),
                3,
            )
            draw, peak = measure(lambda pack=pack: pack_pdf(pack), 3)
            book, _ = measure(lambda pack=pack: pack_workbook(pack), 3)
            pages = len(PdfReader(io.BytesIO(pack_pdf(pack))).pages)
        total = gather + draw
        verdict = "ok" if total <= TARGET_SECONDS and pages <= MAX_PAGES else "OVER TARGET"
        rows.append(
            f"| {actions} actions | {gather * 1000:.0f} ms | {draw * 1000:.0f} ms | {pages} | "
            f"{book * 1000:.0f} ms | {peak:.1f} MiB | {verdict} |"
        )
        print(rows[-1])
    return (
        "## Review pack (the Monday review: figures, PDF, workbook; no CRM data)\n\n"
        f"Target: ≤ {TARGET_SECONDS:.0f} s for the figures and the PDF, ≤ {MAX_PAGES} pages, whatever the "
        "number of actions (the lists are cut and say how many rows they leave out).\n\n"
        "| plan | figures | PDF | pages | workbook | peak memory (PDF) | target |\n"
        "|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )


if __name__ == "__main__":
    print(run())
