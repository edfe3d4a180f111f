"""``pac forecast`` and ``pac backtest``: the probabilistic forecast of a period's bookings from the team's
CRM history (or a folder of canonical files), and its replay on the past against two baselines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from pac.cli.terminal import JsonFlag, _, cli_language, django_setup, err, print_json, progress_bar, source_tables
from pac.engine.formatting import Formatter
from pac.engine.labels import Message

if TYPE_CHECKING:
    from pac.engine.forecast import Deals

SourceOption = Annotated[
    Path | None,
    typer.Option(help="A folder of canonical CSV/Parquet files (read with DuckDB) instead of the app database."),
]
TeamOption = Annotated[str | None, typer.Option(help="Team whose imported CRM data to use (app database).")]
SeedOption = Annotated[int, typer.Option(help="Seed of the random draws (same seed, same figures).")]


def forecast_command(
    period_from: Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")],
    period_to: Annotated[str, typer.Option("--to", help="Last day of the period (YYYY-MM-DD).")],
    source: SourceOption = None,
    team: TeamOption = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Forecast as seen on this day; later facts ignored (default: today).")
    ] = None,
    target: Annotated[float | None, typer.Option(help="Bookings to reach: the chance to reach them is given.")] = None,
    by: Annotated[str | None, typer.Option(help="One forecast per owner or per segment.")] = None,
    draws: Annotated[int, typer.Option(help="Monte Carlo draws (1 to 100 000).")] = 10_000,
    seed: SeedOption = 0,
    as_json: JsonFlag = False,
) -> None:
    """The period's bookings: already won, expected from open deals and new business, P10/P50/P90 and the
    chance to reach the target, learnt from the team's own closed deals."""
    from pac.engine.forecast import DIMENSIONS, DealsError, ForecastError, forecast, forecast_by
    from pac.engine.forecast.simulation import MAX_DRAWS

    start, end = _day(period_from, "--from"), _day(period_to, "--to")
    day = _day(as_of, "--as-of") if as_of else dt.date.today()
    if start > end:
        _fail(_("--from must not be after --to."))
    if target is not None and not target >= 0:
        _fail(_("--target must be a positive amount."))
    if not 1 <= draws <= MAX_DRAWS:
        _fail(_("--draws must be between 1 and {most}.").format(most=MAX_DRAWS))
    if by is not None and by not in DIMENSIONS:
        _fail(_("--by must be one of: {names}.").format(names=", ".join(DIMENSIONS)))
    deals = _deals(source, team)
    options: dict[str, Any] = {"start": start, "end": end, "as_of": day, "target": target, "draws": draws, "seed": seed}
    try:
        if by is None:
            result = forecast(deals, **options)
        else:
            results = forecast_by(deals, by, **options)
    except (ForecastError, DealsError) as error:
        _fail(_explained(error))
    from pac.cli.render import print_forecast, print_forecasts_by

    fmt = Formatter(cli_language(), "EUR")
    if by is None:
        if as_json:
            print_json(result.as_dict())
        else:
            print_forecast(result, fmt)
    elif as_json:
        print_json({"by": by, "forecasts": {value: f.as_dict() for value, f in results.items()}})
    else:
        print_forecasts_by(by, results, fmt)


def backtest_command(
    source: SourceOption = None,
    team: TeamOption = None,
    every: Annotated[str, typer.Option(help="week or month")] = "month",
    period_from: Annotated[str | None, typer.Option("--from", help="First day replayed (YYYY-MM-DD).")] = None,
    period_to: Annotated[str | None, typer.Option("--to", help="Last day replayed (YYYY-MM-DD).")] = None,
    draws: Annotated[int, typer.Option(help="Monte Carlo draws per period (1 to 100 000).")] = 2_000,
    seed: SeedOption = 0,
    as_json: JsonFlag = False,
) -> None:
    """The forecast replayed on past weeks or months (knowing only what was known on each eve): actual
    against P10/P50/P90, then MAPE, coverage and pinball loss next to two baselines."""

    from pac.engine.forecast import DealsError, ForecastError
    from pac.engine.forecast.backtest import backtest
    from pac.engine.forecast.simulation import MAX_DRAWS

    if every not in ("week", "month"):
        _fail(_("--every must be week or month."))
    start = _day(period_from, "--from") if period_from else None
    end = _day(period_to, "--to") if period_to else None
    if start and end and start > end:
        _fail(_("--from must not be after --to."))
    if not 1 <= draws <= MAX_DRAWS:
        _fail(_("--draws must be between 1 and {most}.").format(most=MAX_DRAWS))
    deals = _deals(source, team)
    with progress_bar(disable=as_json) as bar:
        task = bar.add_task(_("Replaying"), total=None)

        def replayed(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            result = backtest(
                deals,
                every="week" if every == "week" else "month",
                start=start,
                end=end,
                draws=draws,
                seed=seed,
                progress=replayed,
            )
        except (ForecastError, DealsError) as error:
            _fail(_explained(error))
    if as_json:
        print_json(result.as_dict())
        return
    from pac.cli.render import print_backtest

    print_backtest(result, Formatter(cli_language(), "EUR"))


def _deals(source: Path | None, team: str | None) -> Deals:
    """The opportunities of ``--source`` or of ``--team`` (exit 2 when neither names something)."""
    from pac.engine.forecast import DealsError, deals_from_tables

    if source is not None:
        tables = source_tables(source)
    else:
        django_setup()
        from pac.web.accounts.models import Team
        from pac.web.crm.kpi_tables import team_tables

        team_row = Team.objects.filter(name=team).first() if team else None
        if team_row is None:
            _fail(_("Give --team NAME (a team with imported CRM data) or --source FOLDER."))
        tables = team_tables(team_row)
    try:
        return deals_from_tables(tables)
    except DealsError as error:
        _fail(_explained(error))


def _day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        _fail(_("{option} must be an ISO date (YYYY-MM-DD).").format(option=option))


def _explained(error: Exception) -> str:
    """An engine error in the reader's language (its English text when it carries no template)."""
    message = error.args[0] if error.args else ""
    return message.explained(_) if isinstance(message, Message) else str(error)


def _fail(message: str) -> NoReturn:
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)
