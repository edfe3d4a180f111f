"""The committed OpenAPI schema (``docs/api/openapi.json``) written from the code: ``make api-schema``.
A test compares the two, so the schema a client reads is the one the server answers by."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

#: Where the schema is committed, from the repository's root.
SCHEMA_PATH = Path("docs") / "api" / "openapi.json"


def schema_document() -> dict[str, Any]:
    """The API's OpenAPI schema, the same whatever the language (descriptions are in English)."""
    from django.utils import translation

    from pac.web.api.api import api

    with translation.override("en"):
        return dict(api.get_openapi_schema(path_prefix="/api/v1"))


def schema_text() -> str:
    return json.dumps(schema_document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main() -> None:  # pragma: no cover - `make api-schema`
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pac.web.settings")
    import django

    django.setup()
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(schema_text(), encoding="utf-8")
    print(f"{target}: written")


if __name__ == "__main__":  # pragma: no cover
    main()
