"""Hand-made export files for the import tests, written the way a French Excel saves them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

WriteExport = Callable[..., Path]


@pytest.fixture
def write_export(tmp_path: Path) -> WriteExport:
    """``write_export("x.csv", header, *rows, delimiter=";", encoding="cp1252")`` → the file's path.

    Rows end in CRLF, as Excel writes them; cells holding the delimiter or a quote are quoted."""

    def write(
        name: str, header: Sequence[str], *rows: Sequence[str], delimiter: str = ";", encoding: str = "cp1252"
    ) -> Path:
        def cell(text: str) -> str:
            return f'"{text.replace(chr(34), chr(34) * 2)}"' if delimiter in text or '"' in text else text

        lines = [delimiter.join(cell(c) for c in line) for line in (header, *rows)]
        path = tmp_path / name
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
        return path

    return write
