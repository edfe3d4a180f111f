"""``pac enrol``: the enrolment screen from the command line — a plan's contacts (a segment, accounts, a
persona) put into one of its sequences from a day, through ``sequences.services.enrol``; ``--dry-run`` is
the screen's preview (``enrol_preview``: the same code, rolled back), touches per rep and day against
their capacity."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from pac.cli.acting import AsUser, PlanId, acting_user, refusals_said, visible_plan
from pac.cli.terminal import JsonFlag, _, cli_language, fail, out, print_json
from pac.engine.formatting import Formatter

#: The most refused contacts a terminal names (the JSON has them all).
REFUSED_SHOWN = 20


def _sequence(plan: Any, key: str) -> Any:
    """One of the plan's sequences by its number or its id (``icp-4-touches``); otherwise exit 2."""
    from pac.web.sequences.models import SequenceTemplate

    rows = SequenceTemplate.objects.filter(plan=plan)
    found = rows.filter(pk=int(key)).first() if key.isdigit() and len(key) < 19 else rows.filter(code=key).first()
    if found is None:
        known = ", ".join(rows.order_by("code").values_list("code", flat=True)[:30]) or "—"
        raise fail(
            _("Plan {plan} has no sequence {key}; its sequences: {known}.").format(plan=plan.pk, key=key, known=known)
        )
    return found


def enrol_command(
    plan_id: PlanId,
    sequence: Annotated[str, typer.Argument(help=_("The sequence: its number or its id in the plan."))],
    acting: AsUser,
    start: Annotated[str, typer.Option("--start", help=_("The sequence's first day (YYYY-MM-DD)."))],
    segment: Annotated[str | None, typer.Option("--segment", help=_("The contacts of this segment (its id)."))] = None,
    accounts: Annotated[
        str | None, typer.Option("--accounts", help=_("The contacts of these accounts (ids, comma-separated)."))
    ] = None,
    persona: Annotated[str | None, typer.Option("--persona", help=_("Only the contacts of this persona."))] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help=_("Show what would happen (touches per rep and day), enrol nobody."))
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Enrol the plan's contacts of a segment, accounts and/or a persona into a sequence (managers): the
    opted-out, those already in a sequence of the plan and those without an e-mail are refused, with why."""
    user = acting_user(acting)
    from pac.web.sequences import services
    from pac.web.sequences.services import REFUSAL_MESSAGES

    try:
        first_day = dt.date.fromisoformat(start)
    except ValueError:
        raise fail(_("--start: an ISO date (YYYY-MM-DD), not {value}.").format(value=start)) from None
    if segment is None and accounts is None and persona is None:
        raise fail(_("Choose whom to enrol: --segment, --accounts or --persona."))
    plan = visible_plan(user, plan_id)
    chosen = _sequence(plan, sequence)
    codes = [a.strip() for a in accounts.split(",") if a.strip()] if accounts is not None else None
    whom: dict[str, Any] = {"segment": segment, "accounts": codes, "persona": persona, "start": first_day}
    with refusals_said():
        if dry_run:
            preview = services.enrol_preview(user, plan, chosen, **whom)
            enrolled, refused, days = preview.enrolled, preview.refused, preview.days
            touches = preview.new_touches
        else:
            result = services.enrol(user, plan, chosen, **whom)
            enrolled, refused, days, touches = len(result.enrolled), result.refused, [], None
    refusals = [{"contact": r.contact.name, "account": r.contact.account.name, "reason": r.reason} for r in refused]
    if as_json:
        print_json(
            {
                "dry_run": dry_run,
                "sequence": chosen.code,
                "enrolled": enrolled,
                "refused": refusals,
                **(
                    {
                        "touches": touches,
                        "days": [
                            {
                                "day": d.day.isoformat(),
                                "owner": d.owner,
                                "touches": d.touches,
                                "new": d.new,
                                "capacity": d.capacity,
                                "rolled": d.rolled,
                            }
                            for d in days
                        ],
                    }
                    if dry_run
                    else {}
                ),
            }
        )
        return
    fmt = Formatter(cli_language(), plan.currency)
    counts = {"enrolled": fmt.number(enrolled, 0), "refused": fmt.number(len(refused), 0)}
    out.print(
        (
            _("Preview, nobody enrolled: {enrolled} contacts would be enrolled, {refused} refused.")
            if dry_run
            else _("{enrolled} contacts enrolled, {refused} refused.")
        ).format(**counts),
        markup=False,
        highlight=False,
    )
    for r in refused[:REFUSED_SHOWN]:
        out.print(
            f"• {r.contact.name} ({r.contact.account.name}): {_(REFUSAL_MESSAGES[r.reason])}",
            markup=False,
            highlight=False,
        )
    if len(refused) > REFUSED_SHOWN:
        out.print(_("… and {count} more.").format(count=fmt.number(len(refused) - REFUSED_SHOWN, 0)), markup=False)
    if days:
        table = Table(title=_("Touches per rep and day"))
        for header in (_("Day"), _("Rep"), _("New"), _("Touches that day"), _("Capacity"), _("Rolled to the next day")):
            table.add_column(header, justify="right")
        for d in days:
            table.add_row(
                fmt.date(d.day),
                d.owner,
                fmt.number(d.new, 0),
                fmt.number(d.touches, 0),
                fmt.number(d.capacity, 0),
                fmt.number(d.rolled, 0) if d.rolled else "—",
                style="yellow" if d.rolled else None,
            )
        out.print(table)
