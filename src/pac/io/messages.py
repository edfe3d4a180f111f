"""The project's message catalogue for code that runs without Django (the CLI, the Excel export, the CRM
import's problems): the same .mo files as the web app, read with the standard library."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from pathlib import Path

from pac.engine.labels import gettext_noop

__all__ = ["LOCALE_DIR", "catalogue", "gettext_noop"]

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogue(language: str) -> Callable[[str], str]:
    """``gettext`` of ``language`` (``fr``, ``en``…); a text without translation comes back as it is."""
    return gettext.translation("django", LOCALE_DIR, languages=[language], fallback=True).gettext
