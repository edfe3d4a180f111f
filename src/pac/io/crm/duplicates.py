"""Ids met more than once in one file: identical rows merge, different ones conflict.

The index keeps 64-bit hashes of each id and of its record (≈ 100 bytes per id, whatever the row
width), so a million-row file stays well within memory. Python's own ``hash`` serves: the index lives
for one read, equal numbers hash alike (``10`` and ``10,00`` are the same amount), and a record is a
dataclass whose hash covers every field. Lines of conflicting ids are kept in full to name
every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pac.io.crm.kinds import Record

OnDuplicate = Literal["error", "last"]
Seen = Literal["new", "same", "conflict"]
_LINE_BITS = 40
_LINE_MASK = (1 << _LINE_BITS) - 1
_HASH_MASK = (1 << 64) - 1


def fingerprint(record: Record) -> int:
    """Equal for records with equal values."""
    return hash(record) & _HASH_MASK


@dataclass
class DuplicateIndex:
    on_duplicate: OnDuplicate = "error"
    _winners: dict[int, int] = field(default_factory=dict)  # id hash → record hash << 40 | winning line
    conflicts: dict[str, list[int]] = field(default_factory=dict)  # id → every line it is on

    def add(self, external_id: str, line: int, digest: int) -> Seen:
        key = hash(external_id)
        known = self._winners.get(key)
        if known is None:
            self._winners[key] = digest << _LINE_BITS | line
            return "new"
        first_line = known & _LINE_MASK
        if known >> _LINE_BITS == digest and external_id not in self.conflicts:
            return "same"
        self.conflicts.setdefault(external_id, [first_line]).append(line)
        if self.on_duplicate == "last":
            self._winners[key] = digest << _LINE_BITS | line
        return "conflict"

    def first_line(self, external_id: str) -> int:
        return self._winners[hash(external_id)] & _LINE_MASK

    def is_winner(self, external_id: str, line: int) -> bool:
        """Whether the record on ``line`` is the one to import for its id."""
        return self.first_line(external_id) == line
