"""pac.io is framework-free, like the engine: importing the exports loads no Django."""

from __future__ import annotations

import subprocess
import sys


def test_it_imports_the_exports_without_django() -> None:
    code = "import sys, pac.io.ical, pac.io.xlsx; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"
