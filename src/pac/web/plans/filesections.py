"""Sections of the plan file that an app above ``plans`` keeps (the sequences app: ``sequences`` and
``touch_capacity``), without ``plans`` importing it: the app registers its section here when Django starts
(``AppConfig.ready``), the plan import stores it in the import's transaction and the plan export reads it back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

from pac.engine import model
from pac.web.accounts.models import User
from pac.web.plans import adapters
from pac.web.plans.models import Plan


class FileSection(Protocol):
    def store(self, *, user: User, plan: Plan, source: model.Plan, today: dt.date) -> None:
        """Write the section's rows for ``plan`` (just created by ``user`` from ``source``)."""

    def read(self, plan: Plan) -> Mapping[str, Any]:
        """The ``model.Plan`` fields the section fills, as the rows hold them."""


SECTIONS: dict[str, FileSection] = {}


def register(name: str, section: FileSection) -> None:
    SECTIONS[name] = section


def store_all(*, user: User, plan: Plan, source: model.Plan, today: dt.date) -> None:
    for section in SECTIONS.values():
        section.store(user=user, plan=plan, source=source, today=today)


def plan_for_file(plan: Plan) -> model.Plan:
    """The whole plan as the plan file writes it: the plans' rows and every registered section."""
    fields: dict[str, Any] = {}
    for section in SECTIONS.values():
        fields.update(section.read(plan))
    return dataclasses.replace(adapters.to_engine(plan), **fields)
