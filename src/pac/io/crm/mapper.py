"""One row of the file → one canonical record, or the problems that keep it out.

The preset says which columns feed which field; this module finds them in the file's header (a
required one missing fails the whole file, on the header line), translates values, parses them by the
field's type and applies the reference spellings. It never raises for a bad cell: it reports it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from pac.io.crm.date_orders import DateOrders
from pac.io.crm.kinds import ALL_RECORD_TYPES, FieldSpec, Record, derived_id, field_specs
from pac.io.crm.limits import EXCEL_ERROR_CELL, NUL_IN_CELL
from pac.io.crm.presets import ANY_VALUE, Preset
from pac.io.crm.problems import ImportFailed, Problem, Reason, gettext_noop
from pac.io.crm.table import Table
from pac.io.crm.values import EXCEL_ERRORS, BadValue, DateOrder, parse_bool, parse_decimal, parse_moment

MAX_TEXT = 255
_MISSING: Any = object()  # a cache miss (None is a value)
_REQUIRED = gettext_noop("empty: {name} is required")
_TOO_LONG = gettext_noop("too long: {length} characters, at most {limit}")
_TOO_SMALL = gettext_noop("too small: at least {minimum}")
_TOO_LARGE = gettext_noop("too large: at most {maximum}")
_BAD_FORM = gettext_noop("not in the expected form")
_NOT_ALNUM = re.compile(r"[\W_]+")
Value = str | Decimal | dt.date | dt.datetime | bool | None


def column_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def spelling_key(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


#: Distinct cell texts remembered per field (their parsed value): exports repeat owners, stages, dates.
CACHE_PER_FIELD = 50_000
#: Integer digits a canonical amount holds (the tables keep 18 digits, 2 after the point).
MAX_INTEGER_DIGITS = 16


class RowMapper:
    """Turns the rows of one table into records. Built per pass: its caches assume the date order of
    each column is fixed while it reads (``DateOrders`` only settles it at the end of pass 1)."""

    def __init__(
        self, preset: Preset, table: Table, dates: DateOrders, limits: Mapping[str, int] | None = None
    ) -> None:
        self.preset = preset
        self.file = table.name
        self.kind = preset.kind
        self.specs = field_specs(preset.kind)
        self.record_type = ALL_RECORD_TYPES[preset.kind]
        self.decimal = preset.decimal or table.decimal
        self.dates = dates
        self.limits = dict(limits or {})
        self.header = table.header
        present = {column_key(name): name for name in reversed(table.header)}
        self.sources: dict[str, list[str]] = {}
        for source, target in preset.columns:
            if column_key(source) in present:
                self.sources.setdefault(target, []).append(present[column_key(source)])
        self.flags: tuple[str, str] | None = None
        if preset.outcome_flags and all(column_key(c) in present for c in preset.outcome_flags):
            won, closed = preset.outcome_flags
            self.flags = (present[column_key(won)], present[column_key(closed)])
        self.values = {f: {column_key(k): v for k, v in table_.items()} for f, table_ in preset.values.items()}
        self.spellings = {f: {spelling_key(s): s for s in spellings} for f, spellings in preset.spellings.items()}
        self._check_required(table)
        if derived_id(self.kind):  # an empty id is made from other fields, not an error
            self.specs["external_id"] = FieldSpec("external_id")
        fed = set(self.sources) | set(preset.constants) | {n for n, s in self.specs.items() if s.required}
        # the fields this file feeds (the others stay None): name, spec, columns (or () for a constant), parser
        self.plan = [
            (
                name,
                spec,
                ()
                if name in preset.constants or (name == "outcome" and self.flags)
                else tuple(self.sources.get(name, ())),
                self._parser(spec),
            )
            for name, spec in self.specs.items()
            if name in fed
        ]
        index = {name: i for i, name in enumerate(table.header)}
        # fields read from one column take the fast path (no row dict): plain text kept as written after
        # a length check, the others through a conversion remembered per distinct text
        direct = [(name, spec, sources[0], parse) for name, spec, sources, parse in self.plan if len(sources) == 1]
        self.plain = [
            (name, index[column], self._plain_limit(spec), column, spec.required)
            for name, spec, column, parse in direct
            if self._plain_limit(spec)
        ]
        self.converted = [
            (
                name,
                index[column],
                column,
                self._converter(spec, parse),
                spec.required,
                name in self.spellings,
                _code(spec),
            )
            for name, spec, column, parse in direct
            if not self._plain_limit(spec)
        ]
        self.derived = derived_id(self.kind)
        self.indirect = [entry for entry in self.plan if len(entry[2]) != 1]
        # rows the preset leaves out (a CRM's deleted deals): column, its index, the values that say so
        self.skip = [
            (column, index[column], {column_key(v) for v in skipped})
            for name, skipped in preset.skip.items()
            for column in self.sources.get(name, ())
        ]
        # the cells this file's fields read: a NUL or an Excel error there rejects the row (elsewhere it is
        # never read)
        used = {entry[1] for entry in self.plain} | {entry[1] for entry in self.converted}
        used |= {index[column] for entry in self.indirect for column in entry[2]}
        used |= {index[column] for column in self.flags or ()} | {entry[1] for entry in self.skip}
        self.watched = [(i, table.header[i]) for i in sorted(used)]

    def _check_required(self, table: Table) -> None:
        for name, spec in self.specs.items():
            if not spec.required or name in self.sources or name in self.preset.constants:
                continue
            if (name == "outcome" and self.flags) or (name == "external_id" and derived_id(self.kind)):
                continue
            wanted = self.preset.sources(name)
            found = ", ".join(repr(c) for c in table.header)
            if wanted:
                reason = Reason(
                    gettext_noop("required column missing: {expected} (for {name}); the columns found are: {found}"),
                    expected=" / ".join(repr(c) for c in wanted),
                    name=name,
                    found=found,
                )
            else:
                reason = Reason(
                    gettext_noop(
                        "required column missing: a column mapped to {name}; the columns found "
                        'are: {found}. Map one with --map "Column={name}"'
                    ),
                    name=name,
                    found=found,
                )
            raise ImportFailed(
                Problem(self.file, table.header_line, wanted[0] if wanted else name, "", reason, code="missing_column")
            )

    def columns(self) -> dict[str, str]:
        """Every field this file sets → the file column that feeds it (the first of its alternatives;
        the « Won » column for an outcome read from flags; ``""`` for a preset constant)."""
        columns = {f: sources[0] for f, sources in self.sources.items()}
        if self.flags:
            columns["outcome"] = self.flags[0]
        columns.update({f: "" for f in self.preset.constants})
        return columns

    def build(self, line: int, cells: list[str]) -> tuple[Record | None, list[Problem]]:
        """The record of one row (cells in header order), or None and the errors that keep it out — or
        None and one warning for a row the preset leaves out."""
        joined = "\x1f".join(cells)
        if "\x00" in joined or "#" in joined:  # seldom: then each cell read is looked at
            bad = self._bad_cells(line, cells)
            if bad:
                return None, bad
        for column, index, skipped in self.skip:
            text = cells[index].strip()
            if text and column_key(text) in skipped:
                return None, [
                    Problem(
                        self.file,
                        line,
                        column,
                        text,
                        Reason(
                            gettext_noop("{value}: row left out, as the export format says of this value"), value=text
                        ),
                        severity="warning",
                        code="skipped",
                    )
                ]
        problems: list[Problem] = []
        values: dict[str, Value] = {}
        for name, index, limit, column, required in self.plain:
            text = cells[index].strip()
            if text and len(text) <= limit:
                values[name] = text
            elif text:
                problems.append(
                    Problem(
                        self.file, line, column, text, Reason(_TOO_LONG, length=len(text), limit=limit), code="bad_text"
                    )
                )
            elif required:
                problems.append(Problem(self.file, line, column, text, Reason(_REQUIRED, name=name), code="required"))
        for name, index, column, convert, required, spelled, code in self.converted:
            text = cells[index].strip()
            try:
                value = convert(text, column, line) if text else None
            except BadValue as error:
                problems.append(Problem(self.file, line, column, text, error.reason, code=code))
                continue
            if value is None:
                if required:
                    problems.append(
                        Problem(self.file, line, column, text, Reason(_REQUIRED, name=name), code="required")
                    )
                continue
            if spelled and isinstance(value, str):
                value = self._spelling(name, column, value, line, problems)
            values[name] = value
        if self.indirect:
            self._build_indirect(line, dict(zip(self.header, map(str.strip, cells), strict=False)), values, problems)
        if self.derived:
            for name in self.derived:  # a moment of the id counts by its day, as it is stored
                moment = values.get(name)
                if isinstance(moment, dt.datetime):
                    values[name] = moment.date()
            if not values.get("external_id"):
                values["external_id"] = "|".join("" if values.get(f) is None else str(values[f]) for f in self.derived)
        if problems and any(p.severity == "error" for p in problems):
            return None, problems
        return self.record_type(**values), problems  # type: ignore[arg-type]

    def _bad_cells(self, line: int, cells: list[str]) -> list[Problem]:
        """A NUL character (no database keeps it: PostgreSQL refuses it, SQLite would keep it hidden) or an
        Excel error (``#DIV/0!``, ``#N/A``…) in a cell the import reads: the row is refused, the cell named."""
        problems = []
        for index, column in self.watched:
            text = cells[index].strip()
            if "\x00" in text:
                problems.append(Problem(self.file, line, column, text, Reason(NUL_IN_CELL), code="nul"))
            elif text in EXCEL_ERRORS:
                reason = Reason(EXCEL_ERROR_CELL, value=text)
                problems.append(Problem(self.file, line, column, text, reason, code="excel_error"))
        return problems

    def _build_indirect(
        self, line: int, row: Mapping[str, str], values: dict[str, Value], problems: list[Problem]
    ) -> None:
        """Fields fed by a constant, by the first non-empty of several columns, or by outcome flags."""
        for name, spec, _sources, parse in self.indirect:
            column, text = self._cell(name, row)
            if name == "outcome" and self.flags:
                column, text = self._flag_outcome(row, line, problems)
            try:
                if text and name in self.values:
                    text = self._translate(spec, text)
                value = parse(text, column, line) if text else None
            except BadValue as error:
                problems.append(Problem(self.file, line, column or name, text, error.reason, code=_code(spec)))
                continue
            if value is None and spec.required:
                problems.append(
                    Problem(self.file, line, column or name, text, Reason(_REQUIRED, name=name), code="required")
                )
            elif name in self.spellings and isinstance(value, str):
                value = self._spelling(name, column, value, line, problems)
            values[name] = value

    def _plain_limit(self, spec: FieldSpec) -> int:
        """The length limit of a field whose text is kept exactly as written, else 0."""
        if (
            spec.type != "text"
            or spec.pattern
            or spec.name in self.values
            or spec.name in self.spellings
            or spec.name == "currency"
        ):
            return 0
        return min(self.limits.get(spec.name, MAX_TEXT), MAX_TEXT)

    def _converter(self, spec: FieldSpec, parse: Callable[[str, str, int], Value]) -> Callable[[str, str, int], Value]:
        """Translate then parse a cell, remembering the result of each distinct text (a date is observed
        for the column's order the first time its text is met, which keeps the first line of each kind)."""
        translated = spec.name in self.values
        if not translated and spec.type in ("text", "decimal"):
            return parse  # cheaper to parse again than to remember: names and amounts seldom repeat
        cache: dict[str, Value] = {}

        def convert(text: str, column: str, line: int) -> Value:
            known: Value = cache.get(text, _MISSING)
            if known is not _MISSING:
                return known
            source = text
            if translated:
                text = self._translate(spec, text)
            value = parse(text, column, line) if text else None
            if len(cache) < CACHE_PER_FIELD:
                cache[source] = value
            return value

        return convert

    def _cell(self, name: str, row: Mapping[str, str]) -> tuple[str, str]:
        if name in self.preset.constants:
            return "", self.preset.constants[name]
        sources = self.sources.get(name, [])
        for column in sources:
            if row.get(column, ""):
                return column, row[column]
        return (sources[0] if sources else ""), ""

    def _flag_outcome(self, row: Mapping[str, str], line: int, problems: list[Problem]) -> tuple[str, str]:
        assert self.flags is not None
        won_column, closed_column = self.flags
        try:
            won = parse_bool(row.get(won_column, "") or "0")
            closed = parse_bool(row.get(closed_column, "") or "0")
        except BadValue as error:
            column = won_column if row.get(won_column) else closed_column
            problems.append(Problem(self.file, line, column, row.get(column, ""), error.reason, code="bad_bool"))
            return won_column, ""
        return won_column, "won" if won else "lost" if closed else "open"

    def _translate(self, spec: FieldSpec, text: str) -> str:
        table = self.values[spec.name]
        mapped = table.get(column_key(text), table.get(ANY_VALUE))
        if mapped is None and spec.type == "choice" and text.casefold() not in spec.choices:
            listed = ", ".join(sorted({k for k in self.preset.values[spec.name] if k != ANY_VALUE}))
            raise BadValue(
                gettext_noop(
                    'unknown {name} value: the mapped values are {listed} (add it with --values "{name}:{text}=…")'
                ),
                name=spec.name,
                listed=listed,
                text=text,
            )
        return text if mapped is None else mapped

    def _parser(self, spec: FieldSpec) -> Callable[[str, str, int], Value]:
        """How to read a non-empty cell of this field: (text, column, line) → value."""
        if spec.type == "choice":

            def choice(text: str, column: str, line: int) -> Value:
                if text.casefold() not in spec.choices:
                    raise BadValue(
                        gettext_noop("unknown {name}: expected one of {choices}"),
                        name=spec.name,
                        choices=", ".join(spec.choices),
                    )
                return text.casefold()

            return choice
        if spec.type == "decimal":
            digits = spec.digits or MAX_INTEGER_DIGITS

            def number(text: str, column: str, line: int) -> Value:
                value = parse_decimal(text, decimal=self.decimal)
                if value.adjusted() >= digits:
                    raise BadValue(
                        gettext_noop("too large: at most {digits} digits before the decimal point"), digits=digits
                    )
                if spec.minimum is not None and value < spec.minimum:
                    raise BadValue(spec.explain or _TOO_SMALL, minimum=spec.minimum, maximum=spec.maximum)
                if spec.maximum is not None and value > spec.maximum:
                    raise BadValue(spec.explain or _TOO_LARGE, minimum=spec.minimum, maximum=spec.maximum)
                return value

            return number
        if spec.type == "bool":
            return lambda text, column, line: parse_bool(text)
        if spec.type in ("moment", "date"):

            def moment(text: str, column: str, line: int) -> Value:
                self.dates.observe(column, line, text)
                value = _moment(text, self.dates.order(column))
                return value.date() if spec.type == "date" and isinstance(value, dt.datetime) else value

            return moment
        upper = spec.name == "currency"
        limit = min(self.limits.get(spec.name, MAX_TEXT), MAX_TEXT)
        form = re.compile(spec.pattern) if spec.pattern else None

        def plain(text: str, column: str, line: int) -> Value:
            if len(text) > limit:
                raise BadValue(_TOO_LONG, length=len(text), limit=limit)
            if form is not None and not form.fullmatch(text):
                raise BadValue(spec.explain or _BAD_FORM)
            return text.upper() if upper else text

        return plain

    def _spelling(self, name: str, column: str, text: str, line: int, problems: list[Problem]) -> str:
        reference = self.spellings[name].get(spelling_key(text))
        if reference is None or reference == text:
            return text
        problems.append(
            Problem(
                self.file,
                line,
                column,
                text,
                Reason(
                    gettext_noop("written '{reference}' in the reference list: imported as '{reference}'"),
                    reference=reference,
                ),
                severity="warning",
                code="spelling",
            )
        )
        return reference


@functools.lru_cache(maxsize=8192)
def _moment(text: str, order: DateOrder) -> dt.date | dt.datetime:
    """``parse_moment``, remembered: an export repeats the same dates over and over."""
    return parse_moment(text, order=order)


def _code(spec: FieldSpec) -> str:
    return {
        "decimal": "bad_number",
        "moment": "bad_date",
        "date": "bad_date",
        "bool": "bad_bool",
        "choice": "unknown_value",
    }.get(spec.type, "bad_text")
