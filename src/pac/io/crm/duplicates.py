"""Ids met more than once in one file: identical rows merge, different ones conflict.

The index keeps 64-bit hashes of each id and of its record (≈ 100 bytes per id, whatever the row
width), so a million-row file stays well within memory. Lines of conflicting ids are kept in full to
name every one of them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Literal

from pac.io.crm.kinds import Record

OnDuplicate = Literal["error", "last"]
Seen = Literal["new", "same", "conflict"]
_LINE_BITS = 40


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


_NAMES: dict[type, tuple[str, ...]] = {}


def _names(record_type: type) -> tuple[str, ...]:
    if record_type not in _NAMES:
        _NAMES[record_type] = tuple(f.name for f in fields(record_type))
    return _NAMES[record_type]


def fingerprint(record: Record) -> str:
    """The record's values as text, equal for equal values (``10`` and ``10,00`` are the same amount)."""
    values = [getattr(record, name) for name in _names(type(record))]
    return repr([v.normalize() if type(v) is Decimal else v for v in values])


@dataclass
class DuplicateIndex:
    on_duplicate: OnDuplicate = "error"
    _winners: dict[int, int] = field(default_factory=dict)  # id hash → record hash << 40 | winning line
    conflicts: dict[str, list[int]] = field(default_factory=dict)  # id → every line it is on

    def add(self, external_id: str, line: int, content: str) -> Seen:
        key, digest = _hash(external_id), _hash(content)
        known = self._winners.get(key)
        if known is None:
            self._winners[key] = digest << _LINE_BITS | line
            return "new"
        first_line = known & ((1 << _LINE_BITS) - 1)
        if known >> _LINE_BITS == digest and external_id not in self.conflicts:
            return "same"
        self.conflicts.setdefault(external_id, [first_line]).append(line)
        if self.on_duplicate == "last":
            self._winners[key] = digest << _LINE_BITS | line
        return "conflict"

    def first_line(self, external_id: str) -> int:
        return self._winners[_hash(external_id)] & ((1 << _LINE_BITS) - 1)

    def is_winner(self, external_id: str, line: int) -> bool:
        """Whether the record on ``line`` is the one to import for its id."""
        return self.first_line(external_id) == line
