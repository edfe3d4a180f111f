"""An XLSX workbook read row by row (openpyxl in read-only mode: the sheet is streamed, not loaded).

The first worksheet is read; its first non-empty row is the header. Cells become the text a CSV would
hold — dates in ISO, numbers without grouping — so that one set of value parsers serves both formats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, BinaryIO

from pac.io.crm.problems import ImportFailed, Problem, Reason, gettext_noop
from pac.io.crm.table import Table, header_names


def read_xlsx_table(stream: BinaryIO, name: str, on_problem: Callable[[Problem], None]) -> Table:
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # only XLSX imports pay for it

    stream.seek(0)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken archive
        raise ImportFailed(
            Problem(
                name,
                None,
                "",
                "",
                Reason(gettext_noop("not a readable XLSX workbook ({error})"), error=error),
                code="xlsx",
            )
        ) from None
    sheet = workbook.worksheets[0]
    rows = enumerate(sheet.iter_rows(values_only=True), start=1)
    for line, cells in rows:
        texts = [cell_text(cell) for cell in cells]
        if any(texts):
            header = header_names(texts)
            return Table(name, header, line, ".", _rows(rows, header, workbook, name, on_problem))
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
            texts = [cell_text(cell) for cell in cells]
            if not any(texts):
                continue
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
