"""XLSX files written part by part, the way a tool other than Excel — or an attacker — may write them:
a sheet whose XML is given as chunks (a zip bomb: 1 GiB of one byte compresses to 1 MB), error cells,
a directory that lies about a part's size."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "{strings}</Types>"
)
STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Deals" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>{strings}</Relationships>'
)
STRINGS_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/>'
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = "</sheetData></worksheet>"
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>external_id</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>outcome</t></is></c><c r="C1" t="inlineStr"><is><t>amount</t></is></c></row>'
)


def cells_row(line: int, *cells: str) -> str:
    """A row of cells written as given (``<c …>…</c>``), numbered ``line``."""
    return f'<row r="{line}">{"".join(cells)}</row>'


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


@dataclass(frozen=True)
class Repeat:
    """``block`` written ``times`` over: compressed once, its compressed form repeated (a 1 GiB part in
    a second)."""

    block: bytes
    times: int


Chunk = bytes | str | Repeat


def write_xlsx(
    path: Path,
    sheet: Iterable[Chunk],
    *,
    strings: Iterable[Chunk] | None = None,
    declared: dict[str, int] | None = None,
) -> Path:
    """An XLSX whose first sheet's XML is the chunks of ``sheet`` (its shared strings, those of
    ``strings``), deflated part by part; ``declared`` gives a part the size its directory says instead of
    its own (a directory that lies)."""
    has_strings = strings is not None
    parts: list[tuple[str, Iterable[Chunk]]] = [
        ("[Content_Types].xml", [CONTENT_TYPES.format(strings=STRINGS_TYPE if has_strings else "")]),
        ("_rels/.rels", [ROOT_RELS]),
        ("xl/workbook.xml", [WORKBOOK]),
        ("xl/_rels/workbook.xml.rels", [WORKBOOK_RELS.format(strings=STRINGS_REL if has_strings else "")]),
        ("xl/worksheets/sheet1.xml", sheet),
    ]
    if strings is not None:
        parts.append(("xl/sharedStrings.xml", strings))
    directory = bytearray()
    with path.open("wb") as out:
        for name, chunks in parts:
            data, crc, size = _deflated(chunks)
            size = (declared or {}).get(name, size)
            encoded = name.encode()
            offset = out.tell()
            out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0))
            out.write(encoded)
            out.write(data)
            directory += struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            directory += encoded
        start = out.tell()
        out.write(directory)
        out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(directory), start, 0))
    return path


def _deflated(chunks: Iterable[Chunk]) -> tuple[bytes, int, int]:
    """The raw deflate stream of the chunks, their CRC-32 and their size."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    out, crc, size = bytearray(), 0, 0
    for chunk in chunks:
        if isinstance(chunk, Repeat):
            out += compressor.flush(zlib.Z_FULL_FLUSH)
            once = compressor.compress(chunk.block) + compressor.flush(zlib.Z_FULL_FLUSH)  # no reference back
            out += once * chunk.times
            for _ in range(chunk.times):
                crc = zlib.crc32(chunk.block, crc)
            size += len(chunk.block) * chunk.times
            continue
        raw = chunk.encode() if isinstance(chunk, str) else chunk
        out += compressor.compress(raw)
        crc = zlib.crc32(raw, crc)
        size += len(raw)
    out += compressor.flush()
    return bytes(out), crc, size


def bomb_sheet(size: int) -> Iterable[Chunk]:
    """A sheet whose second row's first cell holds ``size`` bytes of « A » (a multiple of 1 MiB)."""
    yield SHEET_START + HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>'
    yield Repeat(b"A" * (1 << 20), size >> 20)
    yield "</t></is></c></row>" + SHEET_END


def many_rows_sheet(rows: int) -> Iterable[Chunk]:
    """A sheet of ``rows`` rows of one short cell each."""
    yield SHEET_START + HEADER_ROW
    for start in range(2, rows + 2, 10_000):
        yield "".join(
            f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>D{n}</t></is></c></row>'
            for n in range(start, min(start + 10_000, rows + 2))
        )
    yield SHEET_END
