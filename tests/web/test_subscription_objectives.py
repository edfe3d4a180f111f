"""NRR and adoption on the web (issue 13, key accounts): an NRR target typed in per cent, its actual on
plan versus actual, and the KPI page breaking the subscription KPIs down by the account's business unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pac.engine.planfile import parse_plan_file, to_plan
from pac.web.crm.models import CrmAccount, Subscription
from tests.web.test_plan_inputs import _objectives_data

pytestmark = pytest.mark.django_db


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_an_nrr_target_is_typed_and_shown_in_per_cent(plan: Any, as_owner: Client) -> None:
    url = reverse("plans:section", args=[plan.pk, "objectives"])
    rows = [
        {"code": "nrr", "metric": "nrr", "target": "115 %"},
        {"code": "adoption", "metric": "adoption", "target": "80"},
    ]
    response = as_owner.post(url, _objectives_data(plan, rows))

    assert response.status_code == 302
    assert [(o.code, o.metric, o.target) for o in plan.objectives.all()] == [
        ("nrr", "nrr", Decimal("1.15")),
        ("adoption", "adoption", Decimal("0.8")),
    ]
    page = plain(as_owner.get(url).content.decode())
    assert 'value="115 %"' in page and 'value="80 %"' in page
    assert '<option value="nrr" selected>' in page


@pytest.mark.parametrize(("metric", "target"), [("nrr", "600 %"), ("adoption", "120 %"), ("nrr", "115,5 %")])
def test_a_rate_target_beyond_its_bounds_is_refused_on_its_field(
    plan: Any, as_owner: Client, metric: str, target: str
) -> None:
    rows = [{"code": "taux", "metric": metric, "target": target}]
    response = as_owner.post(reverse("plans:section", args=[plan.pk, "objectives"]), _objectives_data(plan, rows))

    assert response.status_code == 200 and "target" in response.context["formset"].forms[0].errors
    assert not plan.objectives.filter(code="taux").exists()


def _subscriptions(team: Any, today: dt.date) -> None:
    """Industrie: 1 000 € a month a year ago, 80 € of upsell a month ago (NRR 108 %); Services: 500 €
    a year ago, down to 400 € since (NRR 80 %)."""
    CrmAccount.objects.create(
        team=team, external_id="A", name="Hexa", segment="Grands comptes", business_unit="Industrie"
    )
    CrmAccount.objects.create(team=team, external_id="B", name="Azur", segment="PME", business_unit="Services")
    for external_id, account, start, end, mrr in [
        ("S1", "A", today - dt.timedelta(days=400), None, 1000),
        ("S2", "A", today - dt.timedelta(days=30), None, 80),
        ("S3", "B", today - dt.timedelta(days=400), today - dt.timedelta(days=100), 500),
        ("S4", "B", today - dt.timedelta(days=100), None, 400),
    ]:
        Subscription.objects.create(team=team, external_id=external_id, account=account, start=start, end=end, mrr=mrr)


def test_plan_versus_actual_shows_an_nrr_objectives_actual(owner: Any, team: Any, as_owner: Client) -> None:
    from pac.web.plans import services

    today = timezone.localdate()
    _subscriptions(team, today)
    start, end = today - dt.timedelta(days=90), today + dt.timedelta(days=90)
    text = (
        f"plan: {{name: Grands comptes, start: {start}, end: {end}}}\n"
        "segments: [{id: grands-comptes, name: Grands comptes}]\n"
        "objectives:\n"
        f"  - {{id: nrr, metric: nrr, target: 1.15, segment: grands-comptes}}\n"
        f"  - {{id: adoption, metric: adoption, target: 0.8}}\n"
    )
    plan = services.plan_create_from_file(user=owner, team=team, plan=to_plan(parse_plan_file(text)))

    body = plain(as_owner.get(reverse("cockpit:plan_progress", args=[plan.pk])).content.decode())

    row = body.split('data-objective="nrr"', 1)[1].split("</tr>", 1)[0]
    cells = [c.split("<", 1)[0] for c in row.split('<td class="num">')[1:]]
    assert cells[:3] == ["115 %", "108 %", "94 %"]  # target, actual (Grands comptes: A only), share
    assert 'class="over"' in row.split(">", 1)[0]  # off track: a rate is compared as it is
    adoption = body.split('data-objective="adoption"', 1)[1].split("</tr>", 1)[0]
    assert "80 %" in adoption and 'data-testid="why"' in adoption  # no new customer old enough: why, not 0 %


def test_the_kpi_page_breaks_nrr_down_by_business_unit(team: Any, as_owner: Client, settings: Any) -> None:
    _subscriptions(team, timezone.localdate())
    as_owner.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    body = plain(as_owner.get(reverse("cockpit:kpis"), {"by": "business_unit", "kpi": "nrr"}).content.decode())

    assert '<option value="business_unit" selected>business unit</option>' in body
    pivot = body.split('id="kpi-pivot"', 1)[1].split("</table>", 1)[0]
    lines = {
        line.split("</th>", 1)[0].rsplit(">", 1)[1]: line.split('<td class="num overall">', 1)[1].split("<", 1)[0]
        for line in pivot.split('<tr class="line">')[1:]
    }
    assert lines == {"Industrie": "108.0%", "Services": "80.0%"}
    assert ">Business unit</th>" in pivot
    total = pivot.split('class="total"', 1)[1]
    assert f"{(1080 + 400) / 1500 * 100:.1f}%" in total  # the whole team: 1 480 € of 1 500 €
