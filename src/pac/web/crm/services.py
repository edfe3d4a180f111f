"""The write path for CRM data: upsert canonical records by external id, all or nothing.

Records come from ``pac.io.crm`` (already typed and validated) or as mappings; they are staged in a
temporary table and merged in set-based SQL (``staging``), which decides what is created, updated or
unchanged; an opportunities import also records what it changes (``changes``). A dry run does all of it
inside a transaction that is then rolled back, so its counts are exactly what a real run does."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from pac.engine.model import Role
from pac.web.accounts.models import Team, User
from pac.web.crm.changes import ChangeLog
from pac.web.crm.freshness import data_changed
from pac.web.crm.models import KINDS
from pac.web.crm.staging import Staging

#: Roles that may bring CRM data into a team.
IMPORTER_ROLES = {Role.MANAGER.value, Role.ADMIN.value, Role.MARKETING.value}
CHUNK = 2000


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def can_import(user: User, team: Team) -> bool:
    return user.role in IMPORTER_ROLES and team.members.filter(pk=user.pk).exists()


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
    _require_importer(user, team)
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


@transaction.atomic
def staged_import(
    *,
    user: User,
    team: Team,
    kind: str,
    stage: Callable[[Staging], StagedFile],
    incremental: bool = True,
    dry_run: bool = False,
    job_id: int | None = None,
) -> tuple[StagedFile, ImportCounts | None]:
    """Import a file whose records ``stage`` adds to the staging table while it checks them (merged
    as they come when ``incremental``); when its report has an error, nothing is written (counts None).
    ``job_id``: the background job the recorded changes of opportunities name."""
    _require_importer(user, team)
    with Staging(KINDS[kind], team, incremental=incremental, changes=change_log(kind, job_id)) as staging:
        staged = stage(staging)
        if not staged.ok:
            transaction.set_rollback(True)
            return staged, None
        return staged, _merge(staging, dry_run, staged.rejected)


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


def _require_importer(user: User, team: Team) -> None:
    if not can_import(user, team):
        raise PermissionDenied(_("Only the team's managers, administrators and marketing may import CRM data."))


def _merge(staging: Staging, dry_run: bool, rejected: int) -> ImportCounts:
    created, updated = staging.merge()
    data_changed(staging.team.pk)  # in the import's transaction: a rollback keeps the old stamp
    counts = ImportCounts(
        created=created, updated=updated, unchanged=staging.staged - created - updated, rejected=rejected
    )
    if dry_run:
        transaction.set_rollback(True)
    return counts
