"""The KPI page broken down by « Étape » (stage): the stage KPIs (conversion from stage to stage, days in stage)
as a line per stage of the team's stage history, named as people say the stages; any other KPI says in words
that it is not broken down by stage. On the app database (SQLite, or PostgreSQL with ``DATABASE_URL``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

SPACES = str.maketrans({"\u202f": " ", "\xa0": " "})


def _client(user: Any, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def history(owner: Any, team: Any) -> None:
    """4 deals reached SQL: 3 went on to a demo (10 days after), 1 was lost there; of the 3 demos, 2 won and 1
    was lost. Stage names as a CRM writes them (« SQL », « Demo »)."""
    from pac.web.crm.models import Opportunity, OpportunityStage

    day = timezone.localdate() - dt.timedelta(days=100)
    deals = {"a": ("won", ["sql", "demo"]), "b": ("won", ["sql", "demo"]), "c": ("lost", ["sql", "demo"])}
    deals["d"] = ("lost", ["sql"])
    for deal, (outcome, stages) in deals.items():
        Opportunity.objects.create(
            team=team, external_id=deal, outcome=outcome, amount=1000, created=day, closed=day + dt.timedelta(days=30)
        )
        for k, stage in enumerate(stages):
            OpportunityStage.objects.create(
                team=team,
                external_id=f"{deal}{k}",
                opportunity=deal,
                stage=stage.upper() if stage == "sql" else stage.title(),
                entered=day + dt.timedelta(days=10 * k),
            )


def _pivot(owner: Any, kpi: str, language: str = "fr") -> tuple[dict[str, list[str]], str]:
    body = _client(owner, language).get(reverse("cockpit:kpis"), {"by": "stage", "kpi": kpi}).content.decode()
    body = body.translate(SPACES)
    if 'id="kpi-pivot"' not in body:
        return {}, body
    table = body.split('id="kpi-pivot"', 1)[1].split("</table>", 1)[0]
    lines = {}
    for row in re.findall(r'<tr class="line">(.*?)</tr>', table, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        lines[cells[0]] = cells[1:]
    return lines, body


def test_the_stage_conversion_has_a_line_per_stage_named_as_people_say_it(owner: Any, history: None) -> None:
    lines, body = _pivot(owner, "stage_conversion")
    assert set(lines) == {"SQL", "Démo"}  # the labels, never the codes « sql », « demo »
    assert lines["SQL"][-1] == "75,0 %"  # 3 of the 4 deals that left SQL went on
    assert lines["Démo"][-1] == "66,7 %"  # 2 of 3 won from the demo
    assert "par étape" in body


def test_the_days_in_stage_by_stage(owner: Any, history: None) -> None:
    lines, _ = _pivot(owner, "stage_days", "en")
    assert set(lines) == {"SQL", "Demo"}
    assert lines["SQL"][-1] == "10"  # the median of the three who went on, 10 days each


def test_a_kpi_without_stages_says_so_in_words(owner: Any, history: None) -> None:
    lines, body = _pivot(owner, "win_rate", "en")
    assert lines == {}
    why = re.search(r'data-testid="why-not">(.*?)</p>', body, re.S)
    assert why is not None
    assert why.group(1).startswith("only the stage-to-stage conversion and the days in stage are broken down by stage")
    assert "not_by_stage" not in body and "win_rate" not in why.group(1)
