"""Target accounts from a simple CSV file (the full CRM import comes later).

Reads what a French Excel writes as well as plain CSV: UTF-8 (with or without BOM) or Windows-1252,
``,`` ``;`` or tab separators, ``1 234,56`` or ``1234.56``, ``oui/non``. Every problem is reported
with its line, column, value and reason; the caller imports all rows or none.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pac.engine.model import Account, Stage

COLUMNS = {
    "id": {"id", "code", "identifiant", "external_id"},
    "name": {"name", "nom", "compte", "account"},
    "segment": {"segment", "cible"},
    "strategic": {"strategic", "stratégique", "strategique"},
    "potential": {"potential", "potentiel", "potential_value"},
    "icp_fit": {"icp_fit", "icp", "adéquation icp", "adequation icp"},
    "owner": {"owner", "responsable", "propriétaire", "proprietaire"},
    "stage": {"stage", "étape", "etape"},
}
TRUE = {"1", "true", "yes", "y", "oui", "o", "x", "vrai"}
FALSE = {"", "0", "false", "no", "n", "non", "faux"}
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAX_AMOUNT = Decimal(10) ** 14  # what the database keeps (16 digits, 2 after the point)
NAME_LENGTH = 200


@dataclass(frozen=True)
class CsvProblem:
    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        shown = f" {self.value!r}" if self.value else ""
        return f"{where}:{shown} {self.reason}"


class CsvError(ValueError):
    def __init__(self, source: str, problems: list[CsvProblem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


def decode(data: bytes, source: str = "accounts.csv") -> str:
    """UTF-8 (BOM or not), else Windows-1252 — what Excel on Windows writes."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CsvError(
            source, [CsvProblem(line, "", "", "not a text file in UTF-8 or Windows-1252: save it as CSV (UTF-8)")]
        ) from None


def parse_number(text: str) -> Decimal:
    cleaned = re.sub(r"[\s\u00a0\u202f€$£]", "", text)
    if "," in cleaned and "." in cleaned:
        cleaned = (
            cleaned.replace(".", "").replace(",", ".")
            if cleaned.rfind(",") > cleaned.rfind(".")
            else cleaned.replace(",", "")
        )
    else:
        cleaned = cleaned.replace(",", ".")
    return Decimal(cleaned)


def read_accounts(data: bytes, source: str = "accounts.csv") -> list[Account]:
    """Parse the file; raises ``CsvError`` listing every problem (nothing is returned half-read)."""
    text = decode(data, source)
    if not text.strip():
        raise CsvError(source, [CsvProblem(1, "", "", "the file is empty: a header line is expected")])
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment,unused-ignore]
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        return _read(reader, source)
    except csv.Error as error:
        raise CsvError(source, [CsvProblem(reader.line_num, "", "", f"unreadable CSV: {error}")]) from None


def _read(reader: Any, source: str) -> list[Account]:
    header = next(reader)
    mapping: dict[str, int] = {}
    problems: list[CsvProblem] = []
    for index, title in enumerate(header):
        key = next((k for k, names in COLUMNS.items() if title.strip().lower() in names), None)
        if key is None:
            problems.append(CsvProblem(1, title, "", "unknown column; expected: " + ", ".join(COLUMNS)))
        elif key in mapping:
            problems.append(CsvProblem(1, title, "", "this column appears twice"))
        else:
            mapping[key] = index
    for required in ("id", "name"):
        if required not in mapping:
            problems.append(CsvProblem(1, required, "", "required column missing"))
    if problems:
        raise CsvError(source, problems)
    accounts: list[Account] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        if any(cell.strip() for cell in row):
            accounts.append(_account(_Row(line, row, header, mapping, problems), seen))
    if problems:
        raise CsvError(source, problems)
    if not accounts:
        raise CsvError(source, [CsvProblem(2, "", "", "no account in the file")])
    return accounts


@dataclass
class _Row:
    """One data line, with the way to read its cells and to report a problem on them."""

    line: int
    cells: list[str]
    header: list[str]
    mapping: dict[str, int]
    problems: list[CsvProblem]

    def __call__(self, key: str) -> str:
        index = self.mapping.get(key)
        return self.cells[index].strip() if index is not None and index < len(self.cells) else ""

    def bad(self, key: str, reason: str) -> None:
        self.problems.append(CsvProblem(self.line, self.header[self.mapping[key]], self(key), reason))

    def number(self, key: str) -> Decimal | None:
        if not self(key):
            return None
        try:
            number = parse_number(self(key).rstrip("%"))
        except InvalidOperation:
            self.bad(key, "not a number")
            return None
        if not number.is_finite() or abs(number) >= MAX_AMOUNT:
            self.bad(key, f"a number below {MAX_AMOUNT:,} is expected")
            return None
        return number


def _account(cell: _Row, seen: dict[str, int]) -> Account:
    code, name = cell("id"), cell("name")
    if not ID_PATTERN.match(code):
        cell.bad("id", "an id is letters, digits, - and _ (64 at most)")
    elif code in seen:
        cell.bad("id", f"already on line {seen[code]}")
    seen.setdefault(code, cell.line)
    if not name:
        cell.bad("name", "the name is required")
    elif len(name) > NAME_LENGTH:
        cell.bad("name", f"at most {NAME_LENGTH} characters")
    if len(cell("owner")) > 150:
        cell.bad("owner", "at most 150 characters")
    strategic = cell("strategic").lower()
    if strategic not in TRUE | FALSE:
        cell.bad("strategic", "write oui/non (or yes/no, 1/0)")
    potential = cell.number("potential")
    if potential is not None and potential < 0:
        cell.bad("potential", "must be ≥ 0")
    icp_fit = cell.number("icp_fit")
    if icp_fit is not None and cell("icp_fit").endswith("%"):
        icp_fit /= 100
    if icp_fit is not None and not 0 <= icp_fit <= 1:
        cell.bad("icp_fit", "a fit between 0 and 1 (or 0 % to 100 %)")
    stage = None
    if cell("stage"):
        try:
            stage = Stage(cell("stage").lower())
        except ValueError:
            cell.bad("stage", "one of " + ", ".join(s.value for s in Stage))
    return Account(
        code, name, cell("segment") or None, strategic in TRUE, potential, icp_fit, cell("owner") or None, stage
    )
