"""Presets: how one product's export maps onto a canonical table — plain data, like a user's mapping.

A ``Preset`` says which source column feeds which canonical field (a field may list several columns:
the first non-empty one wins, e.g. Pipedrive's « Won time » then « Lost time » for ``closed``), how
source values translate (``outcome: Closed Won → won``, ``*`` for any other value), constant values
(a closed-deals file is all ``won``), reference spellings, and how to read dates and numbers.

``--map "Opportunity Number=external_id"`` and ``--values "outcome:Won=won,Loss=lost"`` build the same
structure (``parse_map``, ``parse_values``, ``customise``); ``save_presets``/``load_presets`` keep named
presets in a small JSON or YAML file. Column names are matched ignoring case and surrounding spaces.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pac.io.crm.kinds import ALL_KINDS, field_specs
from pac.io.crm.unpivot import compiled
from pac.io.crm.values import DateOrder, Decimal_

ANY_VALUE = "*"


@dataclass(frozen=True)
class Preset:
    name: str
    kind: str
    columns: tuple[tuple[str, str], ...]  # (source column, canonical field), in order of preference
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # field → {source value: value}
    constants: Mapping[str, str] = field(default_factory=dict)  # field → value for every row
    spellings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # field → reference spellings
    outcome_flags: tuple[str, str] | None = None  # (won column, closed column): they decide the outcome
    skip: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # field → source values of rows left out
    date_order: DateOrder = "dmy"  # how to read 05/04/2026; 12/31/2026 is read month first anyway
    decimal: Decimal_ | None = None  # how to read 1,234; None: from the file (, in a ; CSV, . otherwise)
    description: str = ""
    # a wide export: the titles (regular expressions, a (?P<name>…) group) of the columns that each give one
    # row per non-blank cell, their name and cell read as the columns ``unpivot.UNPIVOT_NAME``/``_VALUE``
    unpivot: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ALL_KINDS:
            raise ValueError(
                f"preset {self.name!r}: unknown kind {self.kind!r}; expected one of: {', '.join(ALL_KINDS)}"
            )
        specs = field_specs(self.kind)
        used = (
            [f for _, f in self.columns]
            + list(self.values)
            + list(self.constants)
            + list(self.spellings)
            + list(self.skip)
        )
        unknown = sorted({f for f in used if f not in specs})
        if unknown:
            raise ValueError(
                f"preset {self.name!r}: no field {', '.join(unknown)} in {self.kind}; fields: {', '.join(specs)}"
            )
        compiled(self.unpivot)  # a bad pattern fails when the preset is made, not when a file is read
        if self.date_order not in ("dmy", "mdy"):
            raise ValueError(f"preset {self.name!r}: date_order is dmy or mdy, not {self.date_order!r}")

    def sources(self, field_name: str) -> list[str]:
        return [source for source, target in self.columns if target == field_name]

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["columns"] = [{"source": s, "field": f} for s, f in self.columns]
        data["values"] = {f: dict(m) for f, m in self.values.items()}
        data["spellings"] = {f: list(v) for f, v in self.spellings.items()}
        data["skip"] = {f: list(v) for f, v in self.skip.items()}
        data["outcome_flags"] = list(self.outcome_flags) if self.outcome_flags else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Preset:
        known = {f.name for f in dataclasses.fields(cls)}
        extra = sorted(set(data) - known)
        if extra:
            raise ValueError(f"preset {data.get('name', '?')!r}: unknown key {', '.join(extra)}")
        columns = tuple(
            (str(c["source"]), str(c["field"])) if isinstance(c, Mapping) else (str(c[0]), str(c[1]))
            for c in data.get("columns", ())
        )
        flags = data.get("outcome_flags")
        return cls(
            name=str(data["name"]),
            kind=str(data["kind"]),
            columns=columns,
            values={str(f): {str(k): str(v) for k, v in m.items()} for f, m in (data.get("values") or {}).items()},
            constants={str(k): str(v) for k, v in (data.get("constants") or {}).items()},
            spellings={str(f): tuple(str(v) for v in vs) for f, vs in (data.get("spellings") or {}).items()},
            outcome_flags=(str(flags[0]), str(flags[1])) if flags else None,
            skip={str(f): tuple(str(v) for v in vs) for f, vs in (data.get("skip") or {}).items()},
            date_order=data.get("date_order", "dmy"),
            decimal=data.get("decimal"),
            description=str(data.get("description", "")),
            unpivot=tuple(str(p) for p in data.get("unpivot") or ()),
        )


#: Headers a file with the canonical names may use instead of the name, per kind and field: the name CRMs
#: and spreadsheets give the column (matched whatever the case and spacing).
HEADER_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {"business_unit": ("Business unit", "BU", "Division", "Unité métier")},
}


def canonical_preset(kind: str) -> Preset:
    """A file whose columns already have the canonical names (a ``--source`` CSV, a PAC export), or one of
    their :data:`HEADER_ALIASES`."""
    aliases = HEADER_ALIASES.get(kind, {})
    return Preset(
        f"canonical-{kind}",
        kind,
        tuple((column, name) for name in field_specs(kind) for column in (name, *aliases.get(name, ()))),
        description=f"columns named as the canonical {kind} table",
    )


def parse_map(texts: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``["Opportunity Number=external_id", …]`` → ``(("Opportunity Number", "external_id"), …)``."""
    pairs: list[tuple[str, str]] = []
    for text in texts:
        source, equals, target = text.rpartition("=")
        if not equals or not source.strip() or not target.strip():
            raise ValueError(f'--map {text!r}: expected "Source column=field"')
        pairs.append((source.strip(), target.strip()))
    return tuple(pairs)


