"""One import, end to end: check the file (``pac.io.crm``), then upsert its records (``services``).

Shared by ``pac import``, the web import page and the demo, so that they all import the same way."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pac.engine.kpis.reasons import WORDS
from pac.io.crm import BUILTIN_PRESETS, KINDS, ImportRead, Preset, Problem, Record, Report, read_import
from pac.io.crm.problems import Reason, gettext_noop
from pac.io.crm.tables import source_name
from pac.web.accounts.models import Team, User
from pac.web.crm.presets import saved_presets
from pac.web.crm.services import ImportCounts, staged_import, text_limits
from pac.web.crm.staging import Staging


@dataclass
class ImportOutcome:
    report: Report
    counts: ImportCounts | None  # None when the file was refused: nothing was written
    dry_run: bool


def record_values(record: Record, fields: set[str]) -> dict[str, Any]:
    """The record's values for the columns the file fed (others keep what the database has).
    Plain attribute reads: ``dataclasses.asdict`` deep-copies and cost a fifth of an import's time."""
    values = {}
    for item in dataclasses.fields(record):
        name = item.name
        if name == "external_id" or name in fields:
            value = getattr(record, name)
            values[name] = value.date() if isinstance(value, dt.datetime) else value
    return values


@dataclass
class _StagedRead:
    read: ImportRead

    @property
    def ok(self) -> bool:
        return self.read.ok

    @property
    def rejected(self) -> int:
        return self.read.report.rows_rejected


def _preset_problem(preset: str | Preset | None, kind: str, known: Mapping[str, Preset], file: str) -> Problem | None:
    """Why the format asked for cannot read ``kind`` — unknown (a team's format removed since the upload),
    or made for another kind — as the file's one problem; None when it can."""
    if not isinstance(preset, str):
        return None
    chosen = {**BUILTIN_PRESETS, **known}.get(preset)
    if chosen is None:
        reason = Reason(
            gettext_noop("no export format named {name} (removed since the upload?): pick another"), name=preset
        )
        return Problem(file, None, "", "", reason, code="preset")
    if chosen.kind != kind:
        reason = Reason.worded(
            gettext_noop("the export format {name} reads {its}, not {kind}: pick a format for {kind}"),
            ("its", "kind"),
            name=preset,
            its=WORDS["table"][chosen.kind],
            kind=WORDS["table"][kind],
        )
        return Problem(file, None, "", "", reason, code="preset")
    return None


def import_file(
    *,
    user: User,
    team: Team,
    kind: str,
    source: Path | BinaryIO,
    preset: str | Preset | None = None,
    mapping: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    on_duplicate: str = "error",
    dry_run: bool = False,
    name: str | None = None,
    checked: Callable[[int], None] | None = None,
    written: Callable[[int], None] | None = None,
    job_id: int | None = None,
    hold_above: int | None = None,
) -> ImportOutcome:
    """Check the whole file — its records written as they pass, in the import's transaction — and
    keep all of it or nothing. ``checked`` reports the rows read; ``written`` the records staged, once;
    ``job_id`` is the background job whose changes an opportunities import records; an import that would
    update ``hold_above`` stored rows or more writes nothing and says so (``ImportCounts.held``).
    ``ValueError`` for a kind that is no CRM table (a plan's target accounts have their own import)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of: {', '.join(KINDS)}")
    known = saved_presets(team)
    unusable = _preset_problem(preset, kind, known, name or source_name(source, None))
    if unusable is not None:  # a saved format removed or changed since the upload: refused, said, not raised
        report = Report(unusable.file)
        report.add(unusable)
        return ImportOutcome(report, None, dry_run)

    def stage(staging: Staging) -> _StagedRead:
        with read_import(
            source,
            kind,
            preset=preset,
            mapping=dict(mapping or {}),
            values=values,
            on_duplicate=on_duplicate,
            name=name,
            progress=checked,
            saved_presets=known,
            sink=staging,
            limits=text_limits(kind),
        ) as read:
            if read.ok and not read.streamed:  # a column's dates turned out month-first: read them again
                staging.restart()
                for line, record in enumerate(read.records(), start=1):
                    staging.add(line, record)
            if read.ok and on_duplicate == "last":
                staging.keep_last()
            if written is not None:
                written(staging.staged)
            return _StagedRead(read)

    # an id comes once (duplicates identical or refused) unless the last one wins: merge as they come
    staged, counts = staged_import(
        user=user,
        team=team,
        kind=kind,
        stage=stage,
        dry_run=dry_run,
        incremental=on_duplicate != "last",
        job_id=job_id,
        hold_above=hold_above,
    )
    return ImportOutcome(staged.read.report, counts, dry_run)
