"""An XLSX's zip archive, opened with its bounds checked — so that a « zip bomb » is refused, not read.

An XLSX of 1 MB may hold XML that expands to 1 GiB; read as it is, that took the import worker past
5 GB. The archive is checked twice (``limits``): first on its directory, before anything is expanded
(how many parts, how large each says it is, against its compressed size, all of them together); then
while each part is read, since the directory can lie: the bytes really expanded are counted, part by
part and in all, and a run of text without a tag longer than a cell may be stops the reading at once.
The shared strings, which the reader keeps in memory, have a tighter bound.

``open_workbook`` gives openpyxl's read-only workbook on top of this archive; a bound broken raises
``ArchiveRefused`` (at opening, or later while the rows are streamed) with its reason.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from typing import IO, Any, BinaryIO

from pac.io.crm import limits
from pac.io.crm.problems import Reason, gettext_noop

_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_ROW = re.compile(rb'<row\b[^>]*?\sr="(\d{1,9})"')
_TOO_BIG = gettext_noop(
    "the workbook expands to more than {limit} MB once unzipped: split the export, or save it as CSV"
)
_BOMB = gettext_noop(
    "the part {part} of the workbook expands {ratio} times its compressed size (at most {limit}): "
    "this is not a spreadsheet export"
)
_LIED = gettext_noop("the part {part} of the workbook is larger than its archive says: the file is damaged")
_STRINGS = gettext_noop("the workbook's shared texts take more than {limit} MB: split the export, or save it as CSV")
_PARTS = gettext_noop("the workbook holds more than {limit} parts: this is not a spreadsheet export")


class ArchiveRefused(Exception):
    """A bound of ``limits`` is broken; ``reason`` says which, in the user's words; ``line`` the sheet's
    row being read then, when known."""

    def __init__(self, reason: Reason, line: int | None = None) -> None:
        self.reason, self.line = reason, line
        super().__init__(str(reason))


def _megabytes(size: int) -> int:
    return size // 1024**2


def check_directory(stream: BinaryIO) -> None:
    """The archive's own count of its parts, read from its end record before anything else (a directory
    of a million entries would take gigabytes to load). ``ArchiveRefused`` beyond ``MAX_XLSX_PARTS``."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    tail = min(size, _EOCD_SIZE + 0xFFFF)  # the end record, after a comment of up to 64 KiB
    stream.seek(size - tail)
    end = stream.read(tail)
    stream.seek(0)
    at = end.rfind(_EOCD)
    if at < 0 or len(end) - at < _EOCD_SIZE:
        return  # not a zip archive: the zip reader says so
    entries = struct.unpack("<H", end[at + 10 : at + 12])[0]
    if entries > limits.MAX_XLSX_PARTS:  # 0xFFFF (a ZIP64 archive, or more) included
        raise ArchiveRefused(Reason(_PARTS, limit=limits.MAX_XLSX_PARTS))


class BoundedZip(zipfile.ZipFile):
    """A zip archive whose directory is checked when opened and whose parts are metered when read."""

    def __init__(self, stream: BinaryIO) -> None:
        check_directory(stream)
        super().__init__(stream)
        self.expanded = 0  # bytes expanded so far, all parts together
        self.strings = False  # the shared strings are being read
        self.strings_read = 0
        infos = self.infolist()
        if len(infos) > limits.MAX_XLSX_PARTS:
            raise ArchiveRefused(Reason(_PARTS, limit=limits.MAX_XLSX_PARTS))
        if sum(info.file_size for info in infos) > limits.MAX_XLSX_EXPANDED:
            raise ArchiveRefused(Reason(_TOO_BIG, limit=_megabytes(limits.MAX_XLSX_EXPANDED)))
        for info in infos:
            _check_ratio(info, info.file_size)

    def open(
        self, name: str | zipfile.ZipInfo, mode: str = "r", pwd: bytes | None = None, *, force_zip64: bool = False
    ) -> IO[bytes]:
        handle = super().open(name, mode, pwd, force_zip64=force_zip64)  # type: ignore[arg-type]
        if mode != "r":
            return handle
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        return io.BufferedReader(_MeteredPart(handle, info, self), buffer_size=1 << 16)

    def count(self, info: zipfile.ZipInfo, read: int, total: int) -> None:
        """``read`` more bytes of ``info`` expanded (``total`` of it so far): every bound checked again."""
        self.expanded += read
        if total > info.file_size:
            raise ArchiveRefused(Reason(_LIED, part=info.filename))
        _check_ratio(info, total)
        if self.expanded > limits.MAX_XLSX_EXPANDED:
            raise ArchiveRefused(Reason(_TOO_BIG, limit=_megabytes(limits.MAX_XLSX_EXPANDED)))
        if self.strings:
            self.strings_read += read
            if self.strings_read > limits.MAX_XLSX_SHARED_STRINGS:
                raise ArchiveRefused(Reason(_STRINGS, limit=_megabytes(limits.MAX_XLSX_SHARED_STRINGS)))


