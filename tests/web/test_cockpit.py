"""The cockpit: the KPI page and plan versus actual, computed on the team's imported CRM history (the
demo's Maven pipeline), in the reader's language, kept inside the team."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pac.web.crm.models import Opportunity

pytestmark = pytest.mark.django_db


def test_it_shows_the_teams_kpis_computed_on_its_imported_history(settings: Any, tmp_path: Any) -> None:
    from django.test import Client
    from django.urls import reverse

    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    demo = load_demo()
    client = Client()
    client.force_login(demo.manager)
    body = client.get(reverse("cockpit:kpis")).content.decode()
    row = body.split('data-kpi="win_rate"', 1)[1].split("</tr>", 1)[0]
    from pac.web.crm.models import Opportunity

    deals = Opportunity.objects.filter(team=demo.team)
    won, lost = deals.filter(outcome="won").count(), deals.filter(outcome="lost").count()
    assert won >= 3042 and lost >= 1684  # by a quarter's first day, Maven's history up to 2017-09-30
    expected = f"{won / (won + lost) * 100:.1f}".replace(".", ",")  # won ÷ (won + lost)
    assert expected in row.replace("\u202f", " ").replace("\xa0", " ")
    value_row = body.split('data-kpi="win_rate_value"', 1)[1].split("</tr>", 1)[0]
    assert "—" in value_row and "les montants perdus sont tous à 0" in value_row  # why not, in French
    assert "Taux de signature</td>" in row and ">win_rate<" not in body and "lost amounts" not in body
    assert "Maven Analytics (Data Playground), domaine public" in body  # the credit line, in French


def test_it_shows_actual_against_plan_from_the_imported_history(settings: Any, tmp_path: Any) -> None:
    from django.db.models import Sum
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.demo import load_demo
    from pac.web.plans import services

    settings.DATA_DIR = tmp_path
    demo = load_demo()  # the Maven history, ending today
    today = timezone.localdate()
    start = today - dt.timedelta(days=60)
    text = (
        f"plan: {{name: Courant, start: {start}, end: {today + dt.timedelta(days=30)}}}\n"
        f"objectives: [{{id: nb, metric: revenue, target: 2000000, deadline: {today}}}]\n"
    )
    plan = services.plan_create_from_file(user=demo.manager, team=demo.team, plan=to_plan(parse_plan_file(text)))
    won = Opportunity.objects.filter(team=demo.team, outcome="won", closed__range=(start, today))
    revenue = won.aggregate(total=Sum("amount"))["total"]
    assert revenue and revenue > 0

    client = Client()
    client.force_login(demo.manager)
    body = client.get(reverse("cockpit:plan_progress", args=[plan.pk])).content.decode()
    row = body.split('data-objective="nb"', 1)[1].split("</tr>", 1)[0].replace("\u202f", " ").replace("\xa0", " ")
    assert f"{round(revenue):,}".replace(",", " ") + " €" in row


def test_it_draws_a_kpi_over_the_periods(settings: Any, tmp_path: Any) -> None:
    import json
    import re

    from django.test import Client
    from django.urls import reverse

    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    demo = load_demo()
    client = Client()
    client.force_login(demo.manager)
    body = client.get(reverse("cockpit:kpis"), {"period": "quarter", "kpi": "win_rate"}).content.decode()
    spec = json.loads(
        re.search(r'<script id="kpi-chart-spec" type="application/json">(.*?)</script>', body, re.S).group(1)
    )  # type: ignore[union-attr]
    points = spec["data"]["values"]
    assert len(points) >= 4 and all(0 < p["value"] < 1 for p in points)  # Maven spans five quarters or more


def test_the_kpi_page_shows_the_quarter_under_way_against_its_targets(
    settings: Any, tmp_path: Any, outsider: Any
) -> None:
    import json

    from django.db.models import Sum
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    demo = load_demo()
    client = Client()
    client.force_login(demo.manager)
    page = client.get(reverse("cockpit:kpis"))
    assert page.context["plan"] == demo.current  # the plan under way is shown first
    body = page.content.decode()
    row = body.split('data-objective="chiffre-affaires"', 1)[1].split("</tr>", 1)[0]
    won = Opportunity.objects.filter(
        team=demo.team, outcome="won", closed__range=(demo.current.start, timezone.localdate())
    )
    revenue = round(won.aggregate(total=Sum("amount"))["total"])
    assert f"{revenue:,}".replace(",", "\u202f") + "\xa0€" in row
    spec = json.loads(body.split('id="progress-chart-spec" type="application/json">', 1)[1].split("</script>", 1)[0])
    shares = {(p["objective"], p["measure"]): p["share"] for p in spec["data"]["values"]}
    assert shares[("Chiffre d'affaires", "réalisé")] == pytest.approx(
        revenue / float(demo.current.objectives.get(code="chiffre-affaires").target), abs=1e-3
    )
    other = client.get(reverse("cockpit:kpis"), {"plan": demo.plan.pk})  # the source text's quarter, not begun
    assert other.context["plan"] == demo.plan and other.context["starts_later"]
    stranger = Client()
    stranger.force_login(outsider)  # another team's manager: not this team's plans
    assert stranger.get(reverse("cockpit:kpis"), {"plan": demo.current.pk}).context["plan"] is None
