"""``pac optout list | add | import``: the team's sequence opt-outs (the addresses it may no longer write
to) as the plan's « Opt-outs » page keeps them — one or a few by hand, or a whole file (CSV or one address
a line) checked all or nothing, every running enrolment of those addresses stopped at once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pac.cli.acting import AsUser, acting_user, refusals_said, visible_plan
from pac.cli.terminal import JsonFlag, _, cli_language, fail, out, print_json
from pac.engine.formatting import Formatter

optout_app = typer.Typer(
    help=_("The team's sequence opt-outs: addresses no sequence may write to again."), no_args_is_help=True
)
PlanOption = Annotated[
    int, typer.Option("--plan", help=_("A plan of the team (its number): opt-outs hold for the whole team."))
]


@optout_app.command("list")
def optout_list(plan_id: PlanOption, acting: AsUser, as_json: JsonFlag = False) -> None:
    """The team's opt-outs, the latest first, with when and how each came."""
    user = acting_user(acting)
    from django.utils import timezone

    from pac.web.sequences import selectors
    from pac.web.sequences.models import OptOutSource

    plan = visible_plan(user, plan_id)
    rows = list(selectors.opt_outs_of(plan))
    if as_json:
        print_json([{"email": o.email, "date": o.date.isoformat(), "source": o.source} for o in rows])
        return
    if not rows:
        out.print(_("No opt-out yet."))
        return
    fmt = Formatter(cli_language(), plan.currency)
    sources = dict(OptOutSource.choices)
    table = Table(title=_("Opt-outs of {team}").format(team=plan.team.name))
    for header in (_("E-mail"), _("Date"), _("Source")):
        table.add_column(header)
    for o in rows:
        table.add_row(o.email, fmt.date(timezone.localtime(o.date).date()), str(sources.get(o.source, o.source)))
    out.print(table)


def _recorded(plan_id: int, acting: str, addresses: list[str], source: str, as_json: bool) -> None:
    """Record ``addresses`` (checked) through the sequences' one write path, and say what it did."""
    user = acting_user(acting)
    from pac.web.sequences import services

    plan = visible_plan(user, plan_id)
    with refusals_said():
        done = services.opt_outs_record(user, plan, addresses, source)
    if as_json:
        print_json({"read": len(addresses), "new": done.new, "stopped": done.stopped})
        return
    fmt = Formatter(cli_language(), plan.currency)
    out.print(
        _("Addresses read: {read} · new opt-outs: {new} · running enrolments stopped: {stopped}.").format(
            read=fmt.number(len(addresses)), new=fmt.number(done.new), stopped=fmt.number(done.stopped)
        ),
        markup=False,
        highlight=False,
    )


@optout_app.command("add")
def optout_add(
    emails: Annotated[list[str], typer.Argument(help=_("The e-mail addresses that opted out."))],
    plan_id: PlanOption,
    acting: AsUser,
    as_json: JsonFlag = False,
) -> None:
    """Record opt-outs by hand (managers): every running enrolment of those addresses stops."""
    from pac.cli.terminal import django_setup

    django_setup()
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from pac.web.sequences.models import OptOutSource

    if len(emails) > 100:
        raise fail(_("At most 100 addresses at once: import a file for more."))
    for address in emails:
        try:
            if len(address) > 254:
                raise ValidationError("too long")
            validate_email(address.strip())
        except ValidationError:
            raise fail(
                _("{value} is not an e-mail address: nothing was recorded.").format(value=address[:80])
            ) from None
    _recorded(plan_id, acting, [a.strip().lower() for a in emails], OptOutSource.MANUAL, as_json)


@optout_app.command("import")
def optout_import(
    path: Annotated[Path, typer.Argument(help=_("A CSV or text file, one address a line (1 MB at most)."))],
    plan_id: PlanOption,
    acting: AsUser,
    as_json: JsonFlag = False,
) -> None:
    """Import a file of opt-outs all or nothing: a line that is no address refuses the whole file."""
    from pac.cli.terminal import django_setup

    django_setup()
    from pac.web.sequences.models import OptOutSource
    from pac.web.sequences.optout_file import MAX_BYTES, MAX_LINES, MAX_SHOWN, read_opt_out_file

    if not path.is_file():
        raise fail(_("{path}: no such file.").format(path=path))
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise fail(_("{path}: cannot be read ({error}).").format(path=path, error=error.strerror)) from None
    if len(data) > MAX_BYTES:
        raise fail(_("The file is larger than 1 MB: nothing was recorded."))
    found = read_opt_out_file(data)
    if found.too_many_lines:
        raise fail(_("The file has more than {max} lines: nothing was recorded.").format(max=MAX_LINES))
    if found.bad:
        lines = [_("Line {line}: {value}").format(line=line, value=value) for line, value in found.bad[:MAX_SHOWN]]
        raise fail(
            "\n".join(
                [
                    _("{count} line(s) are not e-mail addresses: the file is refused and nothing was recorded.").format(
                        count=len(found.bad)
                    ),
                    *lines,
                ]
            )
        )
    if not found.addresses:
        raise fail(_("The file holds no address."))
    _recorded(plan_id, acting, found.addresses, OptOutSource.IMPORT, as_json)
