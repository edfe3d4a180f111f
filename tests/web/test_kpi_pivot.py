"""The KPI page broken down (issue 9): one KPI as a pivot of owners × months on the demo's history — a
bounded table whose cells are the KPI engine's values —, every KPI as a line of periods without a
breakdown, and filters that never fail."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db

SPACES = str.maketrans({"\u202f": " ", "\xa0": " "})


def _client(settings: Any, tmp_path: Any) -> tuple[Any, Any]:
    from django.test import Client

    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    demo = load_demo()
    client = Client()
    client.force_login(demo.manager)
    return client, demo


def _table(body: str, table_id: str) -> str:
    return body.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).translate(SPACES).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]


def _percent(text: str) -> float | None:
    return None if text == "—" else float(text.replace(" ", "").replace("%", "").replace(",", ".")) / 100


def _spec(body: str) -> dict[str, Any]:
    found = re.search(r'<script id="kpi-chart-spec" type="application/json">(.*?)</script>', body, re.S)
    assert found is not None
    spec: dict[str, Any] = json.loads(found.group(1))
    return spec


def test_a_breakdown_by_owner_and_month_is_a_bounded_pivot_of_the_engines_values(
    settings: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    from django.urls import reverse
    from django.utils import timezone

    import pac.engine.kpis
    from pac.engine.kpis import compute_kpis
    from pac.engine.kpis.pivot import span
    from pac.web.crm.kpi_tables import team_tables

    client, demo = _client(settings, tmp_path)
    asked: list[Any] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        asked.append((tuple(kwargs.get("by", ())), kwargs.get("kpis")))
        return compute_kpis(*args, **kwargs)

    monkeypatch.setattr(pac.engine.kpis, "compute_kpis", spy)
    page = client.get(reverse("cockpit:kpis"), {"by": "owner", "period": "month", "kpi": "win_rate"})
    assert page.status_code == 200
    assert all(kpis is not None for _, kpis in asked)  # never every KPI: only the one shown (and the plan's)
    assert [kpis for by, kpis in asked if by == ("owner",)] == [["win_rate"], ["win_rate"]]
    body = page.content.decode()
    table = _table(body, "kpi-pivot")
    lines = [_cells(r) for r in re.findall(r'<tr class="line">(.*?)</tr>', table, re.S)]
    total = _cells(table.split("<tfoot>", 1)[1])
    labels = span(None, timezone.localdate(), "month").labels[-(len(total) - 2) :]  # from the data's first month
    assert 1 <= len(lines) <= 30 and 2 <= len(labels) <= 12
    assert all(len(line) == len(labels) + 2 for line in lines)

    rows = compute_kpis(
        team_tables(demo.team), as_of=timezone.localdate(), by=("owner",), period="month", kpis=["win_rate"]
    )
    month = len(labels) - 2  # last month, complete
    value = {(r["by"]["owner"], r["period"]): r["value"] for r in rows}
    for line in lines[:5]:
        assert _percent(line[1 + month]) == pytest.approx(value.get((line[0], labels[month])), abs=6e-4)
    team = compute_kpis(team_tables(demo.team), as_of=timezone.localdate(), period="month", kpis=["win_rate"])
    assert _percent(total[1 + month]) == pytest.approx(
        next(r["value"] for r in team if r["period"] == labels[month]), abs=6e-4
    )
    latest = [_percent(line[len(labels)]) for line in lines]  # sorted by the latest month, biggest first
    known = [v for v in latest if v is not None]
    assert known == sorted(known, reverse=True) and latest[: len(known)] == known
    owners = {r["by"]["owner"] for r in rows if r["status"] == "ok" and r["period"] in labels}
    more = re.search(r'data-testid="others"><td[^>]*>\D*(\d+)', table)
    assert len(lines) + (int(more.group(1)) if more else 0) >= len(owners)

    assert "Taux de signature" in body and ">win_rate<" not in body and "None" not in body
    spec = _spec(body)
    series = {p["series"] for p in spec["data"]["values"]}
    assert 1 <= len(series) <= 6 and series <= {line[0] for line in lines}
    assert all(0 <= p["value"] <= 1 for p in spec["data"]["values"])


def test_without_a_breakdown_each_kpi_is_a_line_of_months_saying_why_once(settings: Any, tmp_path: Any) -> None:
    from django.urls import reverse
    from django.utils import timezone

    from pac.engine.kpis import KPIS, compute_kpis
    from pac.engine.kpis.pivot import span
    from pac.web.crm.kpi_tables import team_tables

    client, demo = _client(settings, tmp_path)
    body = client.get(reverse("cockpit:kpis"), {"period": "month"}).content.decode()
    table = _table(body, "kpis")
    rows = dict(re.findall(r'<tr data-kpi="(\w+)"[^>]*>(.*?)</tr>', table, re.S))
    header = _cells(table.split("</thead>", 1)[0])
    labels = span(None, timezone.localdate(), "month").labels[-(len(header) - 2) :]
    assert set(rows) == set(KPIS) and 2 <= len(labels) <= 12
    assert rows["win_rate_value"].count("les montants perdus sont tous à 0") == 1  # once, not per month
    computed = compute_kpis(team_tables(demo.team), as_of=timezone.localdate(), period="month", kpis=["win_rate"])
    month = len(labels) - 2
    win_rate = _cells(rows["win_rate"])
    assert win_rate[0].startswith("Taux de signature")
    assert _percent(win_rate[1 + month]) == pytest.approx(
        next(r["value"] for r in computed if r["period"] == labels[month]), abs=6e-4
    )
    assert "None" not in body and len(_spec(body)["data"]["values"]) >= 2


def test_unknown_filters_fall_back_to_the_defaults(settings: Any, tmp_path: Any) -> None:
    from django.urls import reverse
    from django.utils import timezone

    client, _ = _client(settings, tmp_path)
    today = timezone.localdate()
    bad = {"team": "x", "period": "year", "by": "colour", "kpi": "nope", "start": "2026-13-45", "end": "soon"}
    page = client.get(reverse("cockpit:kpis"), bad)
    assert page.status_code == 200
    assert (page.context["period"], page.context["by"], page.context["chart_kpi"]) == ("", "", "win_rate")
    assert page.context["start"] == "" and page.context["end"] == "" and page.context["rows"]
    far = client.get(reverse("cockpit:kpis"), {"by": "segment", "start": "1990-01-01", "end": "2999-01-01"})
    assert far.status_code == 200 and far.context["end"] == ""  # never after today
    assert dt.date.fromisoformat(far.context["start"]) >= today - dt.timedelta(days=5 * 366)  # five years at most
    assert far.context["pivot"]["lines"] and not far.context["pivot"]["periods"]  # whole range: one column
    backwards = client.get(reverse("cockpit:kpis"), {"period": "week", "start": str(today), "end": "2020-01-01"})
    assert backwards.status_code == 200 and backwards.context["start"] == ""
