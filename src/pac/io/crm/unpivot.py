"""Wide exports read as long rows: one column per stage (HubSpot's « Date entered "<stage> (<pipeline>)" »)
becomes one row per stage a record entered.

Why here, before the mapper: the mapper turns one row into one record, and every check after it (types,
date orders, duplicates, the sink) works on records. Unpivoting the table keeps all of that unchanged:
each long row keeps its file line, carries the stage taken from the column title and the cell's text, and
names its wide column, so that a problem is located where the user sees it (``located``). A blank cell
is a stage the record never entered: no row.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence

from pac.io.crm.problems import ImportFailed, Problem, Reason, gettext_noop
from pac.io.crm.table import Table

#: The long table's columns, after the wide ones' neighbours: the name taken from the title, the cell's
#: text, and (hidden, last) the wide column's title.
UNPIVOT_NAME = "(stage, from the column title)"
UNPIVOT_VALUE = "(date, from the cell)"
_SOURCE = "\x00wide column"
#: Wide columns one file may have: a pipeline has a few dozen stages, an account a few pipelines.
MAX_WIDE_COLUMNS = 500


def compiled(patterns: Sequence[str]) -> list[re.Pattern[str]]:
    """The patterns of a preset, case-insensitive; ``ValueError`` for one without a ``name`` group."""
    found = [re.compile(pattern, re.IGNORECASE) for pattern in patterns]
    for pattern in found:
        if "name" not in pattern.groupindex:
            raise ValueError(f"unpivot pattern {pattern.pattern!r} has no (?P<name>…) group")
    return found


def wide_columns(header: Sequence[str], patterns: Sequence[str]) -> list[tuple[int, str]]:
    """The (index, name) of each column whose title matches one of ``patterns``, in file order."""
    matchers = compiled(patterns)
    found: list[tuple[int, str]] = []
    for index, title in enumerate(header):
        for matcher in matchers:
            match = matcher.fullmatch(title.strip())
            if match and match.group("name").strip():
                found.append((index, match.group("name").strip()))
                break
    return found


def unpivoted(table: Table, patterns: Sequence[str]) -> Table:
    """``table`` with its wide columns turned into rows: (other columns…, name, cell text, wide title) per
    non-blank cell. ``ImportFailed`` on the header line when no column matches, or too many do."""
    wide = wide_columns(table.header, patterns)
    if not wide or len(wide) > MAX_WIDE_COLUMNS:
        reason = (
            Reason(
                gettext_noop(
                    "no stage column: expected columns titled like {expected}; the columns found are: {found}"
                ),
                expected=" / ".join(repr(p) for p in patterns),
                found=", ".join(repr(c) for c in table.header),
            )
            if not wide
            else Reason(gettext_noop("too many stage columns: at most {limit}"), limit=MAX_WIDE_COLUMNS)
        )
        raise ImportFailed(Problem(table.name, table.header_line, "", "", reason, code="missing_column"))
    wide_indexes = {index for index, _ in wide}
    others = [i for i in range(len(table.header)) if i not in wide_indexes]
    titles = [(index, name, table.header[index]) for index, name in wide]

    def rows() -> Iterator[tuple[int, list[str]]]:
        for line, cells in table.rows:
            kept = [cells[i] for i in others]
            for index, name, title in titles:
                text = cells[index]
                if text.strip():
                    yield line, [*kept, name, text, title]

    return dataclasses.replace(
        table, header=[*(table.header[i] for i in others), UNPIVOT_NAME, UNPIVOT_VALUE, _SOURCE], rows=rows()
    )


def located(problems: list[Problem], cells: Sequence[str]) -> list[Problem]:
    """The problems of one long row, those about its name or cell placed in the wide column they come from."""
    if not problems:
        return problems
    title = cells[-1]
    return [
        dataclasses.replace(problem, column=title) if problem.column in (UNPIVOT_NAME, UNPIVOT_VALUE) else problem
        for problem in problems
    ]
