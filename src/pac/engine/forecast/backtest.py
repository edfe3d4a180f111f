"""The forecast replayed on the team's own past: as of each past period's eve, knowing only what was known
then, how did P10/P50/P90 compare with what was actually booked — and did it beat two simple baselines,
the stage-weighted pipeline (win rates × open amounts) and the run rate (last period's bookings again)?"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from pac.engine.forecast.deals import OPEN, WON, Deals, current_stage, known_at
from pac.engine.forecast.period import ForecastError, forecast
from pac.engine.labels import Message, gettext_noop

Every = Literal["week", "month"]
QUANTILES = (0.1, 0.5, 0.9)
#: History the first replayed period needs after the first close (days).
WARM_UP_DAYS = 60
#: Most periods one backtest replays.
MAX_PERIODS = 520
DEFAULT_DRAWS = 2_000


@dataclass(frozen=True)
class ReplayedPeriod:
    """One period: what was booked, the forecast made on its eve, and the two baselines' point figures."""

    period_from: dt.date
    period_to: dt.date
    as_of: dt.date
    actual: float
    p10: float
    p50: float
    p90: float
    pipeline: float
    run_rate: float


@dataclass(frozen=True)
class Score:
    """``mape``: mean absolute percentage error of the point figure (periods with bookings only);
    ``coverage``: share of actuals within [P10, P90] (None for a point baseline); ``pinball``: mean pinball
    loss over P10, P50 and P90 (a point figure stands for all three)."""

    mape: float | None
    coverage: float | None
    pinball: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {"mape": self.mape, "coverage": self.coverage, "pinball": self.pinball}


@dataclass(frozen=True)
class Backtest:
    periods: tuple[ReplayedPeriod, ...]
    every: Every
    model: Score
    pipeline: Score
    run_rate: Score

    def as_dict(self) -> dict[str, Any]:
        """The ``pac backtest --json`` document."""
        return {
            "every": self.every,
            "periods": [
                {
                    "period": {"from": r.period_from.isoformat(), "to": r.period_to.isoformat()},
                    "as_of": r.as_of.isoformat(),
                    "actual": round(r.actual, 2),
                    "p10": round(r.p10, 2),
                    "p50": round(r.p50, 2),
                    "p90": round(r.p90, 2),
                    "pipeline": round(r.pipeline, 2),
                    "run_rate": round(r.run_rate, 2),
                }
                for r in self.periods
            ],
            "summary": {
                "model": self.model.as_dict(),
                "pipeline": self.pipeline.as_dict(),
                "run_rate": self.run_rate.as_dict(),
            },
        }


def periods_between(start: dt.date, end: dt.date, every: Every) -> list[tuple[dt.date, dt.date]]:
    """The whole weeks (Monday to Sunday) or months that start on or after ``start`` and end by ``end``."""
    if every == "week":
        first = start + dt.timedelta(days=(7 - start.weekday()) % 7)
        spans = [(first + dt.timedelta(weeks=k), first + dt.timedelta(weeks=k, days=6)) for k in range(MAX_PERIODS)]
    else:
        year, month = (start.year, start.month) if start.day == 1 else _next_month(start.year, start.month)
        spans = []
        for _ in range(MAX_PERIODS):
            after = _next_month(year, month)
            spans.append((dt.date(year, month, 1), dt.date(*after, 1) - dt.timedelta(days=1)))
            year, month = after
    return [(a, b) for a, b in spans if b <= end]


