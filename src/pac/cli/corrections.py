"""``pac levers``: the corrective levers of a plan file on a day, from what is booked, open and coming
in at the current pace (no database: the figures are given on the command line)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from pac.cli.terminal import JsonFlag, PlanPath, _, cli_language, load_plan, out, print_json
from pac.engine.corrections import Gap, levers, outlook, to_json
from pac.engine.formatting import Formatter
from pac.engine.model import Stage
from pac.engine.outlook import MAX_COUNT
from pac.engine.planfile import to_plan
from pac.io.messages import catalogue


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            _("must be an ISO date (YYYY-MM-DD), not {value!r}.").format(value=value), param_hint="--today"
        ) from None


def _amount(value: str, hint: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal(-1)
    if not 0 <= number <= MAX_COUNT * 1_000_000:
        raise typer.BadParameter(_("must be a number ≥ 0, not {value!r}.").format(value=value), param_hint=hint)
    return number


def _stage_counts(values: list[str] | None, hint: str) -> dict[Stage, Decimal]:
    """``proposal=40`` pairs, a stage once each."""
    found: dict[Stage, Decimal] = {}
    for value in values or []:
        name, _sep, count = value.partition("=")
        try:
            stage = Stage(name.strip().lower())
        except ValueError:
            known = ", ".join(s.value for s in Stage if s is not Stage.WON)
            raise typer.BadParameter(
                _("{value!r}: give STAGE=COUNT with a stage among {known}.").format(value=value, known=known),
                param_hint=hint,
            ) from None
        number = _amount(count.strip(), hint)
        if number > MAX_COUNT:
            raise typer.BadParameter(_("at most {count} per stage.").format(count=MAX_COUNT), param_hint=hint)
        found[stage] = found.get(stage, Decimal(0)) + number
    return found


def levers_command(
    path: PlanPath,
    today: Annotated[str, typer.Option("--today", help="The day of the computation (YYYY-MM-DD).")],
    booked: Annotated[str, typer.Option("--booked", help="Revenue booked so far in the plan.")] = "0",
    won: Annotated[int, typer.Option("--won", min=0, max=MAX_COUNT, help="Wins booked so far (wins plans).")] = 0,
    open_deals: Annotated[
        list[str] | None,
        typer.Option("--open", metavar="STAGE=COUNT", help="Open deals at a stage (repeat per stage)."),
    ] = None,
    inflow: Annotated[
        list[str] | None,
        typer.Option("--inflow", metavar="STAGE=COUNT", help="New entries per week at a stage at the current pace."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """What would close the gap to the target: more volume by a date, a higher rate, a bigger deal, a
    shorter cycle, hires — each checked against the team's free hours."""
    day = _day(today)
    gap = Gap(
        booked_revenue=_amount(booked, "--booked"),
        booked_wins=won,
        open_deals={s: int(n) for s, n in _stage_counts(open_deals, "--open").items()},
        weekly_inflow=_stage_counts(inflow, "--inflow"),
    )
    plan = to_plan(load_plan(path))
    english = Formatter("en", plan.currency)
    fmt, translate = Formatter(cli_language(), plan.currency), catalogue(cli_language())
    found = levers(plan, gap, day, formatter=english if as_json else fmt, translate=translate)
    state = outlook(plan, gap, day)
    if as_json:
        print_json(
            {
                "today": day.isoformat(),
                "wins_needed": float(round(state.wins_needed, 4)),
                "wins_expected": float(round(state.wins_expected, 4)),
                "wins_short": float(round(state.short, 4)),
                "levers": to_json(found, english),
            }
        )
        return
    out.print(
        _("{short} wins short: {needed} still to win, {expected} expected from the pipeline and the pace.").format(
            short=fmt.number(state.short),
            needed=fmt.number(state.wins_needed),
            expected=fmt.number(state.wins_expected),
        ),
        markup=False,
    )
    for lever in found:
        mark = "✓" if lever.feasible else ("✗" if lever.change is None else "!")
        line = f"{mark} {lever.message(fmt, translate)}"
        if lever.change is not None and lever.reason:
            line += f" — {lever.why_not(fmt, translate)}"
        out.print(line, markup=False, highlight=False, soft_wrap=True)  # one lever, one line
