"""The period forecast on synthetic teams whose true parameters are known, and on the Maven history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from pac.engine.forecast import ForecastError, build_deals, deals_from_tables, forecast, forecast_by, known_at
from pac.engine.forecast.backtest import backtest
from pac.engine.forecast.categories import category_of
from pac.engine.kpis import tables_from_directory

from .forecast_worlds import World

AS_OF = dt.date(2027, 3, 31)
END = dt.date(2027, 4, 30)
MAVEN = Path(__file__).resolve().parent.parent / "data" / "kpis" / "maven"


@pytest.fixture(scope="module")
def world() -> World:
    return World()


@pytest.fixture(scope="module")
def history(world: World):
    return world.history(AS_OF)


@pytest.fixture(scope="module")
def truth(world: World, history) -> np.ndarray:
    return world.true_bookings(history, AS_OF, END, draws=4000)


def test_the_quantiles_match_a_simulation_with_the_true_parameters(history, truth: np.ndarray) -> None:
    result = forecast(history, start=AS_OF + dt.timedelta(days=1), end=END, as_of=AS_OF, draws=20_000, seed=3)
    true_quantiles = np.quantile(truth, [0.1, 0.5, 0.9])
    assert [result.p10, result.p50, result.p90] == pytest.approx(true_quantiles, rel=0.05)
    assert result.expected == pytest.approx(truth.mean(), rel=0.04)
    assert result.new_business > 0.25 * result.expected  # a month ahead, new deals matter


def test_without_new_business_the_same_test_fails(history, truth: np.ndarray) -> None:
    result = forecast(
        history,
        start=AS_OF + dt.timedelta(days=1),
        end=END,
        as_of=AS_OF,
        draws=20_000,
        seed=3,
        with_new_business=False,
    )
    true_p10, true_p50 = np.quantile(truth, [0.1, 0.5])
    assert result.p50 < 0.85 * true_p50
    assert result.p90 < true_p10  # its whole range misses the true one


def test_the_chance_to_reach_the_target_follows_the_draws(history, truth: np.ndarray) -> None:
    target = float(np.quantile(truth, 0.3))
    result = forecast(
        history, start=AS_OF + dt.timedelta(days=1), end=END, as_of=AS_OF, target=target, draws=20_000, seed=3
    )
    assert result.probability_of_target == pytest.approx(np.mean(truth >= target), abs=0.08)


def test_the_basis_says_how_many_deals_each_figure_comes_from(history) -> None:
    result = forecast(history, start=AS_OF + dt.timedelta(days=1), end=END, as_of=AS_OF, draws=1000)
    basis = result.basis
    closed = history.outcome != 0
    assert basis["history"]["won"] + basis["history"]["lost"] == int(closed.sum())
    assert basis["open_deals"]["count"] == int((~closed).sum())
    assert {s["segment"] for s in basis["open_deals"]["segments"]} == {"smb", "mid"}
    assert basis["won_amounts"]["deals"] == basis["history"]["won"]
    assert basis["prior_strength"] == 20


def test_already_won_deals_of_the_period_are_counted(history) -> None:
    start = AS_OF - dt.timedelta(days=10)
    result = forecast(history, start=start, end=END, as_of=AS_OF, draws=1000)
    won = (history.outcome == 1) & (history.closed >= np.datetime64(start))
    assert result.closed_won == pytest.approx(history.amount[won].sum())
    assert result.p10 >= result.closed_won


def test_facts_after_the_as_of_date_are_ignored(history) -> None:
    rows = []
    for i in range(len(history)):
        closed = history.closed[i]
        after = not np.isnat(closed) and closed > np.datetime64(AS_OF)
        rows.append(
            {
                "external_id": str(history.external_id[i]),
                "outcome": ["open", "won", "lost"][history.outcome[i]],
                "amount": None if np.isnan(history.amount[i]) else float(history.amount[i]),
                "created": history.created[i].astype(dt.date),
                "closed": None if np.isnat(closed) or after else closed.astype(dt.date),
                "segment": str(history.segment[i]),
                "owner": str(history.owner[i]),
            }
        )
    # the same deals, some closed (won or lost) after AS_OF — a close value is a fact of the close: unknown
    # before it — plus deals created after it
    future_rows = [dict(r) for r in rows]
    for k, row in enumerate(future_rows[:200]):
        if row["outcome"] == "open":
            row.update(outcome="won" if k % 2 else "lost", closed=AS_OF + dt.timedelta(days=3))
            rows[k]["amount"] = None
    future_rows += [
        {
            "external_id": f"new{k}",
            "outcome": "won",
            "amount": 1e6,
            "created": AS_OF + dt.timedelta(days=2),
            "closed": AS_OF + dt.timedelta(days=5),
        }
        for k in range(30)
    ]
    options = {"start": AS_OF - dt.timedelta(days=5), "end": END, "as_of": AS_OF, "draws": 2000, "seed": 4}
    seen_then = forecast(build_deals(rows), **options)
    seen_later = forecast(build_deals(future_rows), **options)
    assert seen_later.as_dict() == seen_then.as_dict()
    assert len(known_at(build_deals(future_rows), AS_OF)) == len(rows)


def test_a_segment_with_little_history_is_shrunk_toward_the_team() -> None:
    world = World(history_days=365)
    team = world.history(AS_OF, seed=5)
    rows = [
        {
            "external_id": str(team.external_id[i]),
            "outcome": ["open", "won", "lost"][team.outcome[i]],
            "amount": float(team.amount[i]),
            "created": team.created[i].astype(dt.date),
            "closed": None if np.isnat(team.closed[i]) else team.closed[i].astype(dt.date),
            "segment": "big",
        }
        for i in range(len(team))
    ]
    # a tiny segment that always won fast: 3 deals are weak evidence against thousands
    rows += [
        {
            "external_id": f"t{k}",
            "outcome": "won",
            "amount": 100.0,
            "created": AS_OF - dt.timedelta(days=20),
            "closed": AS_OF - dt.timedelta(days=10),
            "segment": "tiny",
        }
        for k in range(3)
    ]
    rows.append(
        {
            "external_id": "t-open",
            "outcome": "open",
            "amount": 1000.0,
            "created": AS_OF - dt.timedelta(days=5),
            "segment": "tiny",
        }
    )
    deals = build_deals(rows)
    tiny = forecast(
        deals,
        start=AS_OF + dt.timedelta(days=1),
        end=END,
        as_of=AS_OF,
        draws=1000,
        scope=("segment", "tiny"),
        with_new_business=False,
        spread=0.0,
    )
    chance = tiny.open_pipeline / 1000.0
    team_chance = world.win * (1 - np.exp(-30 / world.cycle_days))
    assert team_chance < chance < 0.5  # pulled up by the segment's wins, but nowhere near its 100 %


def test_forecast_categories_roll_up_and_omitted_deals_stay_out() -> None:
    assert [category_of(v) for v in ("Commit", "Best Case", "best-case", "Omitted", "whatever", "")] == [
        "commit",
        "best_case",
        "best_case",
        "omitted",
        "pipeline",
        "pipeline",
    ]
    rows = [
        {
            "external_id": f"c{k}",
            "outcome": "won" if k % 2 else "lost",
            "amount": 1000.0,
            "created": AS_OF - dt.timedelta(days=40 + k),
            "closed": AS_OF - dt.timedelta(days=k % 30),
        }
        for k in range(60)
    ]
    rows += [
        {"external_id": "o1", "outcome": "open", "amount": 5000.0, "created": AS_OF, "forecast_category": "Commit"},
        {"external_id": "o2", "outcome": "open", "amount": 7000.0, "created": AS_OF, "forecast_category": "Omitted"},
        {"external_id": "o3", "outcome": "open", "amount": 900.0, "created": AS_OF, "forecast_category": "Upside"},
    ]
    result = forecast(
        build_deals(rows), start=AS_OF + dt.timedelta(days=1), end=END, as_of=AS_OF, draws=500, with_new_business=False
    )
    assert result.categories["commit"] == 5000.0
    assert result.categories["omitted"] == 7000.0
    assert result.categories["best_case"] == 900.0
    assert result.basis["open_deals"]["count"] == 2  # the omitted deal is not forecast
    assert result.p90 <= 5900.0


def _staged_team(expected_close: dt.date) -> list[dict[str, object]]:
    rows = []
    for k in range(120):
        created = AS_OF - dt.timedelta(days=100 + k)
        closed = created + dt.timedelta(days=20 + k % 40)
        rows.append(
            {
                "external_id": f"h{k}",
                "outcome": "won" if k % 4 else "lost",
                "amount": 100.0,
                "created": created,
                "closed": closed,
                "expected_close": closed - dt.timedelta(days=k % 7),
            }
        )
    rows.append(
        {
            "external_id": "dated",
            "outcome": "open",
            "amount": 100.0,
            "created": AS_OF - dt.timedelta(days=25),
            "expected_close": expected_close,
        }
    )
    rows.append({"external_id": "staged", "outcome": "open", "amount": 100.0, "created": AS_OF - dt.timedelta(days=25)})
    return rows


def _stages(rows: list[dict[str, object]], staged_days: int) -> list[dict[str, object]]:
    entries = [
        {"opportunity": r["external_id"], "stage": "proposal", "entered": r["closed"] - dt.timedelta(days=5)}
        for r in rows
        if r.get("closed")
    ]
    return [*entries, {"opportunity": "staged", "stage": "proposal", "entered": AS_OF - dt.timedelta(days=staged_days)}]


def test_stage_history_and_expected_close_dates_are_used_when_given() -> None:
    options = {
        "start": AS_OF + dt.timedelta(days=1),
        "end": END,
        "as_of": AS_OF,
        "draws": 500,
        "with_new_business": False,
        "spread": 0.0,
    }
    soon, later = _staged_team(AS_OF + dt.timedelta(days=3)), _staged_team(END + dt.timedelta(days=60))
    near = forecast(build_deals(soon, _stages(soon, 2)), **options)
    far = forecast(build_deals(later, _stages(later, 2)), **options)
    assert near.basis["open_deals"]["by_model"] == {"age": 0, "stage": 1, "expected_close": 1}
    assert near.basis["open_deals"]["stages"][0]["stage"] == "proposal"
    assert near.basis["open_deals"]["slip"]["deals"] == 90
    # the same team and deals: one expected in three days, the other two months after the period
    assert near.open_pipeline > far.open_pipeline + 50
    # two days in the stage where every deal closed five days after entering it: likely won in April
    staged_only = forecast(build_deals(soon[:-2] + soon[-1:], _stages(soon, 2)), **options)
    assert staged_only.open_pipeline > 0.6 * 100


def test_bad_parameters_are_refused(history) -> None:
    with pytest.raises(ForecastError):
        forecast(history, start=END, end=AS_OF, as_of=AS_OF)
    with pytest.raises(ForecastError):
        forecast(history, start=AS_OF, end=END, as_of=AS_OF, target=-1.0)
    with pytest.raises(ForecastError):
        forecast(history, start=AS_OF, end=END, as_of=AS_OF, draws=0)
    with pytest.raises(ForecastError):
        forecast_by(history, "channel", start=AS_OF, end=END, as_of=AS_OF)


def test_one_forecast_per_owner_adds_up_to_the_team_expectation(history) -> None:
    options = {"start": AS_OF + dt.timedelta(days=1), "end": END, "as_of": AS_OF, "draws": 500}
    per_owner = forecast_by(history, "owner", **options)
    assert sorted(per_owner) == [f"rep{k}" for k in range(5)]
    team = forecast(history, **options)
    assert sum(f.expected for f in per_owner.values()) == pytest.approx(team.expected, rel=0.01)


def test_the_backtest_on_maven_runs_and_is_calibrated_enough() -> None:
    deals = deals_from_tables(tables_from_directory(MAVEN))
    result = backtest(deals, every="month", draws=1000)
    assert len(result.periods) == 8  # May to December 2017
    assert all(r.as_of < r.period_from for r in result.periods)
    assert result.model.coverage is not None and 0.4 <= result.model.coverage <= 1.0
    assert result.model.pinball is not None and result.pipeline.pinball is not None
    assert result.model.pinball < result.pipeline.pinball
    assert result.model.pinball < result.run_rate.pinball  # type: ignore[operator]


def test_each_open_deal_gets_the_true_chance_and_time_to_close(world: World, history) -> None:
    result = forecast(history, start=AS_OF + dt.timedelta(days=1), end=END, as_of=AS_OF, draws=500)
    largest = result.basis["open_deals"]["largest"]
    assert len(largest) == 20
    # memoryless cycles: whatever its age, an open deal wins within 30 days with win × (1 − e^(−30/30)) and,
    # if it wins, closes after a median of 30 × ln 2 ≈ 21 days
    truth = world.win * (1 - np.exp(-30 / world.cycle_days))
    assert result.basis["open_deals"]["mean_probability"] == pytest.approx(truth, abs=0.015)
    assert np.median([d["chance"] for d in largest]) == pytest.approx(truth, abs=0.04)  # the list favours luck
    for deal in largest:
        assert 15 <= deal["median_days_to_close_if_won"] <= 27
        assert deal["deals_behind"] >= 5
    amounts = [d["amount"] * d["chance"] for d in largest]
    assert amounts == sorted(amounts, reverse=True)


def test_the_stage_history_table_is_read_when_a_source_has_it() -> None:
    import ibis

    rows = _staged_team(AS_OF + dt.timedelta(days=3))
    opportunities = ibis.memtable(
        {
            "external_id": [r["external_id"] for r in rows],
            "outcome": [r["outcome"] for r in rows],
            "amount": [r["amount"] for r in rows],
            "created": [r["created"] for r in rows],
            "closed": [r.get("closed") for r in rows],
            "expected_close": [r.get("expected_close") for r in rows],
        }
    )
    entries = _stages(rows, 2)
    stages = ibis.memtable({name: [e[name] for e in entries] for name in ("opportunity", "stage", "entered")})
    deals = deals_from_tables({"opportunities": opportunities, "opportunity_stages": stages})
    assert deals.stages is not None and len(deals.stages.deal) == len(entries)
    result = forecast(deals, start=AS_OF + dt.timedelta(days=1), end=END, as_of=AS_OF, draws=200)
    assert result.basis["open_deals"]["by_model"] == {"age": 0, "stage": 1, "expected_close": 1}


def test_on_a_stationary_team_the_backtest_range_holds_about_80_percent_of_the_actuals() -> None:
    deals = World(rate=50.0).history(AS_OF, seed=6)
    result = backtest(deals, every="month", draws=1000)
    assert len(result.periods) >= 20
    assert result.model.coverage is not None and 0.65 <= result.model.coverage <= 0.95
    assert result.model.mape is not None and result.model.mape < 0.1
