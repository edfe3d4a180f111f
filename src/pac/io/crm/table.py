"""A file of rows, whatever its format: the header and a stream of ``(line, cells)``.

``cells`` is the row's texts in header order (at least as many as the header has columns; not yet
stripped): a list, not a dict, because building a dict per row cost a sixth of an import's time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pac.io.crm.values import Decimal_


@dataclass
class Table:
    name: str
    header: list[str]
    header_line: int
    decimal: Decimal_  # how to read an ambiguous "1,234": "," in a French (";") CSV, "." otherwise
    rows: Iterator[tuple[int, list[str]]]
    delimiter: str = ""
    encoding: str = ""


def header_names(cells: list[str]) -> list[str]:
    """Column titles, trimmed; a title met again gets `` (2)``, `` (3)``… so no cell is lost."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for cell in cells:
        title = cell.strip().removeprefix("\ufeff").strip()
        seen[title] = seen.get(title, 0) + 1
        names.append(title if seen[title] == 1 else f"{title} ({seen[title]})")
    return names
