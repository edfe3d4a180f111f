"""Day-first or month-first: what each date column of a file turns out to be.

``05/04/2026`` reads either way; ``31/12/2026`` only day first; ``12/31/2026`` only month first. A column
is read in the preset's order unless its dates show the other one (and never the preset's); a column
showing both is an error — the file mixes French and US dates and no reading is safe.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from pac.io.crm.problems import Problem, Reason, gettext_noop
from pac.io.crm.values import DateOrder, date_readings

Sample = tuple[int, str]  # (line, text)


@functools.lru_cache(maxsize=8192)
def _readings(text: str) -> tuple[DateOrder, ...]:
    return date_readings(text)


@dataclass
class _Column:
    only: dict[DateOrder, Sample] = field(default_factory=dict)  # first date readable one way only
    ambiguous: Sample | None = None


@dataclass
class DateOrders:
    preferred: DateOrder
    decided: dict[str, DateOrder] = field(default_factory=dict)  # column → order, once settled
    _columns: dict[str, _Column] = field(default_factory=dict)

    def order(self, column: str) -> DateOrder:
        return self.decided.get(column, self.preferred)

    def observe(self, column: str, line: int, text: str) -> None:
        if not ("/" in text[:6] or "." in text[:6] or text[2:3] == "-"):
            return  # ISO (2026-12-31) or words: one reading only
        readings = _readings(text)
        if not readings:
            return
        seen = self._columns.setdefault(column, _Column())
        if len(readings) == 2:
            seen.ambiguous = seen.ambiguous or (line, text)
        else:
            seen.only.setdefault(readings[0], (line, text))

    def settle(self, file: str) -> list[Problem]:
        """Decide each column's order from what was observed; the problems to report about it."""
        problems: list[Problem] = []
        for column, seen in self._columns.items():
            if len(seen.only) == 2:
                (dmy_line, dmy_text), (mdy_line, mdy_text) = seen.only["dmy"], seen.only["mdy"]
                problems.append(
                    Problem(
                        file,
                        max(dmy_line, mdy_line),
                        column,
                        mdy_text if mdy_line > dmy_line else dmy_text,
                        Reason(
                            gettext_noop(
                                "the column mixes day-first dates ('{dmy}' on line {dmy_line}) and month-first "
                                "dates ('{mdy}' on line {mdy_line}): fix the file or give the date order"
                            ),
                            dmy=dmy_text,
                            dmy_line=dmy_line,
                            mdy=mdy_text,
                            mdy_line=mdy_line,
                        ),
                        code="mixed_dates",
                    )
                )
            elif seen.only and next(iter(seen.only)) != self.preferred:
                order = next(iter(seen.only))
                self.decided[column] = order
                line, text = seen.only[order]
                first = (
                    gettext_noop("dates read month first, as '{text}' on line {line} shows")
                    if order == "mdy"
                    else gettext_noop("dates read day first, as '{text}' on line {line} shows")
                )
                if seen.ambiguous:
                    problems.append(
                        Problem(
                            file,
                            seen.ambiguous[0],
                            column,
                            seen.ambiguous[1],
                            Reason(first, text=text, line=line),
                            severity="warning",
                            code="date_order",
                        )
                    )
        return problems