def backtest(
    deals: Deals,
    *,
    every: Every = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int | None = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Backtest:
    """Replay each period in [start, end] (default: from ``WARM_UP_DAYS`` after the first close to the last
    fact) from its eve; ``progress(done, total)`` is called after each period."""
    if every not in ("week", "month"):
        raise ForecastError(Message(gettext_noop("The backtest replays weeks or months only.")))
    closes = deals.closed[~np.isnat(deals.closed)]
    latest = deals.last_fact()
    if not closes.size or latest is None:
        raise ForecastError(Message(gettext_noop("No closed deal to learn from.")))
    first_close: dt.date = closes.min().astype(dt.date)
    start = start or first_close + dt.timedelta(days=WARM_UP_DAYS)
    end = min(end or latest, latest)
    if start > end:
        raise ForecastError(Message(gettext_noop("The backtest starts after it ends.")))
    spans = periods_between(start, end, every)
    replayed = []
    for done, (first, last) in enumerate(spans, start=1):
        as_of = first - dt.timedelta(days=1)
        seen = forecast(deals, start=first, end=last, as_of=as_of, draws=draws, seed=seed)
        replayed.append(
            ReplayedPeriod(
                period_from=first,
                period_to=last,
                as_of=as_of,
                actual=_booked(deals, first, last),
                p10=seen.p10,
                p50=seen.p50,
                p90=seen.p90,
                pipeline=_stage_weighted(deals, as_of),
                run_rate=_booked(deals, first - (last - first) - dt.timedelta(days=1), as_of),
            )
        )
        if progress is not None:
            progress(done, len(spans))
    actual = np.array([r.actual for r in replayed])
    return Backtest(
        periods=tuple(replayed),
        every=every,
        model=_score(actual, np.array([[r.p10, r.p50, r.p90] for r in replayed]).reshape(-1, 3), interval=True),
        pipeline=_score(actual, np.repeat(np.array([r.pipeline for r in replayed]), 3).reshape(-1, 3)),
        run_rate=_score(actual, np.repeat(np.array([r.run_rate for r in replayed]), 3).reshape(-1, 3)),
    )


def _booked(deals: Deals, first: dt.date, last: dt.date) -> float:
    won = (deals.outcome == WON) & (deals.closed >= np.datetime64(first, "D")) & (deals.closed <= np.datetime64(last))
    return float(np.nansum(deals.amount[won]))


def _stage_weighted(deals: Deals, as_of: dt.date) -> float:
    """The classic pipeline forecast: each open deal's amount (the mean won amount when unknown) × the win
    rate of its stage among closed deals (the team's win rate without a stage history). It ignores time."""
    view = known_at(deals, as_of)
    day = np.datetime64(as_of, "D")
    closed = view.outcome != OPEN
    won = view.outcome == WON
    team_rate = won.sum() / closed.sum() if closed.sum() else 0.0
    amounts = view.amount[won & (view.closed <= day) & ~np.isnan(view.amount)]
    mean = float(amounts.mean()) if amounts.size else 0.0
    open_ = view.outcome == OPEN
    rate = np.full(len(view), team_rate)
    if view.stages is not None and len(view.stages.deal):
        now = current_stage(view.stages, len(view))
        for stage in set(now[open_].tolist()) - {""}:
            passed = np.zeros(len(view), dtype=bool)
            passed[view.stages.deal[view.stages.stage == stage]] = True
            decided = passed & closed
            if decided.sum():
                rate[open_ & (now == stage)] = (passed & won).sum() / decided.sum()
    value = np.where(np.isnan(view.amount), mean, view.amount)
    return float(np.sum((rate * value)[open_]))


def _score(actual: np.ndarray[Any, Any], quantiles: np.ndarray[Any, Any], *, interval: bool = False) -> Score:
    if not actual.size:
        return Score(None, None, None)
    booked = actual > 0
    mape = float(np.mean(np.abs(quantiles[booked, 1] - actual[booked]) / actual[booked])) if booked.any() else None
    coverage = float(np.mean((actual >= quantiles[:, 0]) & (actual <= quantiles[:, 2]))) if interval else None
    losses = [
        np.mean(np.maximum(tau * (actual - quantiles[:, k]), (tau - 1) * (actual - quantiles[:, k])))
        for k, tau in enumerate(QUANTILES)
    ]
    return Score(mape, coverage, float(np.mean(losses)))


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


__all__ = ["Backtest", "ReplayedPeriod", "Score", "backtest", "periods_between"]
