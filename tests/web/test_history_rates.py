"""The plan page's card « Taux du plan face à l'historique »: each of the plan's rates next to the team's
CRM history of the last twelve months, with its basis, flagged when it differs by more than 20 %; nothing
when the team has no CRM data; kept in the cockpit's cache until the data, the plan or the day change."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pac.engine.kpis.periods import add_months

pytestmark = pytest.mark.django_db


def _client(user: Any, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _plain(text: str) -> str:
    return re.sub(r"[\u202f\u00a0]", " ", text)


@pytest.fixture
def demo(settings: Any, tmp_path: Any) -> Any:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    return load_demo()  # the Maven history, ending today


def _history(demo: Any) -> dict[str, dict[str, Any]]:
    """The KPI engine's figures of the last twelve months on the team's data, computed here."""
    from pac.engine.kpis import compute_kpis
    from pac.web.crm.kpi_tables import team_tables

    today = timezone.localdate()
    start = add_months(today, -12) + dt.timedelta(days=1)
    rows = compute_kpis(team_tables(demo.team), as_of=today, start=start, kpis=["win_rate", "average_deal"])
    return {r["kpi"]: dict(r) for r in rows}


def _plan(demo: Any, proposal_rate: Decimal, average_deal: int) -> Any:
    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.plans import services

    today = timezone.localdate()
    text = (
        f"plan: {{name: Depuis l'historique, start: {today}, end: {today + dt.timedelta(days=90)}}}\n"
        f"objectives: [{{id: nb, metric: revenue, target: 2000000, deadline: {today + dt.timedelta(days=90)}}}]\n"
        f"funnel:\n  average_deal: {average_deal}\n  stages:\n"
        "    - {stage: sql, rate: 0.5, days: 10}\n"
        f"    - {{stage: proposal, rate: {proposal_rate}, days: 21}}\n"
        "    - {stage: won}\n"
    )
    return services.plan_create_from_file(user=demo.manager, team=demo.team, plan=to_plan(parse_plan_file(text)))


def _rows(body: str) -> dict[str, str]:
    """The card's rows by their first cell."""
    rows = re.findall(r"<tr[^>]*>.*?</tr>", body.split("<tbody>", 1)[1], flags=re.S)
    return {_plain(re.search(r"<td>(.*?)</td>", row).group(1)): row for row in rows}  # type: ignore[union-attr]


def test_it_puts_each_rate_next_to_the_teams_history_and_flags_the_far_ones(demo: Any) -> None:
    history = _history(demo)
    win, deal = history["win_rate"], history["average_deal"]
    far = round(Decimal(str(win["value"])) * Decimal("1.35"), 4)  # 35 % above history
    plan = _plan(demo, far, round(deal["value"] * 1.1))  # 10 % above history
    body = _client(demo.manager).get(reverse("cockpit:plan_history_rates", args=[plan.pk])).content.decode()
    rows = _rows(body)
    proposal, average = rows["Proposal → Won"], rows["Average deal"]
    assert 'data-flagged="1"' in proposal and "+35%" in proposal
    assert f"{round(win['value'] * 100)}%" in proposal
    assert f"over {win['basis']:,} closed deals since" in _plain(proposal)  # the basis: counted by the KPI engine
    assert 'data-flagged="1"' not in average and "+10%" in average
    assert f"€{round(deal['value']):,}" in average
    # SQL → proposal: the demo keeps no stage history, and says so
    assert "no stage history table" in rows["SQL → Proposal"]


def test_the_card_speaks_french(demo: Any) -> None:
    history = _history(demo)
    plan = _plan(demo, round(Decimal(str(history["win_rate"]["value"])) * Decimal("0.6"), 4), 5000)
    body = _plain(
        _client(demo.manager, "fr").get(reverse("cockpit:plan_history_rates", args=[plan.pk])).content.decode()
    )
    assert "Proposition → Gagné" in body and "−40 %" in body


def test_the_plan_page_loads_the_card_after_it_is_shown(as_owner: Client, plan: Any) -> None:
    page = as_owner.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    partial = reverse("cockpit:plan_history_rates", args=[plan.pk])
    assert f'hx-get="{partial}" hx-trigger="load"' in page


def test_nothing_is_shown_without_crm_data(as_owner: Client, plan: Any) -> None:
    response = as_owner.get(reverse("cockpit:plan_history_rates", args=[plan.pk]))
    assert response.status_code == 200 and response.content == b""


def test_an_outsider_gets_nothing(as_outsider: Client, plan: Any) -> None:
    assert as_outsider.get(reverse("cockpit:plan_history_rates", args=[plan.pk])).status_code == 404


