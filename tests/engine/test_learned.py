"""A plan from history (issue 13, « Plans from history »): on the Maven data, each learnt figure equals the
KPI engine's figure for the same range, its basis equals the count made here from the CSV, segments get
figures of their own only with enough closed deals, ``apply_learned`` sets exactly the figures history
knows, and ``compare`` flags a rate far from history."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
import statistics
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import pytest

from pac.engine.formatting import Formatter
from pac.engine.kpis import compute_kpis, explain, tables_from_backend, tables_from_directory
from pac.engine.learned import apply_learned, basis_text, compare, comparisons, gap_text, learn
from pac.engine.model import AlertThresholds, FunnelStep, Plan, Segment, Stage
from pac.io.messages import catalogue
from tests.engine.kpi_data import DATA, fill_sqlite, rows
from tests.engine.test_kpi_stages import _fill

START, END = dt.date(2017, 1, 1), dt.date(2017, 6, 30)
FRENCH = json.loads((Path(__file__).parents[2] / "docs/i18n/fromhistory.json").read_text(encoding="utf-8"))


def french(text: str) -> str:
    """The French catalogue with this branch's translations (docs/i18n/fromhistory.json), not merged yet."""
    found = FRENCH.get(text)
    return found if isinstance(found, str) else catalogue("fr")(text)


def _in_range(row: dict[str, str]) -> bool:
    return bool(row["closed"]) and START <= dt.date.fromisoformat(row["closed"][:10]) <= END


CLOSED = [r for r in rows("maven", "opportunities") if r["outcome"] in ("won", "lost") and _in_range(r)]
WON = [r for r in CLOSED if r["outcome"] == "won"]


