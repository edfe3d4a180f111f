"""The validation report as a CSV file the user downloads and opens in a spreadsheet.

Cells that a spreadsheet would run as formulas (``=``, ``+``, ``-``, ``@``…) get a leading ``'``, the way
the Excel export does (``pac.io.xlsx.safe_text``): a CRM value is never trusted.
"""

from __future__ import annotations

import csv
from typing import TextIO

from pac.io.crm.problems import Report
from pac.io.xlsx import safe_text

HEADER = ("file", "line", "severity", "column", "value", "reason", "code")


def write_report_csv(report: Report, stream: TextIO, *, delimiter: str = ",") -> None:
    """One line per kept problem, then one line per code whose extra problems were only counted."""
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    for problem in report.problems:
        writer.writerow([safe_text(problem.file), "" if problem.line is None else problem.line, problem.severity,
                         safe_text(problem.column), safe_text(problem.value), safe_text(problem.reason),
                         problem.code])
    kept = {(p.severity, p.code) for p in report.kept}
    for (severity, code), count in sorted(report.counts.items()):
        extra = count - sum(1 for p in report.kept if (p.severity, p.code) == (severity, code))
        if extra > 0 and (severity, code) in kept:
            writer.writerow([safe_text(report.file), "", severity, "", "", f"… and {extra} more of this kind", code])
