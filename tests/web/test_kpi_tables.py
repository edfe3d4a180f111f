"""The KPI engine reads the team's tables on Django's own connection: it must leave that connection as the
ORM expects it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_reading_the_kpis_leaves_the_orms_case_insensitive_lookups_as_they_were(team: Any) -> None:
    """Ibis's SQLite backend turns ``case_sensitive_like`` on when it connects; on Django's connection that
    made every later ``iexact`` case-sensitive (an erasure then left « ALEX@VENTES.FR » in the CRM)."""
    from pac.engine.kpis import compute_kpis
    from pac.web.crm.kpi_tables import team_tables
    from pac.web.crm.models import Opportunity

    Opportunity.objects.create(team=team, external_id="D1", owner="ALEX@VENTES.FR", outcome="won")
    assert compute_kpis(team_tables(team), as_of=dt.date(2026, 12, 1), kpis=["win_rate"])  # the tables were read
    assert Opportunity.objects.filter(owner__iexact="alex@ventes.fr").count() == 1
    assert Opportunity.objects.filter(owner__icontains="alex").count() == 1
