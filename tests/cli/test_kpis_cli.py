"""``pac kpis`` in the terminal: each value with its unit, written the way the reader's language writes it."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from pac.cli import app

MAVEN_KPIS = Path(__file__).resolve().parent.parent / "data" / "kpis" / "maven"


def kpis(lang: str, *args: str) -> list[list[str]]:
    """The table's lines as cells (spaces of any kind made plain), on a terminal wide enough not to wrap."""
    result = CliRunner().invoke(
        app,
        ["kpis", "--source", str(MAVEN_KPIS), "--as-of", "2017-12-31", *args],
        env={"PAC_LANG": lang, "COLUMNS": "300"},
    )
    assert result.exit_code == 0, result.output
    text = re.sub(r"[\u202f\u00a0]", " ", result.output)
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in text.splitlines() if line.startswith("│")]


def value_of(lines: list[list[str]], label: str) -> str:
    return next(cells[3] for cells in lines if cells[0] == label)


def test_it_prints_each_kpi_with_its_unit_in_french() -> None:
    lines = kpis("fr", "--kpi", "win_rate,average_deal,sales_cycle,sales_velocity")
    assert value_of(lines, "Taux de signature") == "63,2 %"
    assert value_of(lines, "Panier moyen") == "2 361 €"
    assert value_of(lines, "Cycle de vente (jours)") == "51,8 jours"  # « jours »: with the catalogue merged
    assert value_of(lines, "Vélocité commerciale (par jour)").startswith("60 147 €")


def test_it_prints_each_kpi_with_its_unit_in_english() -> None:
    lines = kpis("en", "--kpi", "win_rate,average_deal,sales_cycle,sales_velocity")
    assert value_of(lines, "Win rate") == "63.2%"
    assert value_of(lines, "Average deal") == "€2,361"
    assert value_of(lines, "Sales cycle (days)") == "51.8 days"
    assert value_of(lines, "Sales velocity (per day)") == "€60,147 per day"


def test_it_titles_periods_and_breakdowns_in_the_readers_language() -> None:
    french = kpis("fr", "--kpi", "win_rate", "--period", "month", "--by", "owner")
    english = kpis("en", "--kpi", "win_rate", "--period", "quarter", "--by", "owner")
    assert "mars 2017" in {cells[1] for cells in french}  # not 2017-03
    assert "Q1 2017" in {cells[1] for cells in english}  # not 2017-Q1
    assert all(cells[2].startswith("owner: ") for cells in english)  # not owner=Anna Snelling
    assert not any("=" in cells[2] or cells[2].startswith("owner") for cells in french)
