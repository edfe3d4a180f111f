"""A CSV export read row by row: header, delimiter (``,`` ``;`` or tab), decimal separator hint.

Rows come as ``(line, cells)`` with the line where the row starts (the header is line 1,
or 2 after an Excel ``sep=;`` line); blank rows are skipped; memory stays flat whatever the size.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

from pac.io.crm.encoding import Encoding, detect_encoding
from pac.io.crm.limits import CELL_TOO_LONG, MAX_CELL_CHARS, MAX_COLUMNS, TOO_WIDE
from pac.io.crm.problems import ImportFailed, Problem, Reason, gettext_noop
from pac.io.crm.table import Table, header_names
from pac.io.crm.values import Decimal_

DELIMITERS = (",", ";", "\t")
_EMPTY = gettext_noop("the file is empty: a header line is expected")
_QUOTED = re.compile(r'"[^"]*"')
_SEP_LINE = re.compile(r"^\ufeff?sep=(.)\s*$", re.IGNORECASE)
#: The csv module's own limit: a cell up to this is read, then refused with its column if longer than
#: ``MAX_CELL_CHARS``; a longer one stops the reader on its line (its line is in memory already).
csv.field_size_limit(8 * MAX_CELL_CHARS)


def read_csv_table(stream: BinaryIO, name: str, on_problem: Callable[[Problem], None]) -> Table:
    """Open the CSV in ``stream`` (seekable, binary). Raises ``ImportFailed`` when it cannot be read."""
    encoding = detect_encoding(stream, name)
    text = decoded_lines(stream, encoding)
    first = next(text, "")
    header_line = 1
    declared = _SEP_LINE.match(first.rstrip("\r\n"))
    if declared:
        delimiter = declared[1]
        first = next(text, "")
        header_line = 2
    else:
        delimiter = detect_delimiter(first)
    if not first.strip():
        raise ImportFailed(Problem(name, header_line, "", "", Reason(_EMPTY), code="empty_file"))
    reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
    try:
        header = header_names(next(reader))
    except csv.Error as error:
        reason = _csv_reason(error, gettext_noop("unreadable header: {error}"))
        raise ImportFailed(Problem(name, header_line, "", "", reason, code="csv")) from None
    if len(header) > MAX_COLUMNS:
        reason = Reason(TOO_WIDE, limit=MAX_COLUMNS)
        raise ImportFailed(Problem(name, header_line, "", "", reason, code="too_wide"))
    decimal: Decimal_ = "," if delimiter == ";" else "."
    return Table(
        name,
        header,
        header_line,
        decimal,
        _rows(reader, header, header_line, name, on_problem),
        delimiter=delimiter,
        encoding=encoding,
    )


def detect_delimiter(header_line: str) -> str:
    """The delimiter that occurs most in the header line, outside quotes (``,`` when none does)."""
    bare = _QUOTED.sub("", header_line)
    counts = {delimiter: bare.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def decoded_lines(stream: BinaryIO, encoding: Encoding) -> Iterator[str]:
    """The file's lines as text, line endings kept (what ``csv`` wants); the BOM dropped."""
    stream.seek(0)
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    for number, raw in enumerate(stream):
        line = raw.decode(codec)
        yield line.removeprefix("\ufeff") if number == 0 else line


def _csv_reason(error: csv.Error, template: str) -> Reason:
    """The reader's complaint in words: a cell beyond ``MAX_CELL_CHARS`` is named as such."""
    if "field larger than field limit" in str(error):
        return Reason(CELL_TOO_LONG, limit=MAX_CELL_CHARS)
    return Reason(template, error=error)


def _rows(
    reader: Iterator[list[str]], header: list[str], header_line: int, name: str, on_problem: Callable[[Problem], None]
) -> Iterator[tuple[int, list[str]]]:
    width = len(header)
    line_num = header_line
    while True:
        start = line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            reason = _csv_reason(error, gettext_noop("unreadable CSV: {error}"))
            raise ImportFailed(Problem(name, start, "", "", reason, code="csv")) from None
        line_num = reader.line_num + header_line - 1  # type: ignore[attr-defined]
        if len(cells) > MAX_COLUMNS and any(cell.strip() for cell in cells[MAX_COLUMNS:]):
            reason = Reason(TOO_WIDE, limit=MAX_COLUMNS)
            raise ImportFailed(Problem(name, start, "", "", reason, code="too_wide"))
        joined = "".join(cells)
        if not joined.strip():
            continue
        if len(joined) > MAX_CELL_CHARS and max(map(len, cells)) > MAX_CELL_CHARS:
            at = next(i for i, cell in enumerate(cells) if len(cell) > MAX_CELL_CHARS)
            column = header[at] if at < width else ""
            reason = Reason(CELL_TOO_LONG, limit=MAX_CELL_CHARS)
            raise ImportFailed(Problem(name, start, column, cells[at], reason, code="cell_too_long"))
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            extra = next(cell for cell in cells[width:] if cell.strip())
            on_problem(
                Problem(
                    name,
                    start,
                    "",
                    extra,
                    Reason(
                        gettext_noop(
                            "{cells} cells for {width} columns: a value holding the separator should be in quotes"
                        ),
                        cells=len(cells),
                        width=width,
                    ),
                    code="extra_cells",
                )
            )
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        yield start, cells