def _check_ratio(info: zipfile.ZipInfo, expanded: int) -> None:
    if expanded > limits.RATIO_FREE and expanded > limits.MAX_XLSX_RATIO * max(info.compress_size, 1):
        ratio = expanded // max(info.compress_size, 1)
        raise ArchiveRefused(Reason(_BOMB, part=info.filename, ratio=ratio, limit=limits.MAX_XLSX_RATIO))


class _MeteredPart(io.RawIOBase):
    """One part as it is expanded: counted (``BoundedZip.count``), and its XML watched for a text
    without a tag longer than ``MAX_XML_TEXT_RUN`` bytes — a cell too long, refused before it is built."""

    def __init__(self, inner: IO[bytes], info: zipfile.ZipInfo, archive: BoundedZip) -> None:
        super().__init__()
        self._inner, self._info, self._archive = inner, info, archive
        self._total = 0
        self._run = 0  # bytes since the last "<"
        self._xml = info.filename.lower().endswith((".xml", ".rels"))
        self._tail = b""  # the end of the previous chunk, for a row tag cut in two
        self._line: int | None = None  # the last row tag's line

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self._total += size
        self._archive.count(self._info, size, self._total)
        if self._xml and size:
            self._watch(data)
        return size

    def _watch(self, data: bytes) -> None:
        window = self._tail + data
        at = window.rfind(b"<row")
        if at >= 0 and (row := _ROW.match(window, at)):
            self._line = int(row[1])
        self._tail = window[-64:]
        first = data.find(b"<")
        if first < 0:
            self._run += len(data)
        else:
            longest = max(self._run + first, _longest_run(data, first))
            self._run = len(data) - data.rfind(b"<") - 1
            self._run = max(self._run, 0)
            if longest > limits.MAX_XML_TEXT_RUN:
                raise ArchiveRefused(Reason(limits.CELL_TOO_LONG, limit=limits.MAX_CELL_CHARS), self._line)
        if self._run > limits.MAX_XML_TEXT_RUN:
            raise ArchiveRefused(Reason(limits.CELL_TOO_LONG, limit=limits.MAX_CELL_CHARS), self._line)

    def close(self) -> None:
        self._inner.close()
        super().close()


def _longest_run(data: bytes, first: int) -> int:
    """The longest stretch without ``<`` between the first and the last ``<`` of ``data`` (only a chunk
    longer than the bound can hold one beyond it)."""
    if len(data) <= limits.MAX_XML_TEXT_RUN:
        return 0
    return max(len(part) for part in data[first + 1 :].split(b"<")[:-1] or [b""])


def open_workbook(stream: BinaryIO) -> Any:
    """openpyxl's read-only workbook (values, not formulas) read through a ``BoundedZip``."""
    from openpyxl.reader.excel import ExcelReader  # type: ignore[import-untyped]  # only XLSX imports pay

    class _Reader(ExcelReader):  # type: ignore[misc]
        """openpyxl's reader on our archive; the shared strings read as such (their own bound)."""

        def __init__(self, archive: BoundedZip) -> None:
            self.archive, self.valid_files = archive, archive.namelist()
            self.read_only, self.keep_vba, self.data_only = True, False, True
            self.keep_links, self.rich_text = False, False
            self.shared_strings: list[Any] = []

        def read_strings(self) -> None:
            self.archive.strings = True
            try:
                super().read_strings()
            finally:
                self.archive.strings = False

    archive = BoundedZip(stream)
    reader = _Reader(archive)
    try:
        reader.read()
    except BaseException:
        archive.close()
        raise
    return reader.wb
