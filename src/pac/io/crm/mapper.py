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

from pac.io.crm.date_orders import DateOrders
from pac.io.crm.kinds import RECORD_TYPES, FieldSpec, Record, derived_id, field_specs
from pac.io.crm.presets import ANY_VALUE, Preset
from pac.io.crm.problems import ImportFailed, Problem
from pac.io.crm.table import Table
from pac.io.crm.values import BadValue, DateOrder, parse_bool, parse_decimal, parse_moment

MAX_TEXT = 255
_NOT_ALNUM = re.compile(r"[\W_]+")
Value = str | Decimal | dt.date | dt.datetime | bool | None


def column_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def spelling_key(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


class RowMapper:
    def __init__(self, preset: Preset, table: Table, dates: DateOrders) -> None:
        self.preset = preset
        self.file = table.name
        self.kind = preset.kind
        self.specs = field_specs(preset.kind)
        self.record_type = RECORD_TYPES[preset.kind]
        self.decimal = preset.decimal or table.decimal
        self.dates = dates
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
        self.plan = [(name, spec, () if name in preset.constants or (name == "outcome" and self.flags)
                      else tuple(self.sources.get(name, ())), self._parser(spec))
                     for name, spec in self.specs.items() if name in fed]

    def _check_required(self, table: Table) -> None:
        for name, spec in self.specs.items():
            if not spec.required or name in self.sources or name in self.preset.constants:
                continue
            if (name == "outcome" and self.flags) or (name == "external_id" and derived_id(self.kind)):
                continue
            wanted = self.preset.sources(name)
            expected = " or ".join(repr(c) for c in wanted) if wanted else f"a column mapped to {name}"
            found = ", ".join(repr(c) for c in table.header)
            raise ImportFailed(Problem(
                self.file, table.header_line, wanted[0] if wanted else name, "",
                f"required column missing: {expected} (for {name}); the columns found are: {found}. "
                f"Map one with --map \"Column=external_id\"" if name == "external_id" else
                f"required column missing: {expected} (for {name}); the columns found are: {found}",
                code="missing_column"))

    def columns(self) -> dict[str, str]:
        """Every field this file sets → the file column that feeds it (the first of its alternatives;
        the « Won » column for an outcome read from flags; ``""`` for a preset constant)."""
        columns = {f: sources[0] for f, sources in self.sources.items()}
        if self.flags:
            columns["outcome"] = self.flags[0]
        columns.update({f: "" for f in self.preset.constants})
        return columns

    def build(self, line: int, row: Mapping[str, str]) -> tuple[Record | None, list[Problem]]:
        problems: list[Problem] = []
        values: dict[str, Value] = {}
        for name, spec, sources, parse in self.plan:
            column, text = (sources[0], row[sources[0]]) if len(sources) == 1 else self._cell(name, row)
            if name == "outcome" and self.flags:
                column, text = self._flag_outcome(row, line, problems)
            try:
                if text and name in self.values:
                    text = self._translate(spec, text)
                value = parse(text, column, line) if text else None
            except BadValue as error:
                problems.append(Problem(self.file, line, column or name, text, str(error), code=_code(spec)))
                continue
            if value is None and spec.required:
                problems.append(Problem(self.file, line, column or name, text, f"empty: {name} is required",
                                        code="required"))
            elif name in self.spellings and isinstance(value, str):
                value = self._spelling(name, column, value, line, problems)
            values[name] = value
        if derived_id(self.kind) and not values.get("external_id"):
            values["external_id"] = "|".join("" if values.get(f) is None else str(values[f])
                                             for f in derived_id(self.kind))
        if problems and any(p.severity == "error" for p in problems):
            return None, problems
        return self.record_type(**values), problems  # type: ignore[arg-type]

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
            problems.append(Problem(self.file, line, column, row.get(column, ""), str(error), code="bad_bool"))
            return won_column, ""
        return won_column, "won" if won else "lost" if closed else "open"

    def _translate(self, spec: FieldSpec, text: str) -> str:
        table = self.values[spec.name]
        mapped = table.get(column_key(text), table.get(ANY_VALUE))
        if mapped is None and spec.type == "choice" and text.casefold() not in spec.choices:
            listed = ", ".join(sorted({k for k in self.preset.values[spec.name] if k != ANY_VALUE}))
            raise BadValue(f"unknown {spec.name} value: the mapped values are {listed} "
                           f"(add it with --values \"{spec.name}:{text}=…\")")
        return text if mapped is None else mapped

    def _parser(self, spec: FieldSpec) -> Callable[[str, str, int], Value]:
        """How to read a non-empty cell of this field: (text, column, line) → value."""
        if spec.type == "choice":
            def choice(text: str, column: str, line: int) -> Value:
                if text.casefold() not in spec.choices:
                    raise BadValue(f"unknown {spec.name}: expected one of {', '.join(spec.choices)}")
                return text.casefold()
            return choice
        if spec.type == "decimal":
            return lambda text, column, line: parse_decimal(text, decimal=self.decimal)
        if spec.type == "bool":
            return lambda text, column, line: parse_bool(text)
        if spec.type in ("moment", "date"):
            def moment(text: str, column: str, line: int) -> Value:
                self.dates.observe(column, line, text)
                value = _moment(text, self.dates.order(column))
                return value.date() if spec.type == "date" and isinstance(value, dt.datetime) else value
            return moment
        upper = spec.name == "currency"

        def plain(text: str, column: str, line: int) -> Value:
            if len(text) > MAX_TEXT:
                raise BadValue(f"too long: {len(text)} characters, at most {MAX_TEXT}")
            return text.upper() if upper else text
        return plain

    def _spelling(self, name: str, column: str, text: str, line: int, problems: list[Problem]) -> str:
        reference = self.spellings[name].get(spelling_key(text))
        if reference is None or reference == text:
            return text
        problems.append(Problem(self.file, line, column, text,
                                f"written {reference!r} in the reference list: imported as {reference!r}",
                                severity="warning", code="spelling"))
        return reference


@functools.lru_cache(maxsize=8192)
def _moment(text: str, order: DateOrder) -> dt.date | dt.datetime:
    """``parse_moment``, remembered: an export repeats the same dates over and over."""
    return parse_moment(text, order=order)


def _code(spec: FieldSpec) -> str:
    return {"decimal": "bad_number", "moment": "bad_date", "date": "bad_date", "bool": "bad_bool",
            "choice": "unknown_value"}.get(spec.type, "bad_text")
