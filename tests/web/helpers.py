"""Read a page the way a person reads it: tags stripped, every kind of space a plain space."""

from __future__ import annotations

import html
import re
from typing import Any


def page_text(response: Any) -> str:
    body = response.content.decode("utf-8")
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    body = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"[\s\u202f\u00a0]+", " ", body)
