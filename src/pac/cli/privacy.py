"""``pac export-team``, ``pac erase person|contact``, ``pac backup`` and ``pac restore``: what an administrator
does for data protection (docs/data-protection.md). None of them asks a question: ``restore`` wants
``--yes`` to overwrite the database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pac.cli.terminal import _, cli_language, django_setup, err, out, progress_bar
from pac.engine.formatting import Formatter

if TYPE_CHECKING:
    from pac.web.accounts.models import User
    from pac.web.privacy.models import Erasure

erase_app = typer.Typer(help=_("Erase a person or a contact on request (GDPR); the erasure is logged."))

RequestedBy = Annotated[
    str, typer.Option("--requested-by", help="subject (the person concerned), third_party or company")
]
RequestRef = Annotated[str, typer.Option("--ref", help="The request's ticket or letter number (not a name).")]
DoneBy = Annotated[str | None, typer.Option("--by", help="The PAC administrator doing it (logged).")]


def export_team_command(
    team: Annotated[str, typer.Argument(help="The team's name.")],
    out_path: Annotated[Path, typer.Option("--out", help="The zip file to write.", dir_okay=False)],
) -> None:
    """Export everything of a team as a zip of JSON and CSV files, with a manifest."""

    django_setup()
    from pac.web.accounts.models import Team
    from pac.web.privacy.export import export_team, table_counts

    row = Team.objects.filter(name=team).first()
    if row is None:
        err.print(_("No team named {team}.").format(team=team))
        raise typer.Exit(2)
    if out_path.exists():
        err.print(_("{path} already exists: give a new file name.").format(path=out_path))
        raise typer.Exit(2)
    if not out_path.parent.is_dir():
        err.print(_("{path}: no such folder.").format(path=out_path.parent))
        raise typer.Exit(2)
    counts = table_counts(row)
    done: dict[str, int] = {}
    with progress_bar() as bar:
        task = bar.add_task(_("Exporting"), total=sum(counts.values()))

        def progress(table: str, rows: int) -> None:
            done[table] = rows
            bar.update(task, completed=sum(done.values()), description=table)

        try:
            with out_path.open("wb") as target:
                manifest = export_team(row, target, progress=progress)
        except BaseException:
            out_path.unlink(missing_ok=True)
            raise
    fmt = Formatter(cli_language(), "EUR")
    total = sum(manifest["tables"].values())
    out.print(
        _("{path}: {rows} rows in {tables} tables.").format(
            path=out_path, rows=fmt.number(total), tables=fmt.number(len(manifest["tables"]))
        )
    )


@erase_app.command("person")
def erase_person_command(
    username: Annotated[str, typer.Argument(help="The user's username.")],
    requested_by: RequestedBy = "subject",
    ref: RequestRef = "",
    by: DoneBy = None,
) -> None:
    """Erase a user: account closed, names replaced by a pseudonym everywhere, figures kept."""
    django_setup()
    from pac.web.privacy.erasure import erase_person
    from pac.web.privacy.models import Erasure

    def run() -> Erasure:
        return erase_person(
            username=username, done_by=_admin(by), requested_by=requested_by, request_ref=ref, via=Erasure.CLI
        )

    _report(_erased(run))


@erase_app.command("contact")
def erase_contact_command(
    contact: Annotated[str, typer.Argument(help="The contact's e-mail address or id (CRM id or plan id).")],
    team: Annotated[
        str | None, typer.Option(help="The team whose contact it is (needed when several teams have it).")
    ] = None,
    requested_by: RequestedBy = "subject",
    ref: RequestRef = "",
    by: DoneBy = None,
) -> None:
    """Erase a contact: name and e-mail blanked in the team's CRM data and plans."""
    django_setup()
    from pac.web.accounts.models import Team
    from pac.web.privacy.erasure import contact_teams, erase_contact
    from pac.web.privacy.models import Erasure

    if team is None:
        found = contact_teams(contact)
        if len(found) > 1:
            err.print(
                _("Several teams have the contact {contact}: {teams}. Give --team.").format(
                    contact=contact, teams=", ".join(t.name for t in found)
                ),
                markup=False,
                highlight=False,
            )
            raise typer.Exit(2)
        if not found:
            err.print(_("No team has the contact {contact}.").format(contact=contact), markup=False, highlight=False)
            raise typer.Exit(2)
        row = found[0]
    else:
        row = Team.objects.filter(name=team).first()
        if row is None:
            err.print(_("No team named {team}.").format(team=team))
            raise typer.Exit(2)

    def run() -> Erasure:
        return erase_contact(
            team=row, contact=contact, done_by=_admin(by), requested_by=requested_by, request_ref=ref, via=Erasure.CLI
        )

    _report(_erased(run))


def _admin(username: str | None) -> User | None:
    if username is None:
        return None
    from pac.web.accounts.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        err.print(_("No active user named {name}.").format(name=username))
        raise typer.Exit(2)
    return user


def _erased(run: Callable[[], Erasure]) -> Erasure:
    from django.core.exceptions import ValidationError

    try:
        return run()
    except ValidationError as error:
        for message in error.messages:
            err.print(message, markup=False, highlight=False)
        raise typer.Exit(2) from None


def _report(erasure: Erasure) -> None:
    from pac.web.privacy.tables import LABELS

    fmt = Formatter(cli_language(), "EUR")
    out.print(_("Erased (no. {number}): {rows} rows changed.").format(number=erasure.pk, rows=fmt.number(erasure.rows)))
    for table, rows in erasure.counts.items():
        line = _("{table}: {rows}").format(table=_(LABELS.get(table, table)), rows=fmt.number(rows))
        out.print(f"  {line}", markup=False, highlight=False)


def backup_command(
    target: Annotated[Path, typer.Argument(help="The backup file to write.", dir_okay=False)],
) -> None:
    """Back up the database to one file (SQLite's online backup, or pg_dump), while the app runs."""
    django_setup()
    from pac.web.privacy.backup import KIND_LABELS, BackupError, backup

    try:
        done = backup(target)
    except BackupError as error:
        err.print(str(error), markup=False, highlight=False)
        raise typer.Exit(2) from None
    fmt = Formatter(cli_language(), "EUR")
    out.print(
        _("{path}: {kind} backup, {size} bytes.").format(
            path=done.path, kind=KIND_LABELS[done.kind], size=fmt.number(done.size)
        ),
        markup=False,
        highlight=False,
    )


def restore_command(
    source: Annotated[Path, typer.Argument(help="A file written by pac backup.", dir_okay=False)],
    yes: Annotated[bool, typer.Option("--yes", help="Yes, replace the database with the backup.")] = False,
) -> None:
    """Replace the database with a backup (of the same kind of database). Needs --yes."""
    django_setup()
    from pac.web.privacy.backup import BackupError, file_kind, restore

    if not yes:
        kind = file_kind(source) if source.is_file() else None
        if kind is None:
            err.print(_("{path} is not a PAC backup.").format(path=source), markup=False, highlight=False)
        else:
            err.print(
                _("This replaces everything in the database with {path}: run again with --yes.").format(path=source),
                markup=False,
                highlight=False,
            )
        raise typer.Exit(2)
    try:
        restore(source)
    except BackupError as error:
        err.print(str(error), markup=False, highlight=False)
        raise typer.Exit(2) from None
    out.print(
        _("Restored from {path}. Run pac migrate if this PAC is newer than the backup.").format(path=source),
        markup=False,
        highlight=False,
    )
