"""Open an import file — CSV or XLSX, told apart by their first bytes — as a ``Table``."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from pac.io.crm.csv_table import read_csv_table
from pac.io.crm.problems import ImportFailed, Problem, Reason, gettext_noop
from pac.io.crm.table import Table
from pac.io.crm.xlsx_table import read_xlsx_table

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary .xls


def read_table(stream: BinaryIO, name: str, on_problem: Callable[[Problem], None]) -> Table:
    stream.seek(0)
    magic = stream.read(4)
    stream.seek(0)
    if magic == ZIP_MAGIC:
        return read_xlsx_table(stream, name, on_problem)
    if magic == OLE_MAGIC:
        raise ImportFailed(
            Problem(
                name,
                None,
                "",
                "",
                Reason(gettext_noop("an old Excel .xls workbook: save it as .xlsx or as CSV UTF-8")),
                code="xls",
            )
        )
    if not magic:
        raise ImportFailed(
            Problem(
                name, 1, "", "", Reason(gettext_noop("the file is empty: a header line is expected")), code="empty_file"
            )
        )
    return read_csv_table(stream, name, on_problem)


@contextmanager
def seekable(source: Path | BinaryIO) -> Iterator[BinaryIO]:
    """The source as a seekable binary stream (it may be read twice); a pipe is spooled to disk."""
    if isinstance(source, Path):
        with source.open("rb") as stream:
            yield stream
        return
    if source.seekable():
        yield source
        return
    with tempfile.TemporaryFile() as spool:
        shutil.copyfileobj(source, spool, length=1 << 20)
        spool.seek(0)
        yield spool


def source_name(source: Path | BinaryIO, name: str | None) -> str:
    """The file name shown in problems: the one given, else the path's or the stream's own name."""
    if name:
        return name
    if isinstance(source, Path):
        return source.name
    raw = getattr(source, "name", "")
    return Path(raw).name if isinstance(raw, str) and raw else "import"
