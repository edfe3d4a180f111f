"""``pac sequences PLAN.yaml [--from DATE] [--json]``: the plan file's sequences as dated touches, per owner
and business day within each owner's capacity, and the days where capacity runs out (engine.sequences)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from pac.cli.terminal import JsonFlag, PlanPath, _, err, load_plan, out, print_json


def sequences_command(
    path: PlanPath,
    start: Annotated[
        str | None, typer.Option("--from", help="Schedule from this day (YYYY-MM-DD); today by default.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Schedule the sequences of a plan file: touches per owner and day, and the overflow."""
    from pac.engine.labels import CHANNEL_LABELS
    from pac.engine.planfile import to_plan
    from pac.engine.plansequences import plan_enrolments
    from pac.engine.sequences import Capacity, schedule
    from pac.engine.workdays import UnknownCountryError

    try:
        day = dt.date.fromisoformat(start) if start is not None else dt.date.today()
    except ValueError:
        raise typer.BadParameter(
            _("must be an ISO date (YYYY-MM-DD), not {value!r}.").format(value=start), param_hint="--from"
        ) from None
    plan = to_plan(load_plan(path))
    pauses = [p for s in plan.sequences for p in s.pauses]
    try:
        result = schedule(
            [s.sequence for s in plan.sequences],
            plan_enrolments(plan, day),
            plan.touch_capacity or Capacity(),
            day,
            plan.country,
            pauses,
        )
    except UnknownCountryError:
        err.print(
            _(
                "plan.country: no public-holiday calendar is known for {country}; use an ISO 3166 code such as FR."
            ).format(country=plan.country),
            markup=False,
            highlight=False,
        )
        raise typer.Exit(2) from None
    touches = sorted(result.touches, key=lambda t: (t.date, t.owner))  # the engine gives them owner by owner
    if as_json:
        print_json(
            {
                "touches": [
                    {
                        "date": t.date.isoformat(),
                        "owner": t.owner,
                        "contact": t.contact,
                        "sequence": t.sequence,
                        "step": t.step,
                        "channel": t.channel.value,
                        "variant": t.variant,
                    }
                    for t in touches
                ],
                "overflow": [{"date": o.date.isoformat(), "owner": o.owner, "count": o.count} for o in result.overflow],
            }
        )
        return
    table = Table(title=_("Touches"))
    for header in (_("Date"), _("Owner"), _("Contact"), _("Sequence"), _("Step"), _("Channel"), _("Variant")):
        table.add_column(header)
    for t in touches:
        table.add_row(
            t.date.isoformat(),
            t.owner,
            t.contact,
            t.sequence,
            str(t.step),
            _(CHANNEL_LABELS[t.channel]),
            t.variant or "—",
        )
    out.print(table)
    if result.overflow:
        over = Table(title=_("Capacity runs out"))
        for header in (_("Date"), _("Owner"), _("Touches rolled to the next business day")):
            over.add_column(header)
        for o in result.overflow:
            over.add_row(o.date.isoformat(), o.owner, str(o.count))
        out.print(over)
    else:
        out.print(_("Every touch fits within the owners' capacity."))


def sequences_send_command(
    once: Annotated[
        bool, typer.Option("--once", help="Send what may leave now, then stop (else: until Ctrl+C, as the worker).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Send the sequences' due e-mails through the SMTP server (`pac worker` sends them too)."""
    import signal
    import threading

    from pac.cli.terminal import cli_language, django_setup, progress_bar

    django_setup()
    from pac.web.sequences.sender import Report, configured, run_sender

    if not configured():
        err.print(_("No SMTP server: set PAC_SMTP_HOST (and PAC_SMTP_PORT, PAC_SMTP_USER, PAC_SMTP_PASSWORD)."))
        raise typer.Exit(2)
    stop = threading.Event()
    before = {signum: signal.signal(signum, lambda *_args: stop.set()) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:  # a signal stops the loop once the message under way is recorded
        with progress_bar(disable=as_json) as bar:
            task = bar.add_task(_("E-mails"), total=None)

            def advance(done: Report) -> None:
                bar.advance(task, sum(done.as_dict().values()))

            report = run_sender(stop, language=cli_language(), once=once, on_batch=advance)
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
    if as_json:
        print_json(report.as_dict())
        return
    out.print(
        _(
            "{sent} sent, {bounced} bounced, {skipped} not sent (see the results page), {retried} to try again, "
            "{failed} failed"
        ).format(**report.as_dict()),
        markup=False,
    )
    if report.failed:
        raise typer.Exit(1)
