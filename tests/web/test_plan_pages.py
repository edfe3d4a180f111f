"""The plan page and its forms: figures, inline errors, concurrent edits, YAML round trip."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings

from pac.engine.planfile import parse_plan_file, to_plan
from pac.io.messages import catalogue
from pac.web.plans import adapters
from pac.web.plans.filesections import plan_for_file

from ..conftest import EXAMPLE_PLAN
from ..engine.strategies import malformed_plan_files
from .helpers import page_text

pytestmark = pytest.mark.django_db


def test_it_shows_the_reverse_funnel_capacity_and_diagnostics(plan: Any, as_owner: Client) -> None:
    text = page_text(as_owner.get(reverse("plans:detail", args=[plan.pk])))
    for volume in ("12", "20", "67", "134", "335", "1 340"):
        assert f" {volume} " in text
    assert "1 000 000 €" in text
    assert "390" in text and "5,1 %" in text  # 30 demos a week do not fit 20 proposals
    assert "929" in text  # leads that must already be in the pipeline on 1 January
    assert "SDR" in text and "1 302" in text  # 3 SDR × 35 h × 62 business days ÷ 5


def test_it_creates_a_plan_with_the_standard_stages(as_owner: Client, team: Any) -> None:
    response = as_owner.post(
        reverse("plans:create"),
        {
            "name": "T2 2027",
            "team": team.pk,
            "start": "2027-04-01",
            "end": "2027-06-30",
            "currency": "eur",
            "country": "fr",
            "average_deal": "50000",
        },
    )
    assert response.status_code == 302
    from pac.web.plans.models import Plan

    plan = Plan.objects.get(name="T2 2027")
    assert plan.currency == "EUR"
    assert [s.stage for s in plan.stages.all()] == ["lead", "mql", "sql", "demo", "proposal", "won"]
    text = page_text(as_owner.get(response["Location"]))
    assert "No volume target" in text or "Aucun objectif de volume" in text


def test_it_refuses_a_plan_that_ends_before_it_starts(as_owner: Client, team: Any) -> None:
    response = as_owner.post(
        reverse("plans:create"),
        {
            "name": "Bad",
            "team": team.pk,
            "start": "2027-04-01",
            "end": "2027-03-01",
            "currency": "EUR",
            "country": "FR",
        },
    )
    assert response.status_code == 200
    assert "end" in response.context["form"].errors


def _formset_data(section: str, rows: list[dict[str, Any]], version: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{section}-TOTAL_FORMS": str(len(rows)),
        f"{section}-INITIAL_FORMS": "0",
        f"{section}-MIN_NUM_FORMS": "0",
        f"{section}-MAX_NUM_FORMS": "50",
        "version": str(version),
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{section}-{i}-{key}"] = value
    return data


STAGES = [
    {"stage": "lead", "rate": "25", "days": "7"},  # rates are typed in per cent
    {"stage": "mql", "rate": "40 %", "days": "7"},
    {"stage": "sql", "rate": "50", "days": "10"},
    {"stage": "demo", "rate": "30", "days": "14"},
    {"stage": "proposal", "rate": "60", "days": "21"},
    {"stage": "won", "rate": "", "days": "0"},
]


def test_it_updates_every_figure_when_a_rate_changes(plan: Any, as_owner: Client) -> None:
    stages = [dict(s) for s in STAGES]
    stages[0]["rate"] = "50"  # twice as many leads become MQLs: half the leads are needed
    response = as_owner.post(
        reverse("plans:section", args=[plan.pk, "stages"]), _formset_data("stages", stages, plan.version)
    )
    assert response.status_code == 302
    text = page_text(as_owner.get(reverse("plans:detail", args=[plan.pk])))
    assert " 670 " in text and "1 340" not in text


def test_it_shows_inline_errors_and_keeps_the_plan_unchanged(plan: Any, as_owner: Client) -> None:
    stages = [dict(s) for s in STAGES]
    stages[1]["rate"] = "150"
    stages[2]["rate"] = ""
    response = as_owner.post(
        reverse("plans:section", args=[plan.pk, "stages"]), _formset_data("stages", stages, plan.version)
    )
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert "rate" in forms[1].errors and "rate" in forms[2].errors
    plan.refresh_from_db()
    assert [str(s.rate) for s in plan.stages.all()][:3] == ["0.2500", "0.4000", "0.5000"]


def test_it_refuses_a_funnel_that_does_not_end_with_won(plan: Any, as_owner: Client) -> None:
    response = as_owner.post(
        reverse("plans:section", args=[plan.pk, "stages"]), _formset_data("stages", STAGES[:-1], plan.version)
    )
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()


def test_it_refuses_effort_for_a_role_missing_from_the_team(plan: Any, as_owner: Client) -> None:
    response = as_owner.post(
        reverse("plans:section", args=[plan.pk, "efforts"]),
        _formset_data("efforts", [{"stage": "demo", "role": "marketing", "hours": "1"}], plan.version),
    )
    assert response.status_code == 200
    assert "role" in response.context["formset"].forms[0].errors


def test_it_detects_a_concurrent_edit_instead_of_overwriting_it(plan: Any, as_owner: Client, team: Any) -> None:
    from pac.web.accounts.services import user_create

    from .conftest import PASSWORD, login

    colleague = login(user_create(username="m2", password=PASSWORD, role="manager", team_name=team.name))
    opened_at = plan.version
    first = [
        {"role": "sdr", "headcount": "5", "hours_per_week": "35"},
        {"role": "ae", "headcount": "4", "hours_per_week": "35"},
    ]
    second = [
        {"role": "sdr", "headcount": "1", "hours_per_week": "35"},
        {"role": "ae", "headcount": "4", "hours_per_week": "35"},
    ]
    url = reverse("plans:section", args=[plan.pk, "roles"])
    assert colleague.post(url, _formset_data("roles", first, opened_at)).status_code == 302
    response = as_owner.post(url, _formset_data("roles", second, opened_at))
    assert response.status_code == 200
    assert "changed by someone else" in page_text(response) or "modifié" in page_text(response)
    assert plan.roles.get(role="sdr").headcount == 5


def test_it_exports_the_plan_as_yaml_that_imports_back(plan: Any, as_owner: Client, team: Any) -> None:
    response = as_owner.get(reverse("plans:export", args=[plan.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8")
    assert yaml.safe_load(text)["plan"]["name"] == plan.name
    upload = SimpleUploadedFile("plan.yaml", text.encode("utf-8"), content_type="application/yaml")
    response = as_owner.post(reverse("plans:import"), {"file": upload, "team": team.pk})
    assert response.status_code == 302
    from pac.web.plans.models import Plan

    copy = Plan.objects.exclude(pk=plan.pk).get(name=plan.name)
    # the whole plan, the sequences and the touch capacity the sequences app keeps included
    assert plan_for_file(copy) == plan_for_file(plan) == to_plan(parse_plan_file(text))
    assert plan_for_file(copy).sequences


def test_it_reports_import_errors_with_their_line_and_writes_nothing(
    as_owner: Client, team: Any, demo_plan_text: str
) -> None:
    bad = demo_plan_text.replace("target: 20, deadline", "target: -20, deadline")
    line = next(i for i, row in enumerate(bad.splitlines(), 1) if "target: -20" in row)
    upload = SimpleUploadedFile("plan.yaml", bad.encode("utf-8"))
    response = as_owner.post(reverse("plans:import"), {"file": upload, "team": team.pk})
    assert response.status_code == 400
    message = re.escape(catalogue("fr")("must be > {bound}").format(bound=0))  # « doit être > 0 », the page's French
    assert re.search(rf"plan\.yaml:{line}:\d+: objectives\[3\]\.target: {message}", page_text(response))
    from pac.web.plans.models import Plan

    assert Plan.objects.count() == 0


@pytest.mark.parametrize(
    ("good", "bad"), [("start: 2027-01-01", "start: 2027-02-30"), ("start: 2027-01-01", "start: 2027-13-01")]
)
def test_it_locates_an_impossible_day_in_french_and_writes_nothing(
    as_owner: Client, team: Any, demo_plan_text: str, good: str, bad: str
) -> None:
    assert good in demo_plan_text
    text = demo_plan_text.replace(good, bad, 1)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if bad in row)
    upload = SimpleUploadedFile("plan.yaml", text.encode("utf-8"))
    response = as_owner.post(reverse("plans:import"), {"file": upload, "team": team.pk})
    assert response.status_code == 400
    shown = page_text(response)
    assert re.search(rf"plan\.yaml:{line}:\d+: plan\.start: ", shown)
    assert "does not exist" not in shown and "Traceback" not in shown
    from pac.web.plans.models import Plan

    assert Plan.objects.count() == 0


def test_it_refuses_an_oversized_upload(as_owner: Client, team: Any, settings: Any) -> None:
    settings.PLAN_UPLOAD_MAX_BYTES = 1000
    upload = SimpleUploadedFile("plan.yaml", b"# padding\n" * 200)
    response = as_owner.post(reverse("plans:import"), {"file": upload, "team": team.pk})
    assert response.status_code == 400
    assert "file" in response.context["import_form"].errors


def test_it_serves_the_section_form_as_a_partial_to_htmx(plan: Any, as_owner: Client) -> None:
    url = reverse("plans:section", args=[plan.pk, "objectives"])
    partial = as_owner.get(url, headers={"HX-Request": "true"}).content.decode()
    full = as_owner.get(url).content.decode()
    assert "<html" not in partial and 'id="section-objectives"' in partial
    assert "<html" in full


def test_it_renders_the_weekly_chart_spec_with_every_scheduled_volume(plan: Any, as_owner: Client) -> None:
    import json
    import re

    body = as_owner.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    spec = json.loads(
        re.search(r'<script id="weekly-chart-spec" type="application/json">(.*?)</script>', body, re.S).group(1)
    )  # type: ignore[union-attr]
    assert sum(v["volume"] for v in spec["data"]["values"]) == 1340 + 335 + 134 + 67 + 20 + 12


def test_it_saves_a_hire_with_a_start_date_and_a_ramp_up_next_to_an_empty_extra_row(
    plan: Any, as_owner: Client
) -> None:
    """The browser sends the blank extra rows of the formset too: they must not block the save."""
    from pac.web.plans.models import PlanRole

    from .helpers import page_text

    rows = [
        {"role": "sdr", "headcount": "3", "hours_per_week": "35", "start": "", "ramp_up": ""},
        {"role": "ae", "headcount": "4", "hours_per_week": "35", "start": "", "ramp_up": ""},
        {"role": "ae", "headcount": "1", "hours_per_week": "35", "start": "2027-02-08", "ramp_up": "50, 75 %"},
        {"role": "", "headcount": "", "hours_per_week": "35", "start": "", "ramp_up": ""},  # the extra row
    ]
    response = as_owner.post(
        reverse("plans:section", args=[plan.pk, "roles"]), _formset_data("roles", rows, plan.version)
    )

    assert response.status_code == 302, response.context["formset"].errors
    hire = PlanRole.objects.get(plan=plan, start=dt.date(2027, 2, 8))
    assert (hire.headcount, hire.ramp_up) == (1, ["0.5", "0.75"])
    text = page_text(as_owner.get(reverse("plans:detail", args=[plan.pk])))
    assert "8 févr. 2027" in text and "50 %, 75 %" in text


def test_it_refuses_a_ramp_up_without_a_start_date(plan: Any, as_owner: Client) -> None:
    rows = [{"role": "ae", "headcount": "1", "hours_per_week": "35", "start": "", "ramp_up": "50"}]
    response = as_owner.post(
        reverse("plans:section", args=[plan.pk, "roles"]), _formset_data("roles", rows, plan.version)
    )

    assert response.status_code == 200
    assert "ramp_up" in response.context["formset"].forms[0].errors


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=malformed_plan_files(EXAMPLE_PLAN.read_text(encoding="utf-8")))
def test_the_import_answers_a_malformed_plan_file_with_located_errors_only(
    as_owner: Client, team: Any, data: bytes
) -> None:
    from pac.web.plans.models import Plan

    before = Plan.objects.count()
    upload = SimpleUploadedFile("plan.yaml", data)
    response = as_owner.post(reverse("plans:import"), {"file": upload, "team": team.pk})
    assert response.status_code in (302, 400)
    if response.status_code == 302:  # a mutation that left a valid plan: imported whole
        assert Plan.objects.count() == before + 1
    else:
        assert Plan.objects.count() == before
        issues = response.context["import_issues"] or response.context["import_form"].errors
        assert issues
        for line in response.context["import_issues"]:
            assert re.match(r"plan\.yaml(:\d+:\d+)?: \S", line), line


def test_a_plans_alert_thresholds_are_kept_from_import_to_export(
    as_owner: Client, team: Any, demo_plan_text: str
) -> None:
    from pac.engine.model import AlertThresholds
    from pac.web.plans.models import Plan

    text = demo_plan_text + "alerts: {stalled_factor: 3, slip_days: 14, min_probability: 0.6}\n"
    upload = SimpleUploadedFile("plan.yaml", text.encode("utf-8"))
    assert as_owner.post(reverse("plans:import"), {"file": upload, "team": team.pk}).status_code == 302
    plan = Plan.objects.get()
    thresholds = adapters.to_engine(plan).alerts
    assert (thresholds.stalled_factor, thresholds.slip_days, thresholds.min_probability) == (3, 14, Decimal("0.6"))
    assert thresholds.pace_behind == AlertThresholds().pace_behind  # the others keep their default
    exported = yaml.safe_load(as_owner.get(reverse("plans:export", args=[plan.pk])).content)
    assert exported["alerts"] == {"min_probability": 0.6, "stalled_factor": 3, "slip_days": 14}
