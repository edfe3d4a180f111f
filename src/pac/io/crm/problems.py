"""What goes wrong in an import file, where, and the report that collects it (bounded in memory).

A ``Problem`` names the file, the line (1 is the header line; ``None`` for the file as a whole), the
column as the file writes it, the value as read, and the reason in plain words. ``code`` is a stable
machine name. Errors reject the row — and so the import, which is all or nothing; warnings are kept for
the user to read and change nothing.

A reason reads as English text; it is a ``Reason`` that also keeps its template and values, so that the
web page, the CLI and the report CSV show it in the user's language (``Problem.explained``) while this
package stays free of any translation machinery: templates are marked with ``gettext_noop``
(``pac.io.messages``) only for the message extraction.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

from pac.io.crm.limits import REASON_VALUE_CHARS, excerpt
from pac.io.messages import gettext_noop

__all__ = ["KEPT_PER_CODE", "ImportFailed", "Problem", "Reason", "Report", "gettext_noop"]

Severity = Literal["error", "warning"]

#: Problems kept per (severity, code); the others are counted, so a million bad rows fit in memory.
KEPT_PER_CODE = 1000
_LENGTH = gettext_noop("({length} characters)")


class Reason(str):
    """The English text of a reason, with the template and values it was made from (to translate it)."""

    template: str
    values: dict[str, object]
    words: tuple[str, ...]

    def __new__(cls, template: str, **values: object) -> Reason:
        reason = super().__new__(cls, template.format(**values))
        reason.template, reason.values, reason.words = template, values, ()
        return reason

    @classmethod
    def worded(cls, template: str, words: tuple[str, ...], **values: object) -> Reason:
        """A reason whose ``words`` values are words of the vocabulary (an outcome's code), translated with
        the template (« aucun compte sur cette affaire (gagnée) », not « (won) »)."""
        reason = cls(template, **values)
        reason.words = words
        return reason

    def explained(self, gettext: Callable[[str], str]) -> str:
        """The reason in the language of ``gettext`` (the English text when it has no translation)."""
        values = {k: gettext(str(v)) if k in self.words else v for k, v in self.values.items()}
        try:
            return gettext(self.template).format(**values)
        except (KeyError, IndexError, ValueError):  # a translation that names other values: keep English
            return str(self)

    def bounded(self) -> Reason:
        """The same reason with each value cut to ``REASON_VALUE_CHARS`` (an error message quoting a
        whole cell, the list of a file's columns): what a stored problem may keep."""
        plain = (int, float, bool, type(None))
        values = {
            k: v if isinstance(v, plain) else excerpt(str(v), REASON_VALUE_CHARS)[0] for k, v in self.values.items()
        }
        if values == self.values:
            return self
        return Reason.worded(self.template, self.words, **values)

    def kind_in(self, gettext: Callable[[str], str]) -> str:
        """The reason without its values (« un montant négatif », « fermée avant sa création (…) »): what
        the rows of one kind of problem share, to name them as a group."""
        return re.sub(r"\{[^{}]*\}", "…", gettext(self.template))


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    column: str
    value: str
    reason: str
    severity: Severity = "error"
    code: str = "invalid"
    length: int = 0  # the value's length when ``value`` is an excerpt of it (``Report.add`` cuts it)

    def __str__(self) -> str:
        return self.explained(lambda template: template)

    def explained(self, gettext: Callable[[str], str]) -> str:
        """``file:line: column: 'value' — reason`` with the reason in the language of ``gettext``."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        column = f" {self.column}:" if self.column else ""
        value = f" {self.value_in(gettext)!r} —" if self.column or self.value else ""
        warning = f" ({gettext('warning')})" if self.severity == "warning" else ""
        return f"{where}:{column}{value} {self.reason_in(gettext)}{warning}"

    def value_in(self, gettext: Callable[[str], str]) -> str:
        """The value as kept: whole, or its excerpt and how long it was (« 'xxxx…' (200000 characters) »)."""
        if not self.length:
            return self.value
        return f"{self.value} " + gettext(_LENGTH).format(length=self.length)

    def bounded(self) -> Problem:
        """The problem as a report keeps it: the value cut to an excerpt, NUL shown, the reason's values cut."""
        value, length = excerpt(self.value)
        column = excerpt(self.column, REASON_VALUE_CHARS)[0]
        reason = self.reason.bounded() if isinstance(self.reason, Reason) else excerpt(self.reason, 2000)[0]
        if value == self.value and column == self.column and reason is self.reason:
            return self
        return replace(self, value=value, column=column, reason=reason, length=length or self.length)

    def reason_in(self, gettext: Callable[[str], str]) -> str:
        return self.reason.explained(gettext) if isinstance(self.reason, Reason) else self.reason

    def kind_in(self, gettext: Callable[[str], str]) -> str:
        """What problems of this code share, in the language of ``gettext`` (``Reason.kind_in``)."""
        return self.reason.kind_in(gettext) if isinstance(self.reason, Reason) else self.reason


class ImportFailed(ValueError):
    """The file cannot be read at all (encoding, header, no rows…): nothing was imported."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class Report:
    """Every problem of one import file, with the counts of rows read, rejected and merged. A problem is
    kept as an excerpt (``Problem.bounded``): a 200 MB cell costs its report 80 characters."""

    file: str
    rows_read: int = 0
    rows_rejected: int = 0
    rows_merged: int = 0
    rows_skipped: int = 0  # left out by the export format (e.g. Pipedrive's deleted deals), with a warning
    kept: list[Problem] = field(default_factory=list)
    counts: Counter[tuple[Severity, str]] = field(default_factory=Counter)

    def add(self, problem: Problem) -> None:
        key = (problem.severity, problem.code)
        self.counts[key] += 1
        if self.counts[key] <= KEPT_PER_CODE:
            self.kept.append(problem.bounded())

    @property
    def problems(self) -> list[Problem]:
        """The kept problems, in file order (file-wide ones last)."""
        return sorted(self.kept, key=lambda p: (p.line is None, p.line or 0))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def error_count(self) -> int:
        return sum(n for (severity, _), n in self.counts.items() if severity == "error")

    @property
    def ok(self) -> bool:
        """True when the import may be written: no error at all (warnings allowed)."""
        return self.error_count == 0

    @property
    def rows_accepted(self) -> int:
        return self.rows_read - self.rows_rejected - self.rows_merged - self.rows_skipped

    def codes(self, severity: Severity | None = None) -> dict[str, int]:
        """How many problems of each code (all of them, kept or not)."""
        return {code: n for (sev, code), n in sorted(self.counts.items()) if severity in (None, sev)}

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)