@pytest.fixture(scope="module", params=["duckdb", "sqlite"])
def tables(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "duckdb":
        return tables_from_directory(DATA / "maven")
    connection = sqlite3.connect(":memory:")
    sources = fill_sqlite(connection, "maven")
    return tables_from_backend(ibis.sqlite.from_connection(connection), sources)


def _plan(**changes: Any) -> Plan:
    plan = Plan(
        name="PAC S2",
        start=dt.date(2017, 7, 1),
        end=dt.date(2017, 12, 31),
        average_deal=Decimal(5000),
        steps=(
            FunnelStep(Stage.MQL, Decimal("0.4"), 7),
            FunnelStep(Stage.SQL, Decimal("0.5"), 10),
            FunnelStep(Stage.DEMO, Decimal("0.3"), 14),
            FunnelStep(Stage.PROPOSAL, Decimal("0.6"), 21),
            FunnelStep(Stage.WON),
        ),
        segments=(
            Segment("retail", "Retail", rates={Stage.DEMO: Decimal("0.2")}, cycle_days=90),
            Segment("agro", "Agroalimentaire", cycle_days=30),
        ),
    )
    return dataclasses.replace(plan, **changes)


def test_the_learnt_figures_equal_the_kpi_engines_for_the_same_range(tables: dict[str, Any]) -> None:
    learned = learn(tables, START, END)
    names = ["win_rate", "average_deal", "average_deal_median", "sales_cycle_median"]
    engine = {r["kpi"]: r["value"] for r in compute_kpis(tables, as_of=END, start=START, kpis=names)}
    for name in names:
        figure = learned.figure(name)
        assert figure is not None and figure.value is not None
        assert float(figure.value) == pytest.approx(engine[name], rel=1e-12), name
        assert (figure.start, figure.end) == (START, END)
    # and the KPI engine's figures are the ones counted here from the CSV
    assert float(learned.figure("win_rate").value) == pytest.approx(len(WON) / len(CLOSED))  # type: ignore[union-attr]
    cycles = [(dt.date.fromisoformat(r["closed"]) - dt.date.fromisoformat(r["created"])).days for r in WON]
    assert float(learned.figure("sales_cycle_median").value) == statistics.median(cycles)  # type: ignore[union-attr]


def test_each_figure_rests_on_the_count_made_from_the_csv(tables: dict[str, Any]) -> None:
    learned = learn(tables, START, END)
    assert (learned.figure("win_rate").count, learned.figure("win_rate").counts) == (len(CLOSED), "closed_deals")  # type: ignore[union-attr]
    with_amount = len([r for r in WON if r["amount"]])
    assert (learned.figure("average_deal").count, learned.figure("average_deal").counts) == (with_amount, "won_deals")  # type: ignore[union-attr]
    assert learned.figure("sales_cycle_median").count == len([r for r in WON if r["created"]])  # type: ignore[union-attr]


def test_what_the_data_cannot_tell_says_why(tables: dict[str, Any]) -> None:
    learned = learn(tables, START, END)
    for name, table in (
        ("mql_to_sql", "leads"),
        ("no_show_rate", "activities"),
        ("stage_conversion", "opportunity_stages"),
    ):
        figure = learned.figure(name)
        assert figure is not None and figure.value is None and figure.count is None
        assert (figure.reason, dict(figure.params)) == ("no_table", {"table": table})


def test_it_words_a_figure_with_its_basis_in_french() -> None:
    learned = learn(tables_from_directory(DATA / "maven"), START, END)
    text = basis_text(learned.figure("win_rate"), Formatter("fr"), french)  # type: ignore[arg-type]
    fmt = Formatter("fr")
    share = fmt.percent(Decimal(len(WON)) / len(CLOSED), 0)
    assert text == f"{share} sur {fmt.number(len(CLOSED))} affaires conclues depuis janvier 2017"
    no_leads = basis_text(learned.figure("mql_to_sql"), Formatter("fr"), french)  # type: ignore[arg-type]
    assert no_leads == explain("no_table", {"table": "leads"}, french) and no_leads.startswith("pas de table")


def test_segments_get_figures_of_their_own_only_with_enough_closed_deals(tables: dict[str, Any]) -> None:
    per_segment = Counter(r["segment"] for r in CLOSED)
    threshold = sorted(per_segment.values())[len(per_segment) // 2]  # about half the segments have enough
    learned = learn(tables, START, END, by_segment=True, min_deals=threshold)
    enough = {s for s, n in per_segment.items() if n >= threshold}
    assert set(learned.segments) == enough and dict(learned.segments) == {s: per_segment[s] for s in enough}
    assert set(learned.too_small) == set(per_segment) - enough != set()
    assert {f.segment for f in learned.figures if f.segment} == enough
    for segment in enough:
        won = [r for r in WON if r["segment"] == segment]
        closed = [r for r in CLOSED if r["segment"] == segment]
        assert float(learned.figure("win_rate", segment=segment).value) == pytest.approx(len(won) / len(closed))  # type: ignore[union-attr]


def test_apply_learned_sets_exactly_what_history_knows(tables: dict[str, Any]) -> None:
    learned = learn(tables, START, END, by_segment=True, min_deals=30)
    plan = _plan()
    applied = apply_learned(plan, learned)
    win = round(learned.figure("win_rate").value, 4)  # type: ignore[union-attr, arg-type]
    retail = learned.figure("win_rate", segment="retail")
    retail_cycle = int(learned.figure("sales_cycle_median", segment="retail").value)  # type: ignore[union-attr, arg-type]
    expected = dataclasses.replace(
        plan,
        average_deal=round(learned.figure("average_deal").value, 2),  # type: ignore[union-attr, arg-type]
        # no leads table, no stage history: only the last step (the win rate) is known
        steps=(*plan.steps[:3], FunnelStep(Stage.PROPOSAL, win, 21), plan.steps[4]),
        segments=(
            Segment(
                "retail",
                "Retail",
                rates={Stage.DEMO: Decimal("0.2"), Stage.PROPOSAL: round(retail.value, 4)},  # type: ignore[union-attr, arg-type]
                cycle_days=retail_cycle,
            ),
            plan.segments[1],  # no CRM segment by that name
        ),
    )
    assert applied == expected


def test_stage_history_sets_the_steps_rates_and_days(tmp_path: Any) -> None:
    _fill(tmp_path)
    learned = learn(tables_from_directory(tmp_path), dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    applied = apply_learned(_plan(), learned)
    assert [(s.stage, s.rate, s.days) for s in applied.steps] == [
        (Stage.MQL, Decimal("0.4"), 7),  # no leads: as typed
        (Stage.SQL, Decimal(1), 10),  # 5 of 5 went on, 10 days (median)
        (Stage.DEMO, Decimal("0.3333"), 21),
        (Stage.PROPOSAL, Decimal("0.5"), 30),  # the win rate (1 won of 2 closed… of a, d won; b, e lost)
        (Stage.WON, None, 0),
    ]


@pytest.mark.parametrize(
    ("factor", "flagged"), [(Decimal("1.35"), True), (Decimal("0.65"), True), (Decimal("1.1"), False)]
)
def test_compare_flags_a_rate_far_from_history(tables: dict[str, Any], factor: Decimal, flagged: bool) -> None:
    learned = learn(tables, START, END)
    win = learned.figure("win_rate").value  # type: ignore[union-attr]
    history_deal = learned.figure("average_deal").value  # type: ignore[union-attr]
    steps = (*_plan().steps[:3], FunnelStep(Stage.PROPOSAL, round(win * factor, 4), 21), FunnelStep(Stage.WON))  # type: ignore[operator]
    plan = _plan(steps=steps, average_deal=round(history_deal, 2))  # type: ignore[arg-type]
    found = compare(plan, learned)
    codes = [(code, params.get("stage")) for code, params in found]
    assert codes == ([("rate_off_history", "proposal")] if flagged else [])
    rows_ = {(c.kpi, c.stage): c for c in comparisons(plan, learned)}
    assert rows_["rate", Stage.PROPOSAL].flagged is flagged
    assert rows_["rate", Stage.MQL].history is not None and rows_["rate", Stage.MQL].difference is None
    if flagged:
        text = gap_text(*found[0], Formatter("fr"), french, {"proposal": "Proposition", "won": "Gagné"}.get)  # type: ignore[arg-type]
        share = Formatter("fr").percent(round(win * factor, 4), 0)  # type: ignore[operator]
        assert text.startswith(f"Proposition → Gagné : le plan compte sur {share}, l'historique donne ")
        assert text.endswith(" affaires conclues depuis janvier 2017).")


def test_compare_takes_its_threshold() -> None:
    learned = learn(tables_from_directory(DATA / "maven"), START, END)
    win = learned.figure("win_rate").value  # type: ignore[union-attr]
    steps = (FunnelStep(Stage.PROPOSAL, round(win * Decimal("1.1"), 4)), FunnelStep(Stage.WON))  # type: ignore[operator]
    plan = _plan(steps=steps, average_deal=None)
    assert [c for c, _ in compare(plan, learned, Decimal("0.05"))] == ["rate_off_history"]
    assert compare(plan, learned, Decimal("0.2")) == []


def test_the_plan_sets_how_far_from_history_a_rate_is_flagged() -> None:
    """A rate 15 % above history: within the default 20 %, flagged by a plan whose threshold is 10 %."""
    learned = learn(tables_from_directory(DATA / "maven"), START, END)
    win = learned.figure("win_rate").value  # type: ignore[union-attr]
    steps = (FunnelStep(Stage.PROPOSAL, round(win * Decimal("1.15"), 4)), FunnelStep(Stage.WON))  # type: ignore[operator]
    plan = _plan(steps=steps, average_deal=None)
    assert plan.alerts.history_gap == Decimal("0.2") and compare(plan, learned) == []
    strict = dataclasses.replace(plan, alerts=AlertThresholds(history_gap=Decimal("0.1")))
    assert [code for code, _ in compare(strict, learned)] == ["rate_off_history"]
    assert [c.flagged for c in comparisons(strict, learned)] == [True, False]  # the rate; no average deal
    assert compare(strict, learned, Decimal("0.2")) == []  # a threshold given overrides the plan's
