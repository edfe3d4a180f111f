"""The probabilistic forecast of a period's bookings, learnt from the team's own CRM history:
``deals`` (the input), ``learning`` (close curves), ``stages`` and ``slip`` (when the source has them),
``newbusiness``, ``simulation`` (the Monte Carlo), ``categories``, ``period`` (one forecast), ``backtest``."""

from pac.engine.forecast.deals import Deals, DealsError, build_deals, deals_from_tables, known_at
from pac.engine.forecast.period import DIMENSIONS, ForecastError, forecast, forecast_by
from pac.engine.forecast.result import Forecast

__all__ = [
    "DIMENSIONS",
    "Deals",
    "DealsError",
    "Forecast",
    "ForecastError",
    "build_deals",
    "deals_from_tables",
    "forecast",
    "forecast_by",
    "known_at",
]
