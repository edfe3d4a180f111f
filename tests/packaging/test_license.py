"""The LICENSE file is the licence `pyproject.toml` declares: the standard text, unchanged, so the SPDX
identifier people and tools read and the terms they get are the same."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: SPDX identifier → the standard text's title, version line and SHA-256 (the FSF's agpl-3.0.txt, 34 523 bytes;
#: the "-or-later" is said in each program's notice, the licence text is the same).
STANDARD_TEXTS = {
    "AGPL-3.0-or-later": (
        "GNU AFFERO GENERAL PUBLIC LICENSE",
        "Version 3, 19 November 2007",
        "8486a10c4393cee1c25392769ddd3b2d6c242d6ec7928e1414efff7dfb2f07ef",
    ),
}


def test_the_license_file_is_the_standard_text_of_the_declared_licence() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["license"]
    assert declared in STANDARD_TEXTS, f"no standard text known for {declared!r}"
    title, version, digest = STANDARD_TEXTS[declared]
    text = (ROOT / "LICENSE").read_bytes()
    lines = [line.strip() for line in text.decode("utf-8").splitlines()[:2]]
    assert lines == [title, version]
    assert hashlib.sha256(text).hexdigest() == digest  # word for word, as published
