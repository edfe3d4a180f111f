"""An XLSX workbook read row by row (openpyxl in read-only mode: the sheet is streamed, not loaded).

The first worksheet is read; its first non-empty row is the header. Cells become the text a CSV would
hold — dates in ISO, numbers without grouping — so that one set of value parsers serves both formats.
The archive is opened bounded (``xlsx_archive``: a zip bomb is refused), and so is the sheet (``limits``):
lines beyond Excel's last, rows wider than ``MAX_COLUMNS``, cells longer than ``MAX_CELL_CHARS`` — each
refused with its place. Whatever the reader raises on a broken sheet is said with the line it stopped at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, BinaryIO

from pac.io.crm.limits import CELL_TOO_LONG, EXCEL_ERROR_CELL, MAX_CELL_CHARS, MAX_COLUMNS, MAX_XLSX_LINE, TOO_WIDE
from pac.io.crm.problems import ImportFailed, Problem, Reason, gettext_noop
from pac.io.crm.table import Table, header_names
from pac.io.crm.values import EXCEL_ERRORS
from pac.io.crm.xlsx_archive import ArchiveRefused, open_workbook

_UNREADABLE = gettext_noop("not a readable XLSX workbook ({error})")
_BROKEN_ROW = gettext_noop("unreadable row in the workbook ({error})")
_TOO_FAR = gettext_noop("the sheet goes beyond line {limit}, Excel's last: the file was not saved by Excel")


def read_xlsx_table(stream: BinaryIO, name: str, on_problem: Callable[[Problem], None]) -> Table:
    stream.seek(0)
    try:
        workbook = open_workbook(stream)
    except ArchiveRefused as refused:
        raise ImportFailed(Problem(name, refused.line, "", "", refused.reason, code="xlsx_bounds")) from None
    except Exception as error:  # openpyxl raises many kinds for a broken archive
        raise ImportFailed(Problem(name, None, "", "", Reason(_UNREADABLE, error=error), code="xlsx")) from None
    try:
        if not workbook.worksheets:
            raise ImportFailed(Problem(name, None, "", "", Reason(_UNREADABLE, error="no worksheet"), code="xlsx"))
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # rows as long as their cells, whatever size the sheet says it has
        rows = _guarded(enumerate(sheet.iter_rows(values_only=True), start=1), name)
        for line, cells in rows:
            texts = [cell_text(cell) for cell in _width_checked(cells, name, line)]
            if any(texts):
                _check_lengths(name, line, texts, [])
                header = header_names(texts)
                return Table(name, header, line, ".", _rows(rows, header, workbook, name, on_problem))
    except BaseException:
        workbook.close()
        raise
    workbook.close()
    raise ImportFailed(
        Problem(
            name,
            1,
            "",
            "",
            Reason(gettext_noop("the workbook's first sheet is empty: a header line is expected")),
            code="empty_file",
        )
    )


def _guarded(rows: Iterator[tuple[int, tuple[Any, ...]]], name: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The sheet's rows; a broken bound or a broken row raised as ``ImportFailed`` at the line reached."""
    line = 0
    try:
        for line, cells in rows:
            if line > MAX_XLSX_LINE:
                raise ImportFailed(Problem(name, line, "", "", Reason(_TOO_FAR, limit=MAX_XLSX_LINE), code="too_far"))
            yield line, cells
    except ImportFailed:
        raise
    except ArchiveRefused as refused:
        at = refused.line or line + 1
        raise ImportFailed(Problem(name, at, "", "", refused.reason, code="xlsx_bounds")) from None
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, EOFError, OSError) as error:
        # openpyxl fails on a number cell holding « #DIV/0! » without the error type (some tools write so)
        value = next((code for code in EXCEL_ERRORS if code in str(error)), "")
        reason = Reason(EXCEL_ERROR_CELL, value=value) if value else Reason(_BROKEN_ROW, error=error)
        raise ImportFailed(
            Problem(name, line + 1, "", value, reason, code="excel_error" if value else "xlsx")
        ) from None


def _width_checked(cells: tuple[Any, ...], name: str, line: int) -> tuple[Any, ...]:
    """The row without the empty cells that end it beyond ``MAX_COLUMNS`` (a cell formatted far to the
    right); a filled cell there makes the row too wide, and the file is refused."""
    if len(cells) <= MAX_COLUMNS:
        return cells
    end = len(cells)
    while end > MAX_COLUMNS and (cells[end - 1] is None or cells[end - 1] == ""):
        end -= 1
    if end > MAX_COLUMNS:
        raise ImportFailed(Problem(name, line, "", "", Reason(TOO_WIDE, limit=MAX_COLUMNS), code="too_wide"))
    return cells[:end]


def _check_lengths(name: str, line: int, texts: list[str], titles: list[str]) -> None:
    """A cell longer than ``MAX_CELL_CHARS`` refuses the file, as the CSV reader does, with its place."""
    if max(map(len, texts), default=0) > MAX_CELL_CHARS:
        at = next(i for i, text in enumerate(texts) if len(text) > MAX_CELL_CHARS)
        column = titles[at] if at < len(titles) else ""
        reason = Reason(CELL_TOO_LONG, limit=MAX_CELL_CHARS)
        raise ImportFailed(Problem(name, line, column, texts[at], reason, code="cell_too_long"))


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


def _rows(
    rows: Iterator[tuple[int, tuple[Any, ...]]],
    header: list[str],
    workbook: Any,
    name: str,
    on_problem: Callable[[Problem], None],
) -> Iterator[tuple[int, list[str]]]:
    width = len(header)
    try:
        for line, cells in rows:
            texts = [cell_text(cell) for cell in _width_checked(cells, name, line)]
            if not any(texts):
                continue
            _check_lengths(name, line, texts, header)
            if any(texts[width:]):
                on_problem(
                    Problem(
                        name,
                        line,
                        "",
                        next(t for t in texts[width:] if t),
                        Reason(gettext_noop("a value in a column without a title")),
                        code="extra_cells",
                    )
                )
            texts += [""] * (width - len(texts))
            yield line, texts
    finally:
        workbook.close()
