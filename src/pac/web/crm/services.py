"""The write path for CRM data: upsert canonical records by external id, all or nothing.

Records come from ``pac.io.crm`` (already typed and validated) or as mappings; they are staged in a
temporary table and merged in set-based SQL (``staging``), which decides what is created, updated or
unchanged; an opportunities import also records what it changes (``changes``). A dry run does all of it
inside a transaction that is then rolled back, so its counts are exactly what a real run does."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from pac.web.accounts.abilities import Ability, can, roles_with
from pac.web.accounts.models import Team, User
from pac.web.crm.changes import ChangeLog
from pac.web.crm.freshness import data_changed
from pac.web.crm.models import KINDS, ImportJob, Lead, Opportunity, OpportunityChange
from pac.web.crm.staging import Staging, merge_settings

logger = logging.getLogger(__name__)
#: Roles that may bring some CRM data into a team (``can_import`` says which kinds).
IMPORTER_ROLES = roles_with(Ability.IMPORT_CRM) | roles_with(Ability.IMPORT_LEADS)
#: The kinds of records ``Ability.IMPORT_LEADS`` lets import: marketing brings its leads (the MQLs).
LEAD_KINDS = frozenset({"leads"})
CHUNK = 2000


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    # what it changes in rows already there (``change_summary``), and leads it linked to their deal
    # (not compared: a dry run's counts equal the real run's, which reads no summary); ``held``: it would
    # update many rows, so it was counted, rolled back, and waits for a confirmation
    changes: dict[str, Any] = field(default_factory=dict, compare=False)
    held: bool = field(default=False, compare=False)

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def can_import(user: User, team: Team, kind: str | None = None) -> bool:
    """Whether ``user`` may import records of ``kind`` into ``team`` (any kind of theirs when None)."""
    if can(user, Ability.IMPORT_CRM, team):
        return True
    return (kind is None or kind in LEAD_KINDS) and can(user, Ability.IMPORT_LEADS, team)


def importable_kinds(user: User, team: Team) -> list[str]:
    """The kinds of records ``user`` may import into ``team``, in the order of ``KINDS``."""
    return [kind for kind in KINDS if can_import(user, team, kind)]


def can_confirm(user: User, job: ImportJob) -> bool:
    """Who may import for real a dry run's or a held import's file: the user who uploaded it, or a manager
    (an administrator) of the team — still allowed to import into it."""
    if not can_import(user, job.team, job.kind):
        return False
    return job.user_id == user.pk or can(user, Ability.CONFIRM_ANY_IMPORT, job.team)


def text_limits(kind: str) -> dict[str, int]:
    """The longest text each field of ``kind`` keeps (a file's check reports what would not fit)."""
    return {
        f.name: f.max_length
        for f in KINDS[kind]._meta.concrete_fields
        if isinstance(f, models.CharField) and f.max_length
    }


def _check_lengths(kind: str, rows: Sequence[Mapping[str, Any]]) -> None:
    limits = text_limits(kind)
    too_long = [
        f"{row['external_id']}.{name}"
        for row in rows
        for name, limit in limits.items()
        if isinstance(row.get(name), str) and len(row[name]) > limit
    ]
    if too_long:
        raise ValidationError(_("Values too long for: %(fields)s") % {"fields": ", ".join(too_long[:20])})


@transaction.atomic
def records_import(
    *, user: User, team: Team, kind: str, records: Iterable[Mapping[str, Any]], dry_run: bool = False, rejected: int = 0
) -> ImportCounts:
    """Create or update each record by (team, external_id). Fields a record does not carry keep
    their stored value, so a narrower export never blanks what a wider one brought; an id given twice
    keeps its last record. Every record carries the same fields."""
    require_importer(user, team, kind)
    model = KINDS[kind]
    fed: set[str] | None = None
    iterator, line = iter(records), 0
    with Staging(model, team, incremental=False, changes=change_log(kind, None)) as staging:
        while chunk := list(itertools.islice(iterator, CHUNK)):
            _check_lengths(kind, chunk)
            for record in chunk:
                if fed is None:
                    fed = set(record)
                    staging.fields(fed)
                if set(record) != fed:
                    raise ValueError(
                        f"record {record.get('external_id')!r} carries other fields than the first "
                        f"one ({', '.join(sorted(fed))})"
                    )
                line += 1
                staging.add_mapping(line, record)
        staging.keep_last()
        return _merge(staging, dry_run, rejected)


def staged_import(
    *,
    user: User,
    team: Team,
    kind: str,
    stage: Callable[[Staging], StagedFile],
    incremental: bool = True,
    dry_run: bool = False,
    job_id: int | None = None,
    hold_above: int | None = None,
) -> tuple[StagedFile, ImportCounts | None]:
    """Import a file whose records ``stage`` adds to the staging table while it checks them (merged
    as they come when ``incremental``); when its report has an error, nothing is written (counts None).
    ``job_id``: the background job the recorded changes of opportunities name. ``hold_above``: an import
    that would update at least that many stored rows is counted and rolled back like a dry run (``held``),
    so that someone says yes to what it changes before it does.

    All or nothing either way. SQLite, called outside a transaction (the background job, ``pac
    import``): the file is checked and staged without holding the database's one write lock, and merged
    in one short transaction at the end — a plan edit meanwhile waits for that merge at most. Otherwise
    (PostgreSQL, or inside a caller's transaction) the whole import is one transaction."""
    require_importer(user, team, kind)
    log = change_log(kind, job_id)
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with Staging(KINDS[kind], team, incremental=incremental, changes=log, deferred=True) as staging:
            staged = stage(staging)
            if not staged.ok:
                return staged, None
            staging.prepare()  # the changes to record, worked out before the lock
            with merge_settings():
                began = time.perf_counter()
                with transaction.atomic():  # BEGIN IMMEDIATE: the write lock, for the merge only
                    counts = _merge(staging, dry_run, staged.rejected, hold_above)
                logger.info("%s rows merged, write lock held %.2f s", staging.staged, time.perf_counter() - began)
            return staged, counts
    with transaction.atomic(), Staging(KINDS[kind], team, incremental=incremental, changes=log) as staging:
        staged = stage(staging)
        if not staged.ok:
            transaction.set_rollback(True)
            return staged, None
        return staged, _merge(staging, dry_run, staged.rejected, hold_above)


class StagedFile(Protocol):
    """What ``staged_import`` needs to know of a file once it is staged."""

    @property
    def ok(self) -> bool: ...

    @property
    def rejected(self) -> int: ...


def change_log(kind: str, job_id: int | None) -> ChangeLog | None:
    """How an import of ``kind`` records its changes: opportunities only (their stage, amount, expected
    close and outcome make the pipeline's history)."""
    return ChangeLog(job_id=job_id) if kind == "opportunities" else None


def require_importer(user: User, team: Team, kind: str) -> None:
    if not can_import(user, team, kind):
        raise PermissionDenied(
            _("Only the team's managers and administrators import CRM data; marketing imports its leads.")
        )


def _merge(staging: Staging, dry_run: bool, rejected: int, hold_above: int | None = None) -> ImportCounts:
    created, updated = staging.merge()
    linked = leads_link(staging.team, staging.model, staging.fed)
    data_changed(staging.team.pk)  # in the import's transaction: a rollback keeps the old stamp
    counts = ImportCounts(
        created=created, updated=updated, unchanged=staging.staged - created - updated, rejected=rejected
    )
    if linked:
        counts.changes["leads_linked"] = linked
    counts.held = not dry_run and hold_above is not None and updated >= hold_above
    if dry_run or counts.held:
        counts.changes.update(change_summary(staging, updated))
        transaction.set_rollback(True)
    return counts


def change_summary(staging: Staging, updated: int) -> dict[str, Any]:
    """What an import changes in rows already stored, read in its transaction before it is rolled back:
    the rows updated and, for opportunities, per tracked field, the deals whose value changed, among them
    those set to 0 or emptied — what a user must see before saying yes (``ChangeLog`` wrote them)."""
    summary: dict[str, Any] = {"rows": updated}
    log = staging.changes
    if log is None or not updated:
        return summary
    found = (
        OpportunityChange.objects.filter(team=staging.team, recorded=log.recorded)
        .exclude(old="")
        .values("field")
        .annotate(changed=Count("id"), cleared=Count("id", filter=Q(new="")), zero=Count("id", filter=Q(new="0.00")))
    )
    summary["fields"] = {
        row["field"]: {"changed": row["changed"], "zero": row["zero"], "cleared": row["cleared"]}
        for row in sorted(found, key=lambda row: row["field"])
    }
    return summary


def leads_link(team: Team, model: type[models.Model], fed: frozenset[str]) -> int:
    """Link each lead without an opportunity to the deal that names it (``Opportunity.lead``): the export
    of deals says which lead each came from (Olist's mql_id), the export of leads does not. Run after an
    import of either, whichever comes first; a lead's own link, when its export gives one, is kept."""
    if model not in (Opportunity, Lead) or (model is Opportunity and "lead" not in fed):
        return 0
    if model is Lead and not Opportunity.objects.filter(team=team).exclude(lead="").exists():
        return 0
    q = connection.ops.quote_name
    leads, deals = q(Lead._meta.db_table), q(Opportunity._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {leads} SET opportunity = deal.external_id FROM {deals} AS deal "
            f"WHERE {leads}.team_id = %s AND deal.team_id = %s AND deal.lead <> '' "
            f"AND deal.lead = {leads}.external_id AND {leads}.opportunity = ''",
            (team.pk, team.pk),
        )
        return max(cursor.rowcount, 0)
