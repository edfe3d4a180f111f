"""The review pack: the Monday review and the quarterly report of a plan as PDF (read back with pypdf) and
Excel (read back with openpyxl), with the plan's figures measured on the team's CRM history and written
per locale, kept inside the team, a rep's pack cut to their own figures, and written by ``pac report``."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from pac.web.crm.models import Opportunity

pytestmark = pytest.mark.django_db

CODES = ("win_rate", "no_crm_data", "not_started", "no_measure", "pipeline_coverage", "in_progress", "None")


def pdf_text(content: bytes) -> tuple[str, Any]:
    """The PDF's text as a person reads it (every kind of space a plain space), and the reader."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[\u202f\u00a0 ]+", " ", text), reader


def drawn_images(reader: Any) -> int:
    """How many drawn objects (the SVG charts become PDF form objects) the pages hold."""
    return sum(len(page["/Resources"].get("/XObject", {})) for page in reader.pages)


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> Any:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    return load_demo()  # the Maven history ending today, and a plan under way (demo.current)


def won_revenue(demo: Any, first: dt.date, last: dt.date) -> int:
    from django.db.models import Sum

    won = Opportunity.objects.filter(team=demo.team, outcome="won", closed__range=(first, last))
    return round(won.aggregate(total=Sum("amount"))["total"])


