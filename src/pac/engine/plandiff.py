"""What changed between two plans: objects added, removed and changed, each change with its path and its
old → new values — for ``pac plan diff``, for a version compared with its baseline, for a scenario.

Both plans are compared in the plan file's normal form (``planfile.plan_data``), so two files that say
the same thing in other words (flow or block style, defaults written or left out, keys in another order)
have no difference. A list of objects is matched by identity (an ``id``, a funnel ``stage``, a team
``role``…), not by position: inserting an action does not show every later action as changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pac.engine import model
from pac.engine.planfile import plan_data

#: The fields that name an object of a list, tried in this order; a pair names an effort row (stage × role).
IDENTITY_FIELDS: tuple[tuple[str, ...], ...] = (("id",), ("stage", "role"), ("stage",), ("role",), ("date",))


class Kind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class Change:
    """One difference. ``path`` is a tuple of keys and object identities, e.g. ``("actions", "call-blitz",
    "owner")``, and ``where`` the same as people read it (``actions[call-blitz].owner``); ``old`` is None
    for an addition, ``new`` None for a removal (then they hold the whole object)."""

    kind: Kind
    path: tuple[str, ...]
    where: str
    old: Any = None
    new: Any = None


def _identity(row: Mapping[str, Any]) -> str | None:
    for fields in IDENTITY_FIELDS:
        if all(f in row for f in fields):
            return "/".join(str(row[f]) for f in fields)
    return None


def _keyed(rows: Sequence[Any]) -> dict[str, Any] | None:
    """The list as {identity: object} when every element is an object with a distinct identity."""
    keyed: dict[str, Any] = {}
    for row in rows:
        key = _identity(row) if isinstance(row, Mapping) else None
        if key is None or key in keyed:
            return None
        keyed[key] = row
    return keyed


def _walk(old: Any, new: Any, path: tuple[str, ...], where: str, out: list[Change]) -> None:
    """Compare ``old`` and ``new`` found at ``path`` (read as ``where``), appending to ``out``."""

    def key_of(key: str) -> str:
        return f"{where}.{key}" if where else key

    def change(kind: Kind, at: tuple[str, ...], text: str, before: Any, after: Any) -> None:
        out.append(Change(kind, at, text, before, after))

    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in [*old, *(k for k in new if k not in old)]:
            here, text = (*path, str(key)), key_of(str(key))
            if key not in new:
                change(Kind.REMOVED, here, text, old[key], None)
            elif key not in old:
                change(Kind.ADDED, here, text, None, new[key])
            else:
                _walk(old[key], new[key], here, text, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        before, after = _keyed(old), _keyed(new)
        if before is not None and after is not None:
            for key in [*before, *(k for k in after if k not in before)]:
                here, text = (*path, key), f"{where}[{key}]"
                if key not in after:
                    change(Kind.REMOVED, here, text, before[key], None)
                elif key not in before:
                    change(Kind.ADDED, here, text, None, after[key])
                else:
                    _walk(before[key], after[key], here, text, out)
            return
    if old != new:
        change(Kind.CHANGED, path, where, old, new)


def diff_data(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """The changes from ``old`` to ``new`` (plan file data), in the order of the file."""
    out: list[Change] = []
    _walk(old, new, (), "", out)
    return out


def diff_plans(old: model.Plan, new: model.Plan) -> list[Change]:
    """The changes from one plan to another, compared in the plan file's normal form."""
    return diff_data(plan_data(old), plan_data(new))


def plain(value: Any) -> Any:
    """A value as JSON writes it (dates as ISO text)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def to_json(changes: Sequence[Change]) -> dict[str, Any]:
    """``{"changes": [{"change", "path", "where", "old", "new"}…], "count": {added, removed, changed}}``."""
    return {
        "changes": [
            {"change": c.kind.value, "path": list(c.path), "where": c.where, "old": plain(c.old), "new": plain(c.new)}
            for c in changes
        ],
        "count": {kind.value: sum(1 for c in changes if c.kind is kind) for kind in Kind},
    }
