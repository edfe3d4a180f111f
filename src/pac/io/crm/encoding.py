"""Which text encoding a CSV export is in: UTF-8, UTF-8 with a BOM, or Windows-1252 (French Excel).

The whole file is scanned line by line (bounded memory) before any row is read, so that a file that is
in none of these — or mixes two of them — fails at once with the line to look at, before anything is
imported. UTF-16 ("Unicode text" in Excel) and old ``.xls`` workbooks get their own advice.
"""

from __future__ import annotations

import codecs
from typing import BinaryIO, Literal

from pac.io.crm.problems import ImportFailed, Problem, Reason, gettext_noop

Encoding = Literal["utf-8", "utf-8-sig", "cp1252"]


def detect_encoding(stream: BinaryIO, name: str) -> Encoding:
    """Scan ``stream`` from its start; leave it at the start. Raises ``ImportFailed`` with the line."""
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        _fail(
            name,
            1,
            gettext_noop(
                "the file is in UTF-16 (Excel's « Unicode text »), not UTF-8 or Windows-1252: "
                "save it again from the spreadsheet as « CSV UTF-8 » and import that file"
            ),
        )
    bom = head.startswith(codecs.BOM_UTF8)
    if _all_utf8(stream):
        stream.seek(0)
        return "utf-8-sig" if bom else "utf-8"
    stream.seek(0)
    first_utf8: int | None = None  # first line with non-ASCII text that is valid UTF-8
    first_other: int | None = None  # first line that is not UTF-8 (read as Windows-1252)
    for number, raw in enumerate(stream, start=1):
        if raw.isascii():
            continue
        if b"\x00" in raw:
            _fail(
                name,
                number,
                gettext_noop(
                    "the file holds NUL bytes: it is not a text (CSV) file — save it again "
                    "from the spreadsheet as « CSV UTF-8 » and import that file"
                ),
            )
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            if bom:
                _fail(
                    name,
                    number,
                    gettext_noop(
                        "the file says it is UTF-8 (it starts with a BOM) but byte "
                        "0x{byte:02X} of line {line} is not UTF-8: save it again from the "
                        "spreadsheet as « CSV UTF-8 » and import that file"
                    ),
                    byte=raw[error.start],
                    line=number,
                )
            first_other = first_other or number
            try:
                raw.decode("cp1252")
            except UnicodeDecodeError as cp_error:
                _fail(
                    name,
                    number,
                    gettext_noop(
                        "the text is neither UTF-8 nor Windows-1252 (byte 0x{byte:02X} is "
                        "in neither): save it again from the spreadsheet as « CSV UTF-8 » "
                        "and import that file"
                    ),
                    byte=raw[cp_error.start],
                )
        else:
            first_utf8 = first_utf8 or number
        if first_utf8 is not None and first_other is not None:
            _fail(
                name,
                max(first_utf8, first_other),
                gettext_noop(
                    "the file mixes encodings: line {utf8} is UTF-8, line {other} is not — save it again from the "
                    "spreadsheet as « CSV UTF-8 » and import that file"
                ),
                utf8=first_utf8,
                other=first_other,
            )
    stream.seek(0)
    if bom:
        return "utf-8-sig"
    return "cp1252" if first_other is not None else "utf-8"


def _all_utf8(stream: BinaryIO) -> bool:
    """Whether the whole stream is UTF-8 without NUL, read in large blocks — the common case, checked
    fast; any doubt sends the caller to the line-by-line scan, which says where the problem is."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for block in iter(lambda: stream.read(1 << 20), b""):
            if b"\x00" in block:
                return False
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _fail(name: str, at: int, template: str, **values: object) -> None:
    raise ImportFailed(Problem(name, at, "", "", Reason(template, **values), code="encoding"))
