"""Runs every ``benchmarks/bench_*.py`` and writes their sections to docs/benchmarks.md.

Each module exposes ``run() -> str``: a Markdown section (title, target, table of measured times and
peak memory) — and prints its rows as it goes. `make bench` calls this file. ``run.py bench_forecast …``
runs only the modules named and replaces their sections, keeping the others as last measured (each section
is marked with its module's name).
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE.parent / "docs" / "benchmarks.md"


def main(only: list[str]) -> None:
    sys.path.insert(0, str(HERE))
    unknown = set(only) - {path.stem for path in HERE.glob("bench_*.py")}
    if unknown:
        sys.exit(f"no such benchmark: {', '.join(sorted(unknown))}")
    sections = _previous_sections() if only else {}
    for path in sorted(HERE.glob("bench_*.py")):
        if only and path.stem not in only:
            continue
        module = importlib.import_module(path.stem)
        print(f"== {path.stem}")
        sections[path.stem] = f"<!-- {path.stem} -->\n" + module.run()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    OUTPUT.write_text(
        "# Benchmarks\n\n"
        f"Machine: {machine}. Command: `make bench` (runs `benchmarks/run.py`). "
        f"Date: {dt.date.today().isoformat()}"
        + (f" (this run: {', '.join(only)}; the other sections from an earlier run)" if only else "")
        + ".\n\n"
        + "\n".join(sections[name] for name in sorted(sections)),
        encoding="utf-8",
    )
    print(f"written to {OUTPUT}")


def _previous_sections() -> dict[str, str]:
    """The sections of the last written file, by module (each starts with its ``<!-- bench_x -->`` mark)."""
    if not OUTPUT.exists():
        return {}
    parts = re.split(r"^(?=<!-- bench_\w+ -->$)", OUTPUT.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {part.split(" ", 2)[1]: part.rstrip("\n") + "\n" for part in parts if part.startswith("<!-- bench_")}


if __name__ == "__main__":
    main(sys.argv[1:])
