"""One import, end to end: check the file (``pac.io.crm``), then upsert its records (``services``).

Shared by ``pac import``, the web import page and the demo, so that they all import the same way."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pac.io.crm import ImportRead, Preset, Record, Report, read_import
from pac.web.accounts.models import Team, User
from pac.web.crm.services import ImportCounts, records_import


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


def _records(read: ImportRead, progress: Callable[[int], None] | None) -> Iterator[dict[str, Any]]:
    fields = set(read.columns) | {"external_id"}
    for record in read.records(progress=progress):
        yield record_values(record, fields)


def presets_file() -> Path:
    """Where the team's named presets live (saved by `pac import --save-preset`)."""
    from django.conf import settings

    return Path(settings.DATA_DIR) / "presets.yaml"


def saved_presets() -> dict[str, Preset]:
    from pac.io.crm import load_presets

    path = presets_file()
    return load_presets(path) if path.exists() else {}


def preset_save(*, name: str, kind: str, base: str | None, mapping: Mapping[str, str],
                values: Mapping[str, Mapping[str, str]]) -> Preset:
    """Keep a mapping under a name, so that next week's export is imported with ``--preset name``."""
    from pac.io.crm import customise, get_preset, save_presets

    known = saved_presets()
    preset = customise(get_preset(base, known) if base else None, kind, mapping=mapping, values=values, name=name)
    known[name] = preset
    presets_file().parent.mkdir(parents=True, exist_ok=True)
    save_presets(presets_file(), known.values())
    return preset


def import_file(*, user: User, team: Team, kind: str, source: Path | BinaryIO, preset: str | Preset | None = None,
                mapping: Mapping[str, str] | None = None, values: Mapping[str, Mapping[str, str]] | None = None,
                on_duplicate: str = "error", dry_run: bool = False, name: str | None = None,
                checked: Callable[[int], None] | None = None,
                written: Callable[[int], None] | None = None) -> ImportOutcome:
    """Check the whole file, then write all of it or nothing. ``checked``/``written`` report the rows
    done in each pass (for progress bars)."""
    with read_import(source, kind, preset=preset, mapping=dict(mapping or {}), values=values,
                     on_duplicate=on_duplicate, name=name, progress=checked, saved_presets=saved_presets()) as read:
        if not read.ok:
            return ImportOutcome(read.report, None, dry_run)
        counts = records_import(user=user, team=team, kind=kind, records=_records(read, written), dry_run=dry_run,
                                rejected=read.report.rows_rejected)
        return ImportOutcome(read.report, counts, dry_run)
