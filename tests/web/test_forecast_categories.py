"""The forecast call: a rep submits their commit, best case and pipeline (only their own, every submission
kept); a manager adjusts a rep's or the team's figure with a reason; the roll-up uses the adjusted figures
and the audit says who changed what, when and why. Outsiders learn nothing of the plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pac.engine.formatting import Formatter
from pac.engine.planfile import parse_plan_file, to_plan

from ..plans import plan_under_way
from .conftest import PASSWORD, login
from .helpers import page_text

pytestmark = pytest.mark.django_db

EN = Formatter("en")


@pytest.fixture
def carla(team: Any) -> Any:
    from pac.web.accounts.services import user_create

    return user_create(username="carla", password=PASSWORD, role="ae", team_name=team.name)


@pytest.fixture
def under_way(owner: Any, team: Any, teammate: Any, carla: Any) -> Any:
    """A plan under way; `teammate` has open deals in commit, best case, pipeline (one without an amount)
    and no category, an omitted one and a won one."""
    from pac.web.crm.models import Opportunity
    from pac.web.plans import services

    today = timezone.localdate()
    start, end = today - dt.timedelta(days=40), today + dt.timedelta(days=50)
    plan = services.plan_create_from_file(
        user=owner, team=team, plan=to_plan(parse_plan_file(plan_under_way(start, end)))
    )
    deals = [
        ("c1", "teammate", "open", 7000, "Commit"),
        ("c2", "teammate", "open", 3000, "committed"),
        ("b1", "teammate", "open", 11000, "Best Case"),
        ("p1", "teammate", "open", 5000, ""),
        ("p2", "teammate", "open", None, "Pipeline"),
        ("x1", "teammate", "open", 90000, "Omitted"),
        ("w1", "teammate", "won", 12000, ""),
        ("o2", "carla", "open", 9000, "Commit"),
    ]
    for external_id, who, outcome, amount, category in deals:
        Opportunity.objects.create(
            team=team,
            external_id=external_id,
            owner=who,
            outcome=outcome,
            amount=Decimal(amount) if amount is not None else None,
            forecast_category=category,
            created=today - dt.timedelta(days=60),
            closed=today - dt.timedelta(days=5) if outcome == "won" else None,
        )
    return plan


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _page(client: Client, plan: Any, period: str = "plan") -> Any:
    return client.get(reverse("cockpit:forecast"), {"plan": plan.pk, "period": period})


def _submit(client: Client, plan: Any, commit: Any, best_case: int, pipeline: int, **more: Any) -> Any:
    data = {"period": "plan", "commit": commit, "best_case": best_case, "pipeline": pipeline, **more}
    return client.post(reverse("cockpit:forecast_submit", args=[plan.pk]), data)


def _adjust(client: Client, plan: Any, rep: Any, category: str, amount: int, reason: str) -> Any:
    data = {"period": "plan", "rep": rep.pk if rep else "team", "category": category, "amount": amount}
    return client.post(reverse("cockpit:forecast_adjust", args=[plan.pk]), {**data, "reason": reason})


def test_a_rep_sees_what_pac_computes_from_their_open_deals_in_the_form(under_way: Any, teammate: Any) -> None:
    response = _page(_english(login(teammate)), under_way)
    assert response.status_code == 200
    fields = {f["code"]: f["value"] for f in response.context["fields"]}
    # commit: c1 + c2; best case: b1; pipeline: p1 (no category); the omitted deal and carla's stay out
    assert fields == {"commit": "10000", "best_case": "11000", "pipeline": "5000"}
    text = page_text(response)
    assert EN.money(10000) in text and EN.money(90000) not in text
    assert 'name="commit" min="0" step="0.01" value="10000"' in response.content.decode()
    deals = {c["code"]: (c["deals"], c["unknown"]) for c in response.context["pac_categories"]}
    assert deals == {"commit": (2, 0), "best_case": (1, 0), "pipeline": (2, 1)}  # p2 has no amount yet


def test_a_rep_submits_and_resubmits_and_both_are_kept(under_way: Any, teammate: Any, carla: Any) -> None:
    from pac.web.cockpit.models import ForecastSubmission

    _submit(login(carla), under_way, 1, 1, 1)  # a colleague's call: not in teammate's history
    client = _english(login(teammate))
    assert _submit(client, under_way, 8000, 15000, 20000).status_code == 302
    assert _submit(client, under_way, 9000, 16000, 21000).status_code == 302
    rows = list(ForecastSubmission.objects.filter(plan=under_way, submitted_by=teammate).order_by("at", "pk"))
    assert [(r.submitted_by, r.commit, r.best_case, r.pipeline) for r in rows] == [
        (teammate, 8000, 15000, 20000),
        (teammate, 9000, 16000, 21000),
    ]
    assert (rows[0].period_start, rows[0].period_end) == (under_way.start, under_way.end)
    response = _page(client, under_way)
    assert {f["code"]: f["value"] for f in response.context["fields"]}["commit"] == "9000"  # the latest, pre-filled
    assert [a["who"] for a in response.context["audit"]] == ["teammate", "teammate"]


def test_a_submission_is_never_edited(under_way: Any, teammate: Any) -> None:
    from pac.web.cockpit.services import forecast_submit

    done = forecast_submit(
        user=teammate, plan=under_way, period="", commit=Decimal(1), best_case=Decimal(2), pipeline=Decimal(3)
    )
    done.submission.commit = Decimal(100)
    with pytest.raises(ValueError):
        done.submission.save()


def test_a_commit_above_the_best_case_is_kept_with_a_warning(under_way: Any, teammate: Any) -> None:
    from pac.web.cockpit.services import forecast_submit

    done = forecast_submit(
        user=teammate, plan=under_way, period="", commit=Decimal(20000), best_case=Decimal(10000), pipeline=Decimal(0)
    )
    assert done.warnings == ("commit_above_best_case",)
    fine = forecast_submit(
        user=teammate, plan=under_way, period="", commit=Decimal(100), best_case=Decimal(100), pipeline=Decimal(0)
    )
    assert fine.warnings == ()
    response = _submit(_english(login(teammate)), under_way, 5, 1, 0)
    shown = [m.tags for m in response.wsgi_request._messages]
    assert "warning" in shown


@pytest.mark.parametrize("amount", ["-1", "1000000000001", "NaN", "douze"])
def test_amounts_out_of_bounds_are_refused(under_way: Any, teammate: Any, amount: str) -> None:
    from pac.web.cockpit.models import ForecastSubmission

    response = _submit(_english(login(teammate)), under_way, amount, 0, 0)
    assert response.status_code == 302
    assert [m.tags for m in response.wsgi_request._messages] == ["error"]
    assert not ForecastSubmission.objects.exists()


def test_a_week_or_a_month_within_the_plan_may_be_submitted_but_not_a_week_outside(
    under_way: Any, teammate: Any
) -> None:
    from pac.web.cockpit.services import forecast_submit

    year, week, _ = timezone.localdate().isocalendar()
    done = forecast_submit(
        user=teammate,
        plan=under_way,
        period=f"{year}-W{week:02d}",
        commit=Decimal(1),
        best_case=Decimal(1),
        pipeline=Decimal(1),
    )
    assert done.submission.period_start.weekday() == 0 or done.submission.period_start == under_way.start
    assert (done.submission.period_end - done.submission.period_start).days <= 6
    with pytest.raises(ValidationError):
        forecast_submit(
            user=teammate,
            plan=under_way,
            period=f"{year + 3}-W01",
            commit=Decimal(1),
            best_case=Decimal(1),
            pipeline=Decimal(1),
        )


def test_a_rep_cannot_submit_for_someone_else(under_way: Any, teammate: Any, carla: Any) -> None:
    from pac.web.cockpit.models import ForecastSubmission
    from pac.web.cockpit.services import forecast_submit

    assert _submit(login(teammate), under_way, 1, 2, 3, rep=carla.pk).status_code == 403
    assert _submit(login(teammate), under_way, 1, 2, 3, rep="not-a-user").status_code == 403
    with pytest.raises(PermissionDenied):
        forecast_submit(
            user=teammate,
            plan=under_way,
            period="",
            rep=carla,
            commit=Decimal(1),
            best_case=Decimal(1),
            pipeline=Decimal(1),
        )
    assert not ForecastSubmission.objects.exists()


def test_a_rep_cannot_adjust(under_way: Any, teammate: Any, carla: Any) -> None:
    from pac.web.cockpit.models import ForecastAdjustment
    from pac.web.cockpit.services import forecast_adjust

    assert _adjust(login(teammate), under_way, carla, "commit", 1, "why not").status_code == 403
    assert _adjust(login(teammate), under_way, None, "commit", 1, "why not").status_code == 403
    with pytest.raises(PermissionDenied):
        forecast_adjust(
            manager=teammate, plan=under_way, period="", rep=carla, category="commit", amount=Decimal(1), reason="x"
        )
    assert not ForecastAdjustment.objects.exists()


def test_an_outsider_gets_404(under_way: Any, outsider: Any, teammate: Any) -> None:
    from pac.web.cockpit.services import forecast_adjust, forecast_submit

    client = login(outsider)
    assert _page(client, under_way).status_code == 404
    assert _submit(client, under_way, 1, 2, 3).status_code == 404
    assert _adjust(client, under_way, teammate, "commit", 1, "because").status_code == 404
    with pytest.raises(Http404):
        forecast_adjust(
            manager=outsider, plan=under_way, period="", rep=None, category="commit", amount=Decimal(1), reason="x"
        )
    with pytest.raises(Http404):
        forecast_submit(
            user=outsider, plan=under_way, period="", commit=Decimal(1), best_case=Decimal(1), pipeline=Decimal(1)
        )


def test_a_manager_adjusts_with_a_reason_only(under_way: Any, owner: Any, teammate: Any) -> None:
    from pac.web.cockpit.models import ForecastAdjustment

    client = _english(login(owner))
    refused = _adjust(client, under_way, teammate, "commit", 5000, "   ")
    assert [m.tags for m in refused.wsgi_request._messages] == ["error"]
    assert not ForecastAdjustment.objects.exists()
    assert _adjust(client, under_way, teammate, "commit", 5000, "Deal c1 slips to next quarter").status_code == 302
    row = ForecastAdjustment.objects.get()
    assert (row.rep, row.category, row.amount, row.by, row.reason) == (
        teammate,
        "commit",
        5000,
        owner,
        "Deal c1 slips to next quarter",
    )


def test_the_roll_up_uses_the_adjusted_figures_and_the_audit_says_who_when_why(
    under_way: Any, owner: Any, teammate: Any, carla: Any
) -> None:
    _submit(login(teammate), under_way, 10000, 21000, 5000)
    _submit(login(carla), under_way, 9000, 9000, 0)
    client = _english(login(owner))
    _adjust(client, under_way, teammate, "commit", 4000, "c1 slips")
    response = _page(client, under_way)
    rollup = {r["code"]: r for r in response.context["rollup"]}
    assert rollup["commit"]["submitted"] == EN.money(10000 + 9000)
    assert rollup["commit"]["standing"] == EN.money(4000 + 9000)
    assert rollup["best_case"]["standing"] == EN.money(21000 + 9000)
    lines = {line["rep"].username: line for line in response.context["lines"]}
    assert [a.reason for a in lines["teammate"]["adjustments"]] == ["c1 slips"]
    assert lines["carla"]["adjustments"] == []

    _adjust(client, under_way, None, "commit", 15000, "the team call")  # a team figure replaces the sum
    response = _page(client, under_way)
    assert {r["code"]: r["standing"] for r in response.context["rollup"]}["commit"] == EN.money(15000)
    audit = response.context["audit"]
    assert [(a["kind"], a["who"], a["line"], a["why"]) for a in audit] == [
        ("adjustment", "owner", "whole team", "the team call"),
        ("adjustment", "owner", "teammate", "c1 slips"),
        ("submission", "carla", "carla", ""),
        ("submission", "teammate", "teammate", ""),
    ]
    text = page_text(response)
    assert "c1 slips" in text and "the team call" in text
    assert timezone.localtime(audit[0]["at"]).year == timezone.localdate().year


def test_a_rep_who_submits_again_after_an_adjustment_has_their_new_figure_stand(
    under_way: Any, owner: Any, teammate: Any
) -> None:
    _submit(login(teammate), under_way, 10000, 21000, 5000)
    _adjust(login(owner), under_way, teammate, "commit", 4000, "c1 slips")
    _submit(login(teammate), under_way, 7000, 21000, 5000)
    response = _page(login(owner), under_way)
    line = next(line for line in response.context["lines"] if line["rep"] == teammate)
    assert line["adjustments"] == []
    assert {f["code"]: f["standing"] for f in line["figures"]}["commit"] == Formatter("fr").money(7000)


def test_the_cockpit_links_to_the_forecast_call(under_way: Any, owner: Any, teammate: Any) -> None:
    for user in (owner, teammate):
        body = login(user).get(reverse("cockpit:home")).content.decode()
        assert f"{reverse('cockpit:forecast')}?plan={under_way.pk}" in body
