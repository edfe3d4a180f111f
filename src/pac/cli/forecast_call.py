"""``pac forecast-call submit | adjust | list``: the forecast call from the command line — a rep's own
figures for a period of the plan, a manager's adjustment with its reason (logged as a decision), and the
period's submissions and adjustments as the forecast page's audit lists them (a rep: their own)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from rich.table import Table

from pac.cli.acting import AsUser, PlanId, acting_user, person_name, refusals_said, visible_plan
from pac.cli.terminal import JsonFlag, _, cli_language, fail, out, print_json
from pac.engine.formatting import Formatter

forecast_call_app = typer.Typer(
    help=_("The forecast call: a rep's figures, a manager's adjustments, the period's audit."), no_args_is_help=True
)
PeriodOption = Annotated[
    str,
    typer.Option("--period", help=_("plan (the whole plan), a month (2027-02) or an ISO week (2027-W05).")),
]
TEAM = "team"


def _amount(value: str, option: str) -> Decimal:
    """An amount as people type it (``1 000,50``, ``1000.50``); anything else: exit 2."""
    raw = value.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")[:30]
    try:
        amount = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise fail(_("{option}: {value} is not an amount.").format(option=option, value=value[:30])) from None
    if not amount.is_finite():
        raise fail(_("{option}: {value} is not an amount.").format(option=option, value=value[:30]))
    return amount


@forecast_call_app.command("submit")
def submit_command(
    plan_id: PlanId,
    acting: AsUser,
    commit: Annotated[str, typer.Option("--commit", help=_("What you commit to win in the period."))],
    best_case: Annotated[str, typer.Option("--best-case", help=_("What you may win at best."))],
    pipeline: Annotated[str, typer.Option("--pipeline", help=_("The rest of your open pipeline."))],
    period: PeriodOption = "plan",
) -> None:
    """Submit your own forecast for a period of the plan (reps); the earlier submissions stay in the audit."""
    user = acting_user(acting)
    from pac.engine.forecast.calls import COMMIT_ABOVE_BEST_CASE
    from pac.web.cockpit.services import forecast_submit

    plan = visible_plan(user, plan_id)
    amounts = {
        "commit": _amount(commit, "--commit"),
        "best_case": _amount(best_case, "--best-case"),
        "pipeline": _amount(pipeline, "--pipeline"),
    }
    with refusals_said():
        done = forecast_submit(user=user, plan=plan, period=period[:20], rep=user, **amounts)
    out.print(_("Forecast submitted."), markup=False)
    if COMMIT_ABOVE_BEST_CASE in done.warnings:
        out.print(_("Your commit is above your best case: is that what you mean?"), markup=False)


@forecast_call_app.command("adjust")
def adjust_command(
    plan_id: PlanId,
    acting: AsUser,
    category: Annotated[str, typer.Option("--category", help=_("commit, best_case or pipeline."))],
    amount: Annotated[str, typer.Option("--amount", help=_("The figure you set."))],
    reason: Annotated[str, typer.Option("--reason", help=_("Why (required; kept in the decision log)."))],
    rep: Annotated[str, typer.Option("--rep", help=_("The rep (username), or team for the team's figure."))] = TEAM,
    period: PeriodOption = "plan",
) -> None:
    """Set a rep's or the team's figure of one category, saying why (managers); logged as a decision."""
    user = acting_user(acting)
    from pac.web.cockpit.services import forecast_adjust

    plan = visible_plan(user, plan_id)
    person = None
    if rep != TEAM:
        person = plan.team.members.filter(username=rep).first()
        if person is None:
            raise fail(_("Choose a rep of the plan's team."))
    with refusals_said():
        forecast_adjust(
            manager=user,
            plan=plan,
            period=period[:20],
            rep=person,
            category=category,
            amount=_amount(amount, "--amount"),
            reason=reason[:4000],
        )
    out.print(_("Forecast adjusted."), markup=False)


@forecast_call_app.command("list")
def list_command(plan_id: PlanId, acting: AsUser, period: PeriodOption = "plan", as_json: JsonFlag = False) -> None:
    """The period's submissions and adjustments, the latest first (a rep: their own submissions)."""
    user = acting_user(acting)
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from pac.web.accounts.abilities import Ability, can
    from pac.web.cockpit import forecast_call as call

    plan = visible_plan(user, plan_id)
    try:
        chosen = call.period_of(plan, period[:20])
    except ValidationError as error:
        raise fail(" ".join(error.messages)) from None
    team = can(user, Ability.READ_TEAM_FIGURES, plan)
    submitted = call.submissions(plan, chosen, by=None if team else user)
    adjusted = call.adjustments(plan, chosen) if team else []
    if as_json:
        print_json(
            {
                "period": {"code": chosen.code, "start": chosen.start.isoformat(), "end": chosen.end.isoformat()},
                "submissions": [
                    {
                        "rep": s.submitted_by.username,
                        "at": s.at.isoformat(),
                        "commit": float(s.commit),
                        "best_case": float(s.best_case),
                        "pipeline": float(s.pipeline),
                    }
                    for s in submitted
                ],
                "adjustments": [
                    {
                        "rep": a.rep.username if a.rep else None,
                        "category": a.category,
                        "amount": float(a.amount),
                        "by": a.by.username,
                        "at": a.at.isoformat(),
                        "reason": a.reason,
                    }
                    for a in adjusted
                ],
            }
        )
        return
    from pac.engine.forecast.categories import CATEGORY_LABELS

    fmt = Formatter(cli_language(), plan.currency)
    out.print(f"[bold]{_('Forecast call')}[/bold] · {fmt.date(chosen.start)} – {fmt.date(chosen.end)}", highlight=False)
    if not submitted and not adjusted:
        out.print(_("No forecast submitted for this period yet."))
        return
    table = Table(title=_("Submissions"))
    for header in (
        _("When"),
        _("Rep"),
        _(CATEGORY_LABELS["commit"]),
        _(CATEGORY_LABELS["best_case"]),
        _(CATEGORY_LABELS["pipeline"]),
    ):
        table.add_column(header)
    for s in submitted:
        moment = timezone.localtime(s.at)
        table.add_row(
            f"{fmt.date(moment.date())} {moment:%H:%M}",
            person_name(s.submitted_by),
            fmt.money(s.commit),
            fmt.money(s.best_case),
            fmt.money(s.pipeline),
        )
    out.print(table)
    if adjusted:
        table = Table(title=_("Adjustments"))
        for header in (_("When"), _("Rep"), _("Category"), _("Amount"), _("Who"), _("Why")):
            table.add_column(header)
        for a in adjusted:
            moment = timezone.localtime(a.at)
            table.add_row(
                f"{fmt.date(moment.date())} {moment:%H:%M}",
                person_name(a.rep) if a.rep else _("the team"),
                _(CATEGORY_LABELS.get(a.category, a.category)),
                fmt.money(a.amount),
                person_name(a.by),
                a.reason,
            )
        out.print(table)
