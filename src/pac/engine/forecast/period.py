"""One period's forecast: what is already won, what the open deals will likely bring, what deals not yet
created will bring, as the team's own history says at ``as_of`` — and how far the outcome may spread."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt

from pac.engine.forecast.categories import CLOSED, OMITTED, categories_of, roll_up
from pac.engine.forecast.deals import OPEN, WON, Deals, known_at
from pac.engine.forecast.learning import PRIOR_STRENGTH, CloseCurve, close_curve, shrunk
from pac.engine.forecast.newbusiness import NewBusiness, new_business
from pac.engine.forecast.period_effect import PeriodEffect, period_effect
from pac.engine.forecast.result import Forecast
from pac.engine.forecast.season import Rhythm, quarter_rhythm
from pac.engine.forecast.simulation import MAX_DRAWS, simulate_bookings
from pac.engine.forecast.slip import SlipModel, slip_model
from pac.engine.forecast.stages import stage_probabilities
from pac.engine.forecast.window import Window
from pac.engine.labels import Message, gettext_noop

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
DIMENSIONS = ("owner", "segment")
DEFAULT_DRAWS = 10_000
#: Open deals listed in the basis (largest expected amount first).
LARGEST_DEALS = 20
#: Most forecasts one --by gives (one per owner or segment).
MAX_GROUPS = 500


_NOTHING_CLOSED = gettext_noop("No deal closed by {day}: nothing to learn the chances from.")
_TOO_MANY_VALUES = gettext_noop("{count} values of {by}: one forecast each is given for at most {most}.")
_DIMENSIONS = gettext_noop("One forecast per value is given by one of: {names}.")


class ForecastError(ValueError):
    """A forecast asked for with impossible parameters (period, target, draws, dimension)."""


def forecast(
    deals: Deals,
    *,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    target: float | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int | None = 0,
    with_new_business: bool = True,
    scope: tuple[str, str] | None = None,
    spread: float | None = None,
) -> Forecast:
    """The forecast of bookings won in [start, end], knowing only what was known at ``as_of``. With
    ``scope`` (``("owner", "Ana")``) the history still teaches from every deal, but only that owner's
    deals, wins and deal creation are projected. ``spread``: the variance of the period's common level
    (None: learnt from past periods, 0: deals independent, as in the plain Monte Carlo)."""
    _check(start, end, target, draws, scope)
    view = known_at(deals, as_of)
    window = Window(start, end, as_of)
    ours = np.ones(len(view), dtype=bool) if scope is None else getattr(view, scope[0]) == scope[1]
    team, durations = _team_curve(view, as_of)
    if team.closed == 0:
        raise ForecastError(
            Message(gettext_noop("No deal closed by {day}: nothing to learn the chances from."), day=as_of.isoformat())
        )
    closed_won, won_in_period = _closed_won(view, window, ours)
    open_mask = (view.outcome == OPEN) & ours
    category = categories_of(view.forecast_category)
    projected = open_mask & (category != OMITTED)
    p, basis_deals = _win_probabilities(view, window, team, durations, projected)
    pool = view.amount[(view.outcome == WON) & (view.closed <= np.datetime64(as_of, "D")) & ~np.isnan(view.amount)]
    pool_mean = float(pool.mean()) if pool.size else 0.0
    amount = view.amount[projected]
    open_expected = float(np.sum(p * np.where(np.isnan(amount), pool_mean, amount)))
    newcomers = new_business(view, window, team, ours) if with_new_business else NewBusiness(0.0, 0, 0, 0.0, 0.0)
    new_expected = newcomers.expected_wins * pool_mean
    # what is still to come: the days left, not the whole period, once it is under way
    first_left = max(start, as_of + dt.timedelta(days=1))
    rhythm = quarter_rhythm(view, as_of) if spread is None else Rhythm()
    lift = rhythm.over(first_left, end)
    open_expected, new_expected = open_expected * lift, new_expected * lift
    horizon = max((end - first_left).days + 1, 1)
    effect = period_effect(view, as_of, horizon) if spread is None else PeriodEffect(spread, 0, 0)
    projected_bookings = lift * simulate_bookings(
        p, amount, pool, new_wins=newcomers.expected_wins, draws=draws, seed=seed
    )
    level = effect.multipliers(draws, np.random.default_rng(None if seed is None else [seed, 1]))
    bookings = closed_won + level * projected_bookings
    p10, p50, p90 = (float(v) for v in np.quantile(bookings, [0.1, 0.5, 0.9]))
    rolled = roll_up(category[open_mask], view.amount[open_mask])
    rolled[CLOSED] += closed_won
    basis: dict[str, Any] = {
        "history": {
            "deals": team.deals,
            "won": team.won,
            "lost": team.lost,
            "still_open": team.still_open,
            "median_days_to_win": team.median_days_to_win(),
            "won_by_age": team.shares_by_age(),
        },
        "prior_strength": PRIOR_STRENGTH,
        "open_deals": basis_deals,
        "won_in_period": won_in_period,
        "won_amounts": {
            "deals": int(pool.size),
            "mean": round(pool_mean, 2),
            "median": round(float(np.median(pool)), 2) if pool.size else None,
        },
        "new_business": newcomers.as_dict() if with_new_business else None,
        "period_effect": effect.as_dict(),
        "quarter_rhythm": {**rhythm.as_dict(), "factor_of_the_days_left": round(lift, 3)},
        "draws": draws,
        "seed": seed,
    }
    if scope is not None:
        basis["scope"] = {"by": scope[0], "value": scope[1]}
    return Forecast(
        period_from=start,
        period_to=end,
        as_of=as_of,
        target=target,
        closed_won=closed_won,
        open_pipeline=open_expected,
        new_business=new_expected,
        expected=closed_won + open_expected + new_expected,
        p10=p10,
        p50=p50,
        p90=p90,
        probability_of_target=None if target is None else float(np.mean(bookings >= target)),
        categories=rolled,
        basis=basis,
    )


def forecast_by(deals: Deals, by: str, **options: Any) -> dict[str, Forecast]:
    """One forecast per value of ``by`` (owner or segment) among the deals known at ``as_of``."""
    if by not in DIMENSIONS:
        raise ForecastError(Message(_DIMENSIONS, names=", ".join(DIMENSIONS)))
    values = sorted({str(v) for v in getattr(known_at(deals, options["as_of"]), by).tolist()})
    if len(values) > MAX_GROUPS:
        raise ForecastError(
            Message(
                gettext_noop("{count} values of {by}: one forecast each is given for at most {most}."),
                count=len(values),
                by=by,
                most=MAX_GROUPS,
            )
        )
    return {value: forecast(deals, scope=(by, value), **options) for value in values}


def _check(start: dt.date, end: dt.date, target: float | None, draws: int, scope: tuple[str, str] | None) -> None:
    if start > end:
        raise ForecastError(Message(gettext_noop("The period starts after it ends.")))
    if (end - start).days > 3660:
        raise ForecastError(Message(gettext_noop("The period is longer than ten years.")))
    if target is not None and not target >= 0:
        raise ForecastError(Message(gettext_noop("The target must be a positive amount.")))
    if not 1 <= draws <= MAX_DRAWS:
        raise ForecastError(Message(gettext_noop("The draws must be between 1 and {most}."), most=MAX_DRAWS))
    if scope is not None and scope[0] not in DIMENSIONS:
        raise ForecastError(Message(_DIMENSIONS, names=", ".join(DIMENSIONS)))


def _team_curve(view: Deals, as_of: dt.date) -> tuple[CloseCurve, Ints]:
    """The team's close curve from every dated deal (closed: its cycle; open: its age, censored), and each
    deal's duration (−1 when its creation is unknown)."""
    day = np.datetime64(as_of, "D")
    dated = ~np.isnat(view.created)
    until = np.where(view.outcome == OPEN, day, view.closed)
    dated &= ~np.isnat(until)
    duration = np.full(len(view), -1, dtype=np.int64)
    duration[dated] = np.maximum((until[dated] - view.created[dated]).astype(np.int64), 0)
    return close_curve(duration[dated], view.outcome[dated]), duration


