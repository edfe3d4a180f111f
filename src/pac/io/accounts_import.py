"""A plan's target accounts from a CSV or XLSX file, read by the CRM import (``pac.io.crm``).

The file is read as ``target_accounts`` records — the same decoding (UTF-8 or Windows-1252, ``,`` ``;`` or
tab), the same French numbers (``1 234,56``, ``85 %``) and yes/no (``oui/non``), the same located problems
with reasons in the user's language and the same downloadable report as a CRM import — then turned
into the engine's ``Account``. Its columns are the plan's, in English or French (``COLUMNS``); a column
the import does not know, or a second column for the same field, is an error, so that no value is
silently left out. The caller imports every account or none (``AccountsRead.ok``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pac.engine.model import Account, Stage
from pac.io.crm.kinds import TARGET_ACCOUNTS, TargetAccountRecord
from pac.io.crm.mapper import column_key
from pac.io.crm.presets import Preset
from pac.io.crm.problems import Problem, Reason, Report
from pac.io.crm.reader import ImportRead, read_import
from pac.io.messages import gettext_noop

#: The plan's columns, each with the titles it may have in the file (case and spacing ignored).
COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("id", "code", "identifiant", "external_id"),
    "name": ("name", "nom", "compte", "account"),
    "segment": ("segment", "cible"),
    "strategic": ("strategic", "stratégique", "strategique"),
    "potential": ("potential", "potentiel", "potential_value"),
    "icp_fit": ("icp_fit", "icp", "adéquation icp", "adequation icp"),
    "owner": ("owner", "responsable", "propriétaire", "proprietaire"),
    "stage": ("stage", "étape", "etape"),
}
PRESET = Preset(
    "target-accounts",
    TARGET_ACCOUNTS,
    columns=tuple((title, name) for name, titles in COLUMNS.items() for title in titles),
    description="a plan's target accounts, columns in English or French",
)
#: The longest texts the plan's tables keep.
LIMITS = {"external_id": 64, "name": 200, "segment": 64, "owner": 150}
#: Accounts one file may hold (a target list, not a CRM: larger files are refused before anything is kept).
MAX_ACCOUNTS = 20_000

_UNKNOWN = gettext_noop(
    "unknown column: the columns read are id, name, segment, strategic, potential, icp_fit, owner, stage"
)
_TWICE = gettext_noop("a second column for the same field as '{first}'")
_CONFLICT = gettext_noop("id on lines {lines} with different values: keep one row per id")
_REPEATED = re.compile(r" \(\d+\)\Z")  # "id (2)": a title met again (``table.header_names``)


@dataclass
class AccountsRead:
    """The report of the file and, when it has no error, its accounts in file order."""

    report: Report
    accounts: list[Account] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report.ok


def read_accounts(source: Path | BinaryIO, *, name: str | None = None) -> AccountsRead:
    """Check the whole file, then take its accounts — all of them, or none when the report has an error.
    Never raises for a bad file: its problems are in the report (``name`` is the file name they show)."""
    with read_import(source, TARGET_ACCOUNTS, preset=PRESET, name=name, limits=LIMITS, max_rows=MAX_ACCOUNTS) as read:
        for problem in _header_problems(read):
            read.report.add(problem)
        _without_import_options(read.report)
        if not read.ok:
            return AccountsRead(read.report)
        accounts = [to_account(record) for record in read.records() if isinstance(record, TargetAccountRecord)]
    return AccountsRead(read.report, accounts)


def to_account(record: TargetAccountRecord) -> Account:
    """The engine's account of a checked record (an empty « strategic » cell is « no »)."""
    return Account(
        record.external_id,
        record.name or "",
        record.segment,
        bool(record.strategic),
        record.potential,
        record.icp_fit,
        record.owner,
        Stage(record.stage) if record.stage else None,
    )


def _without_import_options(report: Report) -> None:
    """Reasons that point at the CRM import's options (``--on-duplicate last``), which this import has not."""
    for index, problem in enumerate(report.kept):
        if problem.code == "duplicate_conflict" and isinstance(problem.reason, Reason):
            reason = Reason(_CONFLICT, lines=problem.reason.values.get("lines", ""))
            report.kept[index] = dataclasses.replace(problem, reason=reason)


def _header_problems(read: ImportRead) -> Iterator[Problem]:
    """Columns the import would not read: unknown titles, and a second column for one field."""
    fields = {column_key(title): name for title, name in PRESET.columns}
    first: dict[str, str] = {}
    for column in read.header:
        title = _REPEATED.sub("", column)
        if not title.strip():
            continue  # an empty title: the spreadsheet's unused width, nothing to read
        name = fields.get(column_key(title))
        if name is None:
            yield Problem(read.report.file, read.header_line, column, "", Reason(_UNKNOWN), code="unknown_column")
        elif name in first:
            yield Problem(
                read.report.file,
                read.header_line,
                column,
                "",
                Reason(_TWICE, first=first[name]),
                code="duplicate_column",
            )
        else:
            first[name] = column