def test_the_figures_are_kept_until_the_data_changes(demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.cache import cache

    from pac.web.cockpit import history_rates
    from pac.web.crm.freshness import data_changed

    cache.clear()
    plan = _plan(demo, Decimal("0.5"), 5000)
    url = reverse("cockpit:plan_history_rates", args=[plan.pk])
    client = _client(demo.manager)
    first = client.get(url).content
    calls: list[int] = []
    learn = history_rates.learn
    monkeypatch.setattr(history_rates, "learn", lambda *a, **k: calls.append(1) or learn(*a, **k))
    assert client.get(url).content == first and calls == []  # read from the cache
    data_changed(demo.team.pk)
    client.get(url)
    assert calls == [1]  # the team's data changed: computed again


def test_the_warm_up_after_an_import_computes_them_before_anyone_asks(
    demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache

    from pac.web.cockpit import history_rates
    from pac.web.cockpit.landing import warm_landing
    from pac.web.crm.freshness import data_changed

    cache.clear()
    plan = _plan(demo, Decimal("0.5"), 5000)
    data_changed(demo.team.pk)
    assert warm_landing(demo.team.pk, timezone.localdate()) >= 1

    def refused(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("computed on the page")

    monkeypatch.setattr(history_rates, "learn", refused)
    body = _client(demo.manager).get(reverse("cockpit:plan_history_rates", args=[plan.pk])).content.decode()
    assert "Proposal → Won" in body


def test_a_stage_history_fills_the_steps_between_the_stages(owner: Any, team: Any) -> None:
    """On the app database (SQLite or PostgreSQL), the stage history's conversion of each stage."""
    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.crm.models import Opportunity, OpportunityStage
    from pac.web.plans import services

    today = timezone.localdate()
    day = today - dt.timedelta(days=100)
    # 4 deals reached SQL: 3 went on to a demo, 1 was lost there; of the 3 demos, 2 won and 1 was lost
    deals = {"a": ("won", ["sql", "demo"]), "b": ("won", ["sql", "demo"]), "c": ("lost", ["sql", "demo"])}
    deals["d"] = ("lost", ["sql"])
    for n, (deal, (outcome, stages)) in enumerate(deals.items()):
        Opportunity.objects.create(
            team=team, external_id=deal, outcome=outcome, amount=1000, created=day, closed=day + dt.timedelta(days=30)
        )
        for k, stage in enumerate(stages):
            OpportunityStage.objects.create(
                team=team,
                external_id=f"{deal}{k}",
                opportunity=deal,
                stage=stage.upper(),
                entered=day + dt.timedelta(days=10 * k + n),
            )
    text = (
        f"plan: {{name: Étapes, start: {today}, end: {today + dt.timedelta(days=90)}}}\n"
        "funnel:\n  stages:\n    - {stage: sql, rate: 0.75, days: 3}\n    - {stage: demo, rate: 0.3, days: 7}\n"
        "    - {stage: won}\n"
    )
    plan = services.plan_create_from_file(user=owner, team=team, plan=to_plan(parse_plan_file(text)))
    body = _client(owner).get(reverse("cockpit:plan_history_rates", args=[plan.pk])).content.decode()
    rows = _rows(body)
    assert ">75%<" in rows["SQL → Demo"].replace("</td>", "<") and 'data-flagged="1"' not in rows["SQL → Demo"]
    assert "over 4 deals that left the stage since" in _plain(rows["SQL → Demo"])
    # the step above « won » takes the win rate (2 of 4 closed), as the plan's win rate is read everywhere
    assert ">50%<" in rows["Demo → Won"].replace("</td>", "<") and 'data-flagged="1"' in rows["Demo → Won"]
    assert "over 4 closed deals since" in _plain(rows["Demo → Won"]) and "−40%" in rows["Demo → Won"]


def test_the_plan_sets_its_own_threshold_in_per_cent(demo: Any) -> None:
    """A rate 15 % above history is within the default 20 %; once the manager types « 10 % » in the alert
    thresholds' form, the card flags it (and says 10 %)."""
    from pac.web.plans.models import Plan

    history = _history(demo)
    plan = _plan(demo, round(Decimal(str(history["win_rate"]["value"])) * Decimal("1.15"), 4), 5000)
    client = _client(demo.manager)
    url = reverse("cockpit:plan_history_rates", args=[plan.pk])
    before = _rows(client.get(url).content.decode())["Proposal → Won"]
    assert "+15%" in before and 'data-flagged="1"' not in before

    home = client.get(reverse("cockpit:home"), {"plan": plan.pk}).content.decode()
    assert 'name="history_gap" value="20"' in home  # the default as typed, not « 2E+1 »
    saved = client.post(
        reverse("cockpit:alert_thresholds", args=[plan.pk]), {"version": plan.version, "history_gap": "10 %"}
    )
    assert saved.status_code == 302
    plan = Plan.objects.get(pk=plan.pk)
    assert plan.alert_thresholds == {"history_gap": "0.1"}
    body = client.get(url).content.decode()
    assert 'data-flagged="1"' in _rows(body)["Proposal → Won"]
    assert "more than 10% away from history" in body