def _closed_won(view: Deals, window: Window, ours: npt.NDArray[np.bool_]) -> tuple[float, dict[str, int]]:
    first, last = np.datetime64(window.start, "D"), np.datetime64(min(window.end, window.as_of), "D")
    won = ours & (view.outcome == WON) & (view.closed >= first) & (view.closed <= last)
    return float(np.nansum(view.amount[won])), {
        "deals": int(won.sum()),
        "without_amount": int((won & np.isnan(view.amount)).sum()),
    }


def _win_probabilities(
    view: Deals, window: Window, team: CloseCurve, duration: Ints, projected: npt.NDArray[np.bool_]
) -> tuple[Floats, dict[str, Any]]:
    """Each projected open deal's P(won within the period): by age (segment shrunk toward the team), then by
    stage and time in stage when a stage history exists, or by expected close date and its slip when given."""
    age = duration[projected]
    undated = age < 0
    age = np.maximum(age, 0)
    first, last = age + window.first_offset, age + window.last_offset
    p = team.won_between(age, first, last)  # an undated deal is read as just created (age 0)
    backing = team.backing(age)
    segment = view.segment[projected]
    segments = []
    for name in sorted({s for s in segment.tolist() if s}):
        members = view.segment == name
        dated = members & (duration >= 0)
        curve = close_curve(duration[dated], view.outcome[dated])
        rows = segment == name
        p_segment = curve.won_between(age[rows], first[rows], last[rows])
        weight = curve.backing(age[rows])
        p[rows] = shrunk(p_segment, weight, p[rows])
        segments.append(
            {"segment": name, "deals": curve.deals, "won": curve.won, "lost": curve.lost, "open_deals": int(rows.sum())}
        )
    model = np.full(len(age), "age", dtype=object)
    staged = stage_probabilities(view, window, projected, p)
    if staged is not None:
        rows, p_stage, stage_basis = staged
        p[rows], model[rows] = p_stage, "stage"
    else:
        stage_basis = None
    slips: SlipModel | None = slip_model(view, window.as_of)
    if slips is not None:
        expected = view.expected_close[projected]
        rows, p_slip = slips.won_between(team, age, expected, window)
        p[rows], model[rows] = p_slip, "expected_close"
    days = team.days_to_win(age)
    expected_value = p * np.where(np.isnan(view.amount[projected]), 0.0, view.amount[projected])
    largest = np.argsort(-expected_value, kind="stable")[:LARGEST_DEALS]
    ids, amounts = view.external_id[projected], view.amount[projected]
    return p, {
        "count": len(age),
        "largest": [
            {
                "external_id": str(ids[i]),
                "amount": None if np.isnan(amounts[i]) else round(float(amounts[i]), 2),
                "chance": round(float(p[i]), 4),
                "model": str(model[i]),
                "median_days_to_close_if_won": int(days[i]) if days[i] >= 0 else None,
                "deals_behind": int(backing[i]),
            }
            for i in largest
            if expected_value[i] > 0
        ],
        "by_model": {name: int((model == name).sum()) for name in ("age", "stage", "expected_close")},
        "undated": int(undated.sum()),
        "with_amount": int((~np.isnan(view.amount[projected])).sum()),
        "amount": round(float(np.nansum(view.amount[projected])), 2),
        "deals_behind_median": int(np.median(backing)) if backing.size else 0,
        "mean_probability": round(float(p.mean()), 4) if p.size else None,
        "segments": segments,
        "stages": stage_basis,
        "slip": slips.as_dict() if slips is not None else None,
    }
