"""A file of opt-out addresses as a team imports it (CSV or plain text): bounded, read whole, every line
checked before anything is recorded. One address a line, or the first cell of a CSV line (``,``, ``;`` or
tab); blank lines and a first line of column titles (no ``@``) are skipped."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

#: The bounds of one file: 1 MB, 50 000 lines.
MAX_BYTES = 1024 * 1024
MAX_LINES = 50_000
#: How many bad lines a refusal names (the first ones).
MAX_SHOWN = 20
#: How much of a bad value a refusal repeats.
MAX_EXCERPT = 80
_CELLS = re.compile(r"[,;\t]")


@dataclass
class OptOutFile:
    """The addresses read (lowercased, each once, in file order) or why the file is refused: ``bad`` the
    (line number, value) of every line that is not an address; ``too_many_lines`` past ``MAX_LINES``."""

    addresses: list[str] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)
    too_many_lines: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.bad) or self.too_many_lines


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_opt_out_file(data: bytes) -> OptOutFile:
    """Read the file's addresses; the caller has bounded ``data`` to ``MAX_BYTES``."""
    found = OptOutFile()
    lines = _text(data).splitlines()
    if len(lines) > MAX_LINES:
        found.too_many_lines = True
        return found
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        cell = _CELLS.split(line, maxsplit=1)[0].strip().strip("\"'").strip()
        if not cell or (number == 1 and "@" not in cell):  # blank, or the column's title
            continue
        address = cell.lower()
        try:
            if len(address) > 254:
                raise ValidationError("too long")
            validate_email(address)
        except ValidationError:
            found.bad.append((number, cell[:MAX_EXCERPT]))
            continue
        if address not in seen:
            seen.add(address)
            found.addresses.append(address)
    return found