def parse_values(texts: Iterable[str]) -> dict[str, dict[str, str]]:
    """``["outcome:Won=won,Loss=lost"]`` → ``{"outcome": {"Won": "won", "Loss": "lost"}}``."""
    values: dict[str, dict[str, str]] = {}
    for text in texts:
        target, colon, pairs = text.partition(":")
        if not colon or not target.strip():
            raise ValueError(f'--values {text!r}: expected "field:Source value=value,Source value=value"')
        for pair in pairs.split(","):
            source, equals, value = pair.partition("=")
            if not equals or not source.strip():
                raise ValueError(f'--values {text!r}: {pair!r} is not "Source value=value"')
            values.setdefault(target.strip(), {})[source.strip()] = value.strip()
    return values


def customise(
    preset: Preset | None,
    kind: str,
    *,
    mapping: Iterable[tuple[str, str]] | Mapping[str, str] = (),
    values: Mapping[str, Mapping[str, str]] | None = None,
    date_order: DateOrder | None = None,
    name: str | None = None,
) -> Preset:
    """``preset`` (the canonical names when None) with the user's columns and values on top.

    A field the user maps drops the preset's columns for that field; value maps are merged, the user's
    winning. The result can be saved under ``name`` and used again as it is."""
    base = preset or canonical_preset(kind)
    if base.kind != kind:
        raise ValueError(f"preset {base.name!r} imports {base.kind}, not {kind}")
    pairs = tuple(mapping.items()) if isinstance(mapping, Mapping) else tuple(mapping)
    mapped = {target for _, target in pairs}
    columns = tuple(pair for pair in base.columns if pair[1] not in mapped) + pairs
    merged = {f: dict(m) for f, m in base.values.items()}
    for target, table in (values or {}).items():
        merged.setdefault(target, {}).update(table)
    if not pairs and not values and date_order is None and name is None:
        return base
    return dataclasses.replace(
        base,
        name=name or base.name + ("+custom" if pairs or values else ""),
        columns=columns,
        values=merged,
        date_order=date_order or base.date_order,
    )


def save_presets(path: Path, presets: Iterable[Preset]) -> None:
    """Write named presets to ``path`` (YAML for .yaml/.yml, JSON otherwise), replacing the file at once
    (written beside it, then renamed: a reader never sees half a file)."""
    data = {"presets": [preset.to_dict() for preset in presets]}
    if path.suffix.lower() in (".yaml", ".yml"):
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    else:
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def load_presets(path: Path) -> dict[str, Preset]:
    """The named presets saved in ``path`` by ``save_presets`` (or written by hand in the same shape)."""
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) if path.suffix.lower() in (".yaml", ".yml") else json.loads(text)
    if not isinstance(data, Mapping) or not isinstance(data.get("presets"), list):
        raise ValueError(f"{path.name}: expected a mapping with a list under 'presets'")
    presets = [Preset.from_dict(item) for item in data["presets"]]
    return {preset.name: preset for preset in presets}
