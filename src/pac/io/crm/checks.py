"""Warnings about rows that import but will mislead a KPI, and about the file as a whole.

They never reject anything: a deal without an account still counts in the win rate; lost deals
all at 0 still import, but a win rate by value cannot be computed from them — the KPI engine will say
so, and the report says it first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pac.io.crm.kinds import ALL_RECORD_TYPES, OpportunityRecord, Record, SubscriptionRecord, field_specs
from pac.io.crm.problems import Problem, Reason, gettext_noop

#: A date before this year, or more than ``YEARS_AHEAD`` years after today, is read but warned about: a
#: CRM date is seldom that old, and a year typed wrong (2206, 1926) is a likelier cause. Beyond 1900–2199
#: the date is refused (``values.FIRST_YEAR``, ``LAST_YEAR``).
PLAUSIBLE_FROM = 1990
YEARS_AHEAD = 10
_UNLIKELY = gettext_noop(
    "an unlikely date: before {first} or more than {years} years ahead — check that its year is typed right"
)


#: The fields of each record type that hold dates or moments.
_DATE_FIELDS: dict[str, tuple[str, ...]] = {
    known.__name__: tuple(n for n, spec in field_specs(kind).items() if spec.type in ("moment", "date", "instant"))
    for kind, known in ALL_RECORD_TYPES.items()
}


#: The last plausible year, set when a file's checks start (``FileChecks``): not read again for each row.
_LAST_YEAR = [dt.date.today().year + YEARS_AHEAD]


def _unlikely_dates(record: Record) -> list[tuple[str, object, Reason, str]]:
    """The record's dates outside ``PLAUSIBLE_FROM`` … today + ``YEARS_AHEAD`` years (most records: none)."""
    last = _LAST_YEAR[0]
    found: list[tuple[str, object, Reason, str]] = []
    for name in _DATE_FIELDS[type(record).__name__]:
        moment = getattr(record, name)
        if moment is not None and not PLAUSIBLE_FROM <= moment.year <= last:
            reason = Reason(_UNLIKELY, first=PLAUSIBLE_FROM, years=YEARS_AHEAD)
            found.append((name, moment, reason, "unlikely_date"))
    return found


def _day(moment: dt.date | dt.datetime) -> dt.date:
    return moment.date() if isinstance(moment, dt.datetime) else moment


def record_warnings(record: Record, file: str, line: int, columns: dict[str, str]) -> list[Problem]:
    """The warnings of one record — most have none, and that case is checked first (once per row)."""
    found = _unlikely_dates(record)  # field, value, reason, code
    if type(record) is OpportunityRecord:
        account, amount, created, closed = record.account, record.amount, record.created, record.closed
        if (
            account is not None
            and amount is not None
            and amount >= 0
            and (
                closed is None
                or created is None
                or (type(created) is dt.date and type(closed) is dt.date and closed >= created)
            )
        ):
            return _problems(found, file, line, columns)  # the common case, checked at once
        if account is None:
            found.append(
                (
                    "account",
                    None,
                    Reason.worded(
                        gettext_noop("no account on this {outcome} deal: it counts in no account's figures"),
                        ("outcome",),
                        outcome=record.outcome,
                    ),
                    "missing_account",
                )
            )
        if amount is None:
            if record.outcome == "won":
                found.append(
                    (
                        "amount",
                        None,
                        Reason(gettext_noop("a won deal without an amount: left out of revenue and average deal size")),
                        "won_without_amount",
                    )
                )
        elif amount < 0:
            found.append(("amount", amount, Reason(gettext_noop("a negative amount")), "negative_amount"))
        if created and closed and _day(closed) < _day(created):
            found.append(
                (
                    "closed",
                    closed,
                    Reason(gettext_noop("closed before it was created ({created})"), created=created),
                    "closed_before_created",
                )
            )
    elif type(record) is SubscriptionRecord:
        if record.start and record.end and _day(record.end) < _day(record.start):
            found.append(
                (
                    "end",
                    record.end,
                    Reason(gettext_noop("ends before it starts ({start})"), start=record.start),
                    "end_before_start",
                )
            )
        if record.mrr is not None and record.mrr < 0:
            found.append(("mrr", record.mrr, Reason(gettext_noop("a negative MRR")), "negative_mrr"))
    return _problems(found, file, line, columns)


def _problems(
    found: list[tuple[str, object, Reason, str]], file: str, line: int, columns: dict[str, str]
) -> list[Problem]:
    return [
        Problem(
            file,
            line,
            columns.get(name) or name,
            "" if value is None else str(value),
            reason,
            severity="warning",
            code=code,
        )
        for name, value, reason, code in found
    ]


@dataclass
class FileChecks:
    """What can only be said once every row has been read."""

    lost: int = 0
    lost_with_amount: int = 0

    def __post_init__(self) -> None:
        _LAST_YEAR[0] = dt.date.today().year + YEARS_AHEAD  # a worker runs for years: the bound moves on

    def observe(self, record: Record) -> None:
        if isinstance(record, OpportunityRecord) and record.outcome == "lost":
            self.lost += 1
            if record.amount:
                self.lost_with_amount += 1

    def warnings(self, file: str, columns: dict[str, str]) -> list[Problem]:
        if self.lost and not self.lost_with_amount:
            return [
                Problem(
                    file,
                    None,
                    columns.get("amount", "amount"),
                    "",
                    Reason(
                        gettext_noop(
                            "the {lost} lost deals all have an amount of 0 or none: a win rate "
                            "by value cannot be computed from this file (the win rate by count "
                            "can)"
                        ),
                        lost=self.lost,
                    ),
                    severity="warning",
                    code="lost_amounts_missing",
                )
            ]
        return []