def test_it_writes_the_monday_review_as_a_pdf_with_the_plans_figures_in_french(demo: Any) -> None:
    from django.utils import timezone

    client = Client()
    client.force_login(demo.manager)
    response = client.get(reverse("cockpit:report_pdf", args=[demo.current.pk, "weekly"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    today = timezone.localdate()
    assert response["Content-Disposition"] == f'attachment; filename="{_slug(demo.current.name)}-weekly-{today}.pdf"'
    text, reader = pdf_text(response.content)
    revenue = won_revenue(demo, demo.current.start, today)
    assert demo.current.name in text
    assert f"{revenue:,}".replace(",", " ") + " €" in text  # French money: 1 234 567 €
    months = "janv.|févr.|mars|avr.|mai|juin|juil.|août|sept.|oct.|nov.|déc."
    assert re.search(rf"\b{today.day}(er)? ({months}) {today.year}\b", text)  # « 2 déc. 2026 », « 1er déc. »
    assert re.search(r"\d+ %", text) and not re.search(r"\d%", text)  # 25 %, never 25%
    assert not any(code in text for code in CODES)
    assert "Chiffre d'affaires" in text  # the objective's name, in French
    assert drawn_images(reader) >= 1  # the charts, drawn inline
    assert 2 <= len(reader.pages) <= 8


def test_it_writes_the_quarterly_report_in_english_for_an_english_reader(demo: Any, settings: Any) -> None:
    from django.utils import timezone

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(demo.manager)
    response = client.get(reverse("cockpit:report_pdf", args=[demo.current.pk, "quarterly"]))
    assert response.status_code == 200
    text, reader = pdf_text(response.content)
    today = timezone.localdate()
    revenue = won_revenue(demo, demo.current.start, today)
    assert f"€{revenue:,}" in text  # English money: €1,234,567
    assert f"{today:%b} {today.day}, {today.year}" in text  # Dec 1, 2026
    assert "Quarterly report" in text and "Objectives: actual against target" in text
    assert "Chiffre d'affaires" not in text and not re.search(r"\d €(?!\d)", text)  # never 1 000 €
    assert not any(code in text for code in CODES)
    assert drawn_images(reader) >= 1


def test_it_exports_the_same_figures_to_excel_one_sheet_per_section(demo: Any, settings: Any) -> None:
    from django.utils import timezone
    from openpyxl import load_workbook

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(demo.manager)
    response = client.get(reverse("cockpit:report_xlsx", args=[demo.current.pk, "weekly"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'-weekly-{timezone.localdate()}.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:4] == ["Summary", "Objectives", "Funnel", "Key figures"]
    assert {"Weekly targets", "Capacity", "Overdue actions", "Diagnostics"} <= set(book.sheetnames)
    objectives = list(book["Objectives"].iter_rows(values_only=True))
    revenue_row = next(r for r in objectives if str(r[0]).startswith("Revenue"))
    revenue = won_revenue(demo, demo.current.start, timezone.localdate())
    assert revenue_row[3] == pytest.approx(revenue, abs=1)  # a number, not text
    assert isinstance(revenue_row[4], float) and revenue_row[4] == pytest.approx(revenue / revenue_row[2], abs=1e-3)
    week_ago = won_revenue(demo, demo.current.start, timezone.localdate() - dt.timedelta(days=7))
    assert objectives[0][7] == "A week earlier"
    assert revenue_row[7] == pytest.approx(week_ago, abs=1) and revenue_row[8] == pytest.approx(
        revenue - week_ago, abs=1
    )
    kpis = {r[0]: r[1] for r in book["Key figures"].iter_rows(min_row=2, values_only=True)}
    assert isinstance(kpis["Win rate"], float) and 0 < kpis["Win rate"] < 1


@pytest.mark.parametrize("name", ["cockpit:report_pdf", "cockpit:report_xlsx"])
def test_it_lets_the_team_download_a_pack_and_hides_it_from_outsiders(
    name: str, plan: Any, as_owner: Client, as_teammate: Client, as_outsider: Client
) -> None:
    url = reverse(name, args=[plan.pk, "weekly"])
    assert as_owner.get(url).status_code == 200
    assert as_teammate.get(url).status_code == 200
    assert as_outsider.get(url).status_code == 404
    assert Client().get(url)["Location"].startswith(reverse("login"))
    assert as_owner.get(reverse(name, args=[plan.pk, "yearly"])).status_code == 404


def test_the_plan_page_links_to_the_packs(plan: Any, as_teammate: Client) -> None:
    body = as_teammate.get(reverse("cockpit:plan_progress", args=[plan.pk])).content.decode()
    assert reverse("cockpit:report_pdf", args=[plan.pk, "weekly"]) in body
    assert reverse("cockpit:report_xlsx", args=[plan.pk, "weekly"]) in body


def _overdue_actions(plan: Any, owners: list[str]) -> None:
    from pac.web.plans.models import Action

    end = dt.date.today() - dt.timedelta(days=3)
    Action.objects.bulk_create(
        Action(
            plan=plan,
            code=f"late-{i}",
            type="follow_up",
            name=f"Relance {owner} {i}",
            owner=owner,
            start=end,
            end=end,
            position=i,
        )
        for i, owner in enumerate(owners)
    )


def test_a_rep_gets_their_own_actions_and_the_manager_every_action(
    plan: Any, as_owner: Client, as_teammate: Client
) -> None:
    from openpyxl import load_workbook

    _overdue_actions(plan, ["teammate", "someone-else", "teammate"])
    url = reverse("cockpit:report_xlsx", args=[plan.pk, "weekly"])

    def overdue(client: Client) -> list[str]:
        book = load_workbook(io.BytesIO(client.get(url).content))
        sheet = book[book.sheetnames[6]]  # overdue actions
        return sorted(str(r[1]) for r in sheet.iter_rows(min_row=2, values_only=True) if r[0])

    assert overdue(as_teammate) == ["teammate", "teammate"]
    summary = load_workbook(io.BytesIO(as_teammate.get(url).content)).worksheets[0]
    assert any("teammate" in str(value) for row in summary.iter_rows(values_only=True) for value in row)
    assert overdue(as_owner) == ["someone-else", "teammate", "teammate"]


def test_a_rep_gets_the_kpis_of_their_own_deals(demo: Any, settings: Any) -> None:
    from django.utils import timezone
    from openpyxl import load_workbook

    from pac.web.accounts.models import User

    today = timezone.localdate()
    won = Opportunity.objects.filter(team=demo.team, outcome="won", closed__range=(demo.current.start, today))
    rep = User.objects.get(username="lea")  # the demo's deals are owned by its reps' usernames
    name = rep.username
    mine = round(sum(o.amount for o in won.filter(owner=name)))

    def revenue_tile(user: Any) -> Any:
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(user)
        book = load_workbook(
            io.BytesIO(client.get(reverse("cockpit:report_xlsx", args=[demo.current.pk, "weekly"])).content)
        )
        return {r[0]: r[1] for r in book["Key figures"].iter_rows(min_row=2, values_only=True)}["Revenue (won)"]

    assert revenue_tile(rep) == pytest.approx(mine, abs=1)
    assert revenue_tile(demo.manager) == pytest.approx(won_revenue(demo, demo.current.start, today), abs=1)
    assert mine < won_revenue(demo, demo.current.start, today)


def test_a_big_plan_gives_a_short_pdf_that_counts_what_it_leaves_out(
    plan: Any, as_owner: Client, settings: Any
) -> None:
    _overdue_actions(plan, [f"rep{i % 7}" for i in range(5000)])
    as_owner.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text, reader = pdf_text(as_owner.get(reverse("cockpit:report_pdf", args=[plan.pk, "weekly"])).content)
    assert len(reader.pages) <= 6
    assert "and 4,985 more" in text  # 15 shown of 5 000
    assert "5,000 actions fell overdue since" in text  # due 3 days ago: within the week


def test_the_workbook_neutralises_text_a_spreadsheet_would_run(owner: Any, team: Any, as_owner: Client) -> None:
    from openpyxl import load_workbook

    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.plans import services

    text = 'plan: {name: \'=HYPERLINK("http://evil","x")\', start: 2027-01-04, end: 2027-03-26}\n'
    row = services.plan_create_from_file(user=owner, team=team, plan=to_plan(parse_plan_file(text)))
    _overdue_actions(row, ["@SUM(A1)"])
    book = load_workbook(io.BytesIO(as_owner.get(reverse("cockpit:report_xlsx", args=[row.pk, "weekly"])).content))
    cells = [c for sheet in book for r in sheet.iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert '\'=HYPERLINK("http://evil","x")' in cells and "'@SUM(A1)" in cells
    assert not any(c.startswith(("=", "@")) for c in cells)


def test_the_optional_sections_show_only_when_given(plan: Any) -> None:
    import dataclasses

    from django.utils import translation

    from pac.web.cockpit.reports.pack import Lever, forecast_section
    from pac.web.cockpit.reports.pdf import pack_pdf
    from pac.web.cockpit.reports.views import plan_pack

    with translation.override("en"):
        pack = plan_pack(plan, kind="weekly", today=plan.start + dt.timedelta(days=10))
        bare, _ = pdf_text(pack_pdf(pack))
        full = dataclasses.replace(
            pack,
            forecast=forecast_section(
                probability=Decimal("0.62"),
                p10=Decimal(610000),
                p50=Decimal(820000),
                p90=Decimal(1040000),
                expected=Decimal(815500),
                currency="EUR",
            ),
            alerts=("Win rate fell under 20% this week.",),
            levers=(Lever("Add a webinar for CFOs in week 6.", "feasible"),),
        )
        shown, _ = pdf_text(pack_pdf(full))
    assert "Forecast" not in bare and "Corrective levers" not in bare
    assert "62%" in shown and "€820,000" in shown and "€815,500" in shown
    assert "Win rate fell under 20% this week." in shown and "Add a webinar for CFOs in week 6." in shown


def test_the_cli_writes_the_pdf_and_the_workbook(plan: Any, tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from pac.cli import app

    pdf, xlsx = tmp_path / "lundi.pdf", tmp_path / "lundi.xlsx"
    day = (plan.start + dt.timedelta(days=15)).isoformat()
    result = CliRunner().invoke(
        app,
        [
            "report",
            "weekly",
            "--plan",
            plan.name,
            "--pdf",
            str(pdf),
            "--xlsx",
            str(xlsx),
            "--lang",
            "en",
            "--today",
            day,
        ],
    )
    assert result.exit_code == 0, result.output
    text, _ = pdf_text(pdf.read_bytes())
    assert plan.name in text and "Monday review" in text
    assert load_workbook(xlsx).sheetnames[0] == "Summary"
    by_id = CliRunner().invoke(app, ["report", "quarterly", "--plan", str(plan.pk), "--xlsx", str(xlsx)])
    assert by_id.exit_code == 0, by_id.output


@pytest.mark.parametrize(
    "arguments",
    [
        ["--plan", "No such plan", "--pdf", "{tmp}/x.pdf"],
        ["--plan", "{name}"],
        ["--plan", "{name}", "--pdf", "{tmp}/x.pdf", "--today", "2027-02-30"],
        ["--plan", "{name}", "--pdf", "{tmp}/x.pdf", "--lang", "de"],
        ["--plan", "{name}", "--pdf", "{tmp}/missing/x.pdf"],
        ["--plan", "{name}", "--pdf", "{tmp}/x.pdf", "--user", "nobody"],
    ],
)
def test_the_cli_refuses_what_it_cannot_do_with_exit_2(plan: Any, tmp_path: Path, arguments: list[str]) -> None:
    from typer.testing import CliRunner

    from pac.cli import app

    args = [a.format(tmp=tmp_path, name=plan.name) for a in arguments]
    result = CliRunner().invoke(app, ["report", "weekly", *args], env={"PAC_LANG": "en"})
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "x.pdf").exists()


def test_a_change_is_written_with_its_sign_and_a_rates_in_points() -> None:
    from django.utils import translation

    from pac.engine.formatting import Formatter
    from pac.web.cockpit.reports.figures import Figures

    with translation.override("en"):
        figures = Figures(Formatter("en", "EUR"))
        assert figures.change(figures.money(Decimal(1500)), figures.money(Decimal(2000))).text == "−€500"
        assert figures.change(figures.percent(Decimal("0.645")), figures.percent(Decimal("0.622"))).text == "+2.3 pts"
        assert figures.change(figures.count(7), figures.count(None)).text == "—"


def _slug(name: str) -> str:
    from django.utils.text import slugify

    return slugify(name)


def test_the_pack_carries_the_cockpits_alerts_and_levers(demo: Any) -> None:
    from django.utils import timezone

    from pac.web.cockpit.reports.views import plan_pack

    pack = plan_pack(demo.current, kind="weekly", today=timezone.localdate())
    assert pack.alerts and any("Relance des affaires ouvertes" in line for line in pack.alerts)  # the late action
    assert pack.levers is not None and all(lever.text and lever.feasibility for lever in pack.levers)
