"""Everything of a team as one zip: per table a JSON file (``json/<table>.json``, an array of objects, the
values as typed) and a CSV file (``csv/<table>.csv``, UTF-8 with a BOM so that Excel reads the accents, text
that a spreadsheet would run as a formula neutralised), and ``manifest.json`` (format version, when, which
team, rows per table, the data's credit line).

Rows are read in chunks (``.iterator``) and written straight into the zip, which is given up piece by piece
as it is written (``TeamExport``): a team with millions of CRM rows is exported, and its download starts,
with the memory of one chunk; the CSV of a table goes through a temporary file meanwhile, since a zip is
written one member at a time."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Generator, Iterator
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


class TeamExport:
    """The team's zip as a stream of bytes (iterate it): the web sends each piece as soon as it is written,
    the command line writes it to a file. ``manifest`` is filled once the stream has ended."""

    def __init__(self, team: Team, *, progress: Progress | None = None) -> None:
        self.team, self.progress = team, progress
        self.manifest: dict[str, Any] = {}

    def __iter__(self) -> Iterator[bytes]:
        pipe = _Pipe()
        counts: dict[str, int] = {}
        with _snapshot(), zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in TABLES:
                counts[table.name] = yield from self._table(archive, table, pipe)
            presets = presets_file(self.team)
            if presets.exists():  # the team's saved CRM formats, as the import page keeps them
                archive.write(presets, "presets.yaml")
            self.manifest = {
                "format": "pac-team-export",
                "version": FORMAT_VERSION,
                "pac_version": __version__,
                "exported_at": timezone.now().isoformat(timespec="seconds"),
                "team": {"id": self.team.pk, "name": self.team.name},
                "credit": self.team.data_credit,
                "tables": counts,
                "files": {"json": "json/<table>.json", "csv": "csv/<table>.csv"},
            }
            archive.writestr("manifest.json", json.dumps(self.manifest, ensure_ascii=False, indent=2))
        yield pipe.take()  # the zip's directory, written when it closes

    def _table(self, archive: zipfile.ZipFile, table: Table, pipe: _Pipe) -> Generator[bytes, None, int]:
        """Write one table (JSON, then its CSV kept aside meanwhile), giving up what is written at each chunk
        of rows; return how many rows it has."""
        columns = table.columns()
        rows = 0
        with tempfile.SpooledTemporaryFile(max_size=CSV_IN_MEMORY, mode="w+b") as spool:
            text = io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(columns)
            # zip64 from the start: the zip is not seekable, and a table may pass 2 GiB
            with archive.open(f"json/{table.name}.json", "w", force_zip64=True) as member:
                out = io.TextIOWrapper(member, encoding="utf-8")
                out.write("[")
                for values in _rows(table, self.team, columns):
                    out.write(",\n" if rows else "\n")
                    out.write(json.dumps(dict(zip(columns, map(_json_value, values), strict=True)), ensure_ascii=False))
                    writer.writerow([_csv_value(v) for v in values])
                    rows += 1
                    if rows % CHUNK == 0:
                        if self.progress is not None:
                            self.progress(table.name, rows)
                        yield pipe.take()
                out.write("\n]\n" if rows else "]\n")
                out.flush()
                out.detach()
            text.flush()
            text.detach()
            spool.seek(0)
            with archive.open(f"csv/{table.name}.csv", "w", force_zip64=True) as member:
                while piece := spool.read(1024 * 1024):
                    member.write(piece)
                    yield pipe.take()
        if self.progress is not None:
            self.progress(table.name, rows)
        return rows


def export_team(team: Team, target: IO[bytes], *, progress: Progress | None = None) -> dict[str, Any]:
    """Write the team's zip into ``target`` (a file opened for binary writing); return its manifest."""
    export = TeamExport(team, progress=progress)
    for piece in export:
        target.write(piece)
    return export.manifest


class _Pipe(io.RawIOBase):
    """Where the zip writes: what is written waits here until taken. It cannot seek, so the zip puts each
    member's sizes after its data (as any streamed zip does)."""

    def __init__(self) -> None:
        super().__init__()
        self._pieces: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._pieces.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._pieces)
        self._pieces.clear()
        return data


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
