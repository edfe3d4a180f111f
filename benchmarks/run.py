"""Runs every ``benchmarks/bench_*.py`` and writes their sections to docs/benchmarks.md.

Each module exposes ``run() -> str``: a Markdown section (title, target, table of measured times and
peak memory) — and prints its rows as it goes. `make bench` calls this file.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE.parent / "docs" / "benchmarks.md"


def main() -> None:
    sys.path.insert(0, str(HERE))
    sections = []
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(path.stem)
        print(f"== {path.stem}")
        sections.append(module.run())
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    OUTPUT.write_text(
        "# Benchmarks\n\n"
        f"Machine: {machine}. Command: `make bench` (runs `benchmarks/run.py`). "
        f"Date: {dt.date.today().isoformat()}.\n\n" + "\n".join(sections),
        encoding="utf-8",
    )
    print(f"written to {OUTPUT}")


if __name__ == "__main__":
    main()
