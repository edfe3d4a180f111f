"""How much of a file an import reads, and how much of a value a problem keeps — one place for the bounds.

A CRM export is read as a stream, so its size is bounded by the upload limit; these bounds are the
ones a file can break without being large: a cell of 200 MB, a row of a million cells, an XLSX of 1 MB
whose XML expands to 1 GiB (a « zip bomb »). Each is checked while the file is read, before the memory
it would take is taken, and refused with its place in the file.

A problem keeps a short excerpt of the value it is about (``excerpt``), so that the stored problems of
any refused file stay small whatever the file holds.
"""

from __future__ import annotations

from pac.io.messages import gettext_noop

#: The longest cell, in characters: the CSV reader's own limit (``csv.field_size_limit``'s default),
#: the same for an XLSX cell. A CRM text field keeps 255 at most; a long note keeps far less than this.
MAX_CELL_CHARS = 131_072
#: The most columns a file may have (a CRM export with every property has a few hundred).
MAX_COLUMNS = 1_000
#: The most data rows a file may have (Excel's own limit is 1 048 576 lines per sheet).
MAX_ROWS = 2_000_000
#: The last line of an XLSX sheet: Excel's limit; a sheet whose rows go beyond it was not written by Excel.
MAX_XLSX_LINE = 1_048_576

#: An XLSX is a zip archive of XML parts. Its parts may expand to this much in all (checked on the
#: archive's directory, then again while they are read, since a directory can lie)…
MAX_XLSX_EXPANDED = 2 * 1024**3
#: …each part at most this many times its compressed size (beyond ``RATIO_FREE`` bytes): real workbooks
#: stay under 30, a zip bomb is over 1 000 (Apache POI refuses beyond 100 too).
MAX_XLSX_RATIO = 100
RATIO_FREE = 1024**2
#: The shared strings are held in memory by the reader: their part is bounded more tightly.
MAX_XLSX_SHARED_STRINGS = 128 * 1024**2
#: Parts in the archive (a workbook has a few dozen).
MAX_XLSX_PARTS = 1_000
#: Bytes of XML without a tag (``<``) in a row: a text node longer than this holds a cell beyond
#: ``MAX_CELL_CHARS`` (8 bytes a character covers UTF-8 and XML's escapes).
MAX_XML_TEXT_RUN = 8 * MAX_CELL_CHARS

CELL_TOO_LONG = gettext_noop("a cell of more than {limit} characters: no CRM field holds that much")
TOO_WIDE = gettext_noop("too many columns: at most {limit} in one file")
EXCEL_ERROR_CELL = gettext_noop("an Excel error cell ({value}): correct its formula in the workbook, or empty it")
NUL_IN_CELL = gettext_noop("a NUL character (an invisible control byte) in the value: remove it from the export")

#: The characters of a value a problem keeps; beyond, « … » and the value's length are shown.
EXCERPT_CHARS = 80
#: The longest text a problem keeps in its reason's values (an error message, a list of columns).
REASON_VALUE_CHARS = 300


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> tuple[str, int]:
    """``text`` cut to ``limit`` characters (``…`` appended), NUL shown as ``␀``; and its full length when
    it was cut (0 when it was kept whole) — what a problem stores and shows of a cell."""
    length = len(text)
    cut = text if length <= limit else text[:limit] + "…"
    return cut.replace("\x00", "␀"), length if length > limit else 0
