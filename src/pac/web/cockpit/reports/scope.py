"""Whose figures a reader gets in a pack. Whoever reads the team's figures (``Ability.READ_TEAM_FIGURES``:
managers, admins, executives, marketing) reads the whole team; a rep (SDR, AE, CSM) reads the actions they
own and the CRM figures of their own deals, leads and activities only — a rep's Monday pack is their own
week."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pac.engine.model import Action
from pac.engine.progress import segment_matches
from pac.web.accounts.abilities import Ability, abilities_of
from pac.web.accounts.models import User
from pac.web.plans.models import Plan as PlanRow


@dataclass(frozen=True)
class Reader:
    """Who the pack is for: ``names`` are how the CRM and the plan may name them (username, full name,
    e-mail); empty for a reader of the whole team."""

    shown_name: str
    names: tuple[str, ...] = ()

    @property
    def whole_team(self) -> bool:
        return not self.names

    def owns(self, owner: str | None) -> bool:
        return bool(owner) and any(segment_matches(name, owner or "") for name in self.names)


TEAM = Reader("")


def reader_of(user: User, plan: PlanRow) -> Reader:
    """The reader ``user`` is for ``plan`` (whose team they belong to: the selectors checked that)."""
    if Ability.READ_TEAM_FIGURES in abilities_of(user):
        return TEAM
    names = tuple(n for n in (user.username, user.get_full_name(), user.email) if n)
    return Reader(user.get_full_name() or user.username, names)


def actions_of(reader: Reader, actions: Iterable[Action]) -> list[Action]:
    """The actions the reader owns (as owner or as responsible in the RACI); all for the whole team."""
    if reader.whole_team:
        return list(actions)
    return [
        a
        for a in actions
        if reader.owns(a.owner) or any(reader.owns(r) for r in (a.raci.responsible if a.raci else ()))
    ]


def tables_of(reader: Reader, tables: Mapping[str, Any]) -> dict[str, Any]:
    """The team's canonical tables cut to the reader's own rows (by their ``owner`` column); the tables
    with no owner (contacts, subscriptions) are left out of a rep's pack."""
    if reader.whole_team:
        return dict(tables)
    mine: dict[str, Any] = {}
    for name, table in tables.items():
        if "owner" not in table.columns:
            continue
        values = [v for v in table.select("owner").distinct().to_pyarrow().column("owner").to_pylist() if v]
        own = [v for v in values if reader.owns(v)]
        mine[name] = table.filter(table.owner.isin(own)) if own else table.limit(0)
    return mine
