"""Everything of a team as one zip: per table a JSON file (``json/<table>.json``, an array of objects, the
values as typed) and a CSV file (``csv/<table>.csv``, UTF-8 with a BOM so that Excel reads the accents, text
that a spreadsheet would run as a formula neutralised), and ``manifest.json`` (format version, when, which
team, rows per table, the data's credit line).

Rows are read in chunks (``.iterator``) and written straight into the zip, so a team with millions of CRM
rows is exported with the memory of one chunk; the CSV of a table goes through a temporary file meanwhile,
since a zip is written one member at a time."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone

from pac import __version__
from pac.io.xlsx import safe_text
from pac.web.accounts.models import Team
from pac.web.crm.presets import presets_file
from pac.web.privacy.tables import TABLES, Table

FORMAT_VERSION = 1
CHUNK = 2000
#: A table's CSV stays in memory up to this size, then goes to a temporary file.
CSV_IN_MEMORY = 1024 * 1024

#: Told how many rows of which table are written so far (a progress bar).
Progress = Callable[[str, int], None]


def table_counts(team: Team) -> dict[str, int]:
    """How many rows of each table the export will hold (the page shows them, the CLI's bar totals them)."""
    return {table.name: table.queryset(team).count() for table in TABLES}


def export_team(team: Team, target: IO[bytes], *, progress: Progress | None = None) -> dict[str, Any]:
    """Write the team's zip into ``target`` (a file opened for binary writing); return its manifest."""
    counts: dict[str, int] = {}
    with _snapshot(), zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in TABLES:
            counts[table.name] = _write_table(archive, table, team, progress)
        presets = presets_file(team)
        if presets.exists():  # the team's saved CRM formats, as the import page keeps them
            archive.write(presets, "presets.yaml")
        manifest = {
            "format": "pac-team-export",
            "version": FORMAT_VERSION,
            "pac_version": __version__,
            "exported_at": timezone.now().isoformat(timespec="seconds"),
            "team": {"id": team.pk, "name": team.name},
            "credit": team.data_credit,
            "tables": counts,
            "files": {"json": "json/<table>.json", "csv": "csv/<table>.csv"},
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


@contextmanager
def _snapshot() -> Iterator[None]:
    """On PostgreSQL, every table read as it stood at the same moment (one repeatable-read transaction), so
    an import that ends during the export shows in all tables or none. On SQLite the tables are read one
    after the other: a transaction there takes the write lock, which would hold every import back."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _write_table(archive: zipfile.ZipFile, table: Table, team: Team, progress: Progress | None) -> int:
    columns = table.columns()
    rows = 0
    with tempfile.SpooledTemporaryFile(max_size=CSV_IN_MEMORY, mode="w+b") as spool:
        text = io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(columns)
        with archive.open(f"json/{table.name}.json", "w") as member:
            out = io.TextIOWrapper(member, encoding="utf-8")
            out.write("[")
            for values in _rows(table, team, columns):
                out.write(",\n" if rows else "\n")
                out.write(json.dumps(dict(zip(columns, map(_json_value, values), strict=True)), ensure_ascii=False))
                writer.writerow([_csv_value(v) for v in values])
                rows += 1
                if progress is not None and rows % CHUNK == 0:
                    progress(table.name, rows)
            out.write("\n]\n" if rows else "]\n")
            out.flush()
            out.detach()
        text.flush()
        text.detach()
        spool.seek(0)
        with archive.open(f"csv/{table.name}.csv", "w") as member:
            shutil.copyfileobj(spool, member, 1024 * 1024)
    if progress is not None:
        progress(table.name, rows)
    return rows


def _rows(table: Table, team: Team, columns: list[str]) -> Iterator[tuple[Any, ...]]:
    return table.queryset(team).values_list(*columns).iterator(chunk_size=CHUNK)


def _json_value(value: Any) -> Any:
    """A value as JSON holds it: exact decimals as text (``"1234.50"``), dates and times in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date
        return value.isoformat()
    return value


def _csv_value(value: Any) -> str:
    """A value as a CSV cell: empty for none, ``true``/``false``, JSON for lists and objects, and text that
    starts like a formula with a leading ``'`` (``pac.io.xlsx.safe_text``). Numbers are left as they are:
    ``-5`` is a number, not a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return safe_text(json.dumps(value, ensure_ascii=False))
    return safe_text(str(value))
