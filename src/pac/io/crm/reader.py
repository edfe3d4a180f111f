"""``read_import``: check a whole file, streaming its records as they pass — the one entry point.

Pass 1 (in ``read_import``) reads every row, builds and checks each record, indexes ids for
duplicates and fills the report; nothing is kept but counts, problems (bounded) and the id index.
Each accepted record also goes to the caller's ``sink`` as soon as it is checked, so that the caller
can stage it (in a temporary table, say) without reading the file again: when the report ends without
error and ``ImportRead.streamed`` is true, the sink has received the records to import — under
``on_duplicate="last"`` several per id, the one on the greatest line winning. The caller must not
publish them before the report is known (the import is all or nothing).

Pass 2 (``ImportRead.records``) reads the file again and yields the accepted records in file order, one
per id. It is needed without a sink, and when a date column turned out to be month-first after its
first dates were read day-first (``streamed`` is then false); for a kind whose id is made of its
fields (a cost, a stage entry), pass 1 is then run again with the orders known, so that its ids are right.
A wide export (``Preset.unpivot``) is read as one row per filled stage column (``unpivot``). When the
report has an error, ``records`` refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from pac.io.crm.builtin_presets import get_preset
from pac.io.crm.checks import FileChecks, record_warnings
from pac.io.crm.date_orders import DateOrders
from pac.io.crm.duplicates import DuplicateIndex, OnDuplicate, fingerprint
from pac.io.crm.kinds import ALL_KINDS, Record, derived_id
from pac.io.crm.limits import MAX_ROWS
from pac.io.crm.mapper import RowMapper
from pac.io.crm.presets import Preset, customise
from pac.io.crm.problems import ImportFailed, Problem, Reason, Report, gettext_noop
from pac.io.crm.tables import read_table, seekable, source_name
from pac.io.crm.unpivot import located, unpivoted
from pac.io.crm.values import DateOrder

Progress = Callable[[int], None]


class Sink(Protocol):
    """Where accepted records go while the file is checked (see the module doc)."""

    def fields(self, names: frozenset[str]) -> None:
        """The fields this file sets (records hold None for the others): told once, before any record."""

    def add(self, line: int, record: Record) -> None:
        """One accepted record, from ``line``."""


PROGRESS_EVERY = 1000


class ImportRejected(ValueError):
    """Records were asked for although the report has errors."""


@dataclass
class ImportRead:
    """The outcome of pass 1: the report, the preset as applied, and the way to the records."""

    kind: str
    preset: Preset
    report: Report
    columns: dict[str, str] = field(default_factory=dict)  # every field the file sets → its column ("" constant)
    header: list[str] = field(default_factory=list)  # the file's column titles (``table.header_names``)
    header_line: int = 1
    delimiter: str = ""
    encoding: str = ""
    streamed: bool = False  # the sink received the final records (no second pass needed)
    limits: Mapping[str, int] = field(default_factory=dict)  # field → longest text the store keeps
    _source: Path | BinaryIO | None = None
    _dates: DateOrders | None = None
    _index: DuplicateIndex | None = None
    _stack: ExitStack = field(default_factory=ExitStack)

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def fields(self) -> frozenset[str]:
        """The fields this file sets (its records hold None for the others: leave those as they are)."""
        return frozenset(self.columns) | {"external_id"}

    def records(self, *, progress: Progress | None = None) -> Iterator[Record]:
        """The accepted records, in file order, one per id (pass 2). ``ImportRejected`` on errors."""
        if not self.report.ok or self._source is None or self._dates is None or self._index is None:
            raise ImportRejected(f"{self.report.file}: {self.report.error_count} error(s); nothing to import")
        with seekable(self._source) as stream:
            table = read_table(stream, self.report.file, lambda problem: None)
            if self.preset.unpivot:
                table = unpivoted(table, self.preset.unpivot)
            mapper = RowMapper(self.preset, table, self._dates, self.limits)
            count = 0
            for count, (line, row) in enumerate(table.rows, start=1):
                record, _ = mapper.build(line, row)
                if record is not None and self._index.is_winner(record.external_id, line):
                    yield record
                if progress and count % PROGRESS_EVERY == 0:
                    progress(count)
            if progress:
                progress(count)

    def chunks(self, size: int = 1000, *, progress: Progress | None = None) -> Iterator[list[Record]]:
        """``records`` in lists of ``size`` — one upsert statement each."""
        chunk: list[Record] = []
        for record in self.records(progress=progress):
            chunk.append(record)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> ImportRead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_import(
    source: Path | BinaryIO,
    kind: str,
    *,
    preset: str | Preset | None = None,
    mapping: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    values: Mapping[str, Mapping[str, str]] | None = None,
    on_duplicate: str = "error",
    date_order: DateOrder | None = None,
    saved_presets: Mapping[str, Preset] | None = None,
    name: str | None = None,
    progress: Progress | None = None,
    sink: Sink | None = None,
    limits: Mapping[str, int] | None = None,
    max_rows: int | None = None,
) -> ImportRead:
    """Check ``source`` (a CSV or XLSX file, by path or binary stream) as ``kind`` records.

    ``preset`` is a preset name (built in or in ``saved_presets``), a ``Preset``, or None for columns
    named as the canonical fields; ``mapping`` (source column → field) and ``values`` (field → {source
    value → value}) go on top. ``progress`` is called with the number of rows read, every 1 000 rows;
    ``sink`` receives each accepted record (see the module doc); ``limits`` gives the
    longest text each field may hold, when the store keeps less than 255 characters; a file of more
    than ``max_rows`` data rows is refused at the first row beyond.
    Raises ``ValueError`` for a wrong kind, preset or option; a bad file is reported, never raised.
    Whatever ``max_rows`` says, a file has at most ``limits.MAX_ROWS`` data rows."""
    max_rows = MAX_ROWS if max_rows is None else min(max_rows, MAX_ROWS)
    if kind not in ALL_KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of: {', '.join(ALL_KINDS)}")
    policies: dict[str, OnDuplicate] = {"error": "error", "last": "last"}
    if on_duplicate not in policies:
        raise ValueError(f"on_duplicate is 'error' or 'last', not {on_duplicate!r}")
    base = get_preset(preset, dict(saved_presets or {})) if isinstance(preset, str) else preset
    applied = customise(base, kind, mapping=mapping, values=values, date_order=date_order)
    report = Report(source_name(source, name))
    read = ImportRead(kind, applied, report, limits=dict(limits or {}), _source=source)
    if not isinstance(source, Path) and not source.seekable():
        read._source = read._stack.enter_context(seekable(source))
    try:
        _check(read, policies[on_duplicate], progress, sink, max_rows)
        if derived_id(kind) and read._dates is not None and read._dates.decided:
            # ids were made of dates read in the preset's order, and a column turned out the other way:
            # check again with the orders known, so that duplicates are told by the right ids (and the
            # records read again, by the caller, from pass 2)
            read.report = Report(report.file)
            known = DateOrders(read.preset.date_order, decided=dict(read._dates.decided))
            _check(read, policies[on_duplicate], None, None, max_rows, known)
    except ImportFailed as failure:
        read.report.add(failure.problem)
    return read


def _check(
    read: ImportRead,
    on_duplicate: OnDuplicate,
    progress: Progress | None,
    sink: Sink | None,
    max_rows: int | None,
    dates: DateOrders | None = None,
) -> None:
    assert read._source is not None
    report = read.report
    dates = dates or DateOrders(read.preset.date_order)
    index = DuplicateIndex(on_duplicate)
    checks = FileChecks()
    lines: dict[str, int] = {}  # id → line of its first row, for merged-row warnings (only duplicated ids)
    with seekable(read._source) as stream:
        table = read_table(stream, report.file, report.add)
        read.header, read.header_line = table.header, table.header_line
        wide = bool(read.preset.unpivot)
        if wide:  # one row per stage column filled: rows_read counts those
            table = unpivoted(table, read.preset.unpivot)
        mapper = RowMapper(read.preset, table, dates, read.limits)
        read.columns, read.delimiter, read.encoding = mapper.columns(), table.delimiter, table.encoding
        id_column = read.columns.get("external_id", "external_id")
        if sink is not None:
            sink.fields(read.fields)
        for line, row in table.rows:
            report.rows_read += 1
            if max_rows is not None and report.rows_read > max_rows:
                report.rows_read -= 1
                reason = Reason(gettext_noop("too many rows: at most {limit} in one file"), limit=max_rows)
                raise ImportFailed(Problem(report.file, line, "", "", reason, code="too_many_rows"))
            record, problems = mapper.build(line, row)
            if wide:
                problems = located(problems, row)
            for problem in problems:
                report.add(problem)
            if record is None:
                if any(problem.severity == "error" for problem in problems):
                    report.rows_rejected += 1
                else:
                    report.rows_skipped += 1
            else:
                for warning in record_warnings(record, report.file, line, read.columns):
                    report.add(warning)
                seen = index.add(record.external_id, line, fingerprint(record))
                if seen == "same":
                    report.rows_merged += 1
                    first = lines.setdefault(record.external_id, index.first_line(record.external_id))
                    report.add(
                        Problem(
                            report.file,
                            line,
                            id_column,
                            record.external_id,
                            Reason(gettext_noop("same id and values as line {first}: merged"), first=first),
                            severity="warning",
                            code="duplicate_merged",
                        )
                    )
                else:
                    checks.observe(record)
                    if sink is not None and (seen == "new" or on_duplicate == "last"):
                        sink.add(line, record)
            if progress and report.rows_read % PROGRESS_EVERY == 0:
                progress(report.rows_read)
    if progress:
        progress(report.rows_read)
    if report.rows_read == 0:
        report.add(
            Problem(
                report.file,
                table.header_line,
                "",
                "",
                Reason(gettext_noop("no data rows: the file has a header line only")),
                code="no_rows",
            )
        )
    for problem in dates.settle(report.file):
        report.add(problem)
    for external_id, id_lines in index.conflicts.items():
        listed = ", ".join(str(n) for n in id_lines)
        if on_duplicate == "last":
            report.rows_merged += len(id_lines) - 1
            report.add(
                Problem(
                    report.file,
                    id_lines[-1],
                    id_column,
                    external_id,
                    Reason(
                        gettext_noop(
                            "id on lines {lines} with different values: the last one (line {last}) is imported"
                        ),
                        lines=listed,
                        last=id_lines[-1],
                    ),
                    severity="warning",
                    code="duplicate_last",
                )
            )
        else:
            report.rows_rejected += len(id_lines)
            report.add(
                Problem(
                    report.file,
                    id_lines[0],
                    id_column,
                    external_id,
                    Reason(
                        gettext_noop(
                            "id on lines {lines} with different values: keep one row per id, "
                            "or import with --on-duplicate last"
                        ),
                        lines=listed,
                    ),
                    code="duplicate_conflict",
                )
            )
    for warning in checks.warnings(report.file, read.columns):
        report.add(warning)
    read._dates, read._index = dates, index
    read.streamed = sink is not None and not dates.decided  # month-first columns: read again
