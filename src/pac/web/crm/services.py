"""The write path for CRM data: upsert canonical records by external id, all or nothing.

Records come from ``pac.io.crm`` (already typed and validated); this module only decides, per
chunk of records, what is created, updated or unchanged, and writes in bulk. A dry run does all of
it inside a transaction that is then rolled back, so its counts are exactly what a real run does."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from pac.engine.model import Role
from pac.web.accounts.models import Team, User
from pac.web.crm.models import KINDS

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
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected}


def can_import(user: User, team: Team) -> bool:
    return user.role in IMPORTER_ROLES and team.members.filter(pk=user.pk).exists()


def _check_lengths(model: type[models.Model], rows: list[Mapping[str, Any]]) -> None:
    limits = {f.name: f.max_length for f in model._meta.concrete_fields
              if isinstance(f, models.CharField) and f.max_length}
    too_long = [f"{row['external_id']}.{name}" for row in rows for name, limit in limits.items()
                if isinstance(row.get(name), str) and len(row[name]) > limit]
    if too_long:
        raise ValidationError(_("Values too long for: %(fields)s") % {"fields": ", ".join(too_long[:20])})


def _stored(model: type[models.Model], name: str, value: Any) -> Any:
    """What the column keeps for ``value``: text columns store no NULL but an empty string."""
    if value is None and isinstance(model._meta.get_field(name), models.CharField):
        return ""
    return value


@transaction.atomic
def records_import(*, user: User, team: Team, kind: str, records: Iterable[Mapping[str, Any]],
                   dry_run: bool = False, rejected: int = 0,
                   progress: Callable[[int], None] | None = None) -> ImportCounts:
    """Create or update each record by (team, external_id). Fields a record does not carry keep
    their stored value, so a narrower export never blanks what a wider one brought."""
    if not can_import(user, team):
        raise PermissionDenied(_("Only the team's managers, administrators and marketing may import CRM data."))
    model = KINDS[kind]
    counts = ImportCounts(rejected=rejected)
    done = 0
    iterator = iter(records)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        _check_lengths(model, chunk)
        existing = {row.external_id: row for row in
                    model.objects.filter(team=team, external_id__in=[r["external_id"] for r in chunk])}
        created, updated, changed_fields = [], [], set()
        for record in chunk:
            values = {k: _stored(model, k, v) for k, v in record.items() if k != "external_id"}
            row = existing.get(record["external_id"])
            if row is None:
                created.append(model(team=team, external_id=record["external_id"], **values))
                continue
            changes = {k: v for k, v in values.items() if getattr(row, k) != v}
            if changes:
                for name, value in changes.items():
                    setattr(row, name, value)
                changed_fields.update(changes)
                updated.append(row)
            else:
                counts.unchanged += 1
        model.objects.bulk_create(created, batch_size=500)
        if updated:
            model.objects.bulk_update(updated, sorted(changed_fields), batch_size=500)
        counts.created += len(created)
        counts.updated += len(updated)
        done += len(chunk)
        if progress is not None:
            progress(done)
    if dry_run:
        transaction.set_rollback(True)
    return counts
