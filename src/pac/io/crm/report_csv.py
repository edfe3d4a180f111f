"""The validation report as a CSV file the user downloads and opens in a spreadsheet.

Cells that a spreadsheet would run as formulas (``=``, ``+``, ``-``, ``@``…) get a leading ``'``, the way
the Excel export does (``pac.io.xlsx.safe_text``): a CRM value is never trusted.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import TextIO

from pac.io.crm.problems import Reason, Report, gettext_noop
from pac.io.xlsx import safe_text

HEADER = ("file", "line", "severity", "column", "value", "reason", "code")


def write_report_csv(
    report: Report, stream: TextIO, *, delimiter: str = ",", gettext: Callable[[str], str] = str
) -> None:
    """One line per kept problem, then one line per code whose extra problems were only counted; the reasons
    in the language of ``gettext`` (English by default)."""
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    for problem in report.problems:
        writer.writerow(
            [
                safe_text(problem.file),
                "" if problem.line is None else problem.line,
                problem.severity,
                safe_text(problem.column),
                safe_text(problem.value_in(gettext)),
                safe_text(problem.reason_in(gettext)),
                problem.code,
            ]
        )
    kept = {(p.severity, p.code) for p in report.kept}
    for (severity, code), count in sorted(report.counts.items()):
        extra = count - sum(1 for p in report.kept if (p.severity, p.code) == (severity, code))
        if extra > 0 and (severity, code) in kept:
            more = Reason(gettext_noop("… and {extra} more of this kind"), extra=extra).explained(gettext)
            writer.writerow([safe_text(report.file), "", severity, "", "", more, code])
