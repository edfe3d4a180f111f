"""The project's message catalogue for code that runs without Django (the CLI, the Excel export, the CRM
import's problems): the same .mo files as the web app, read with the standard library."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def gettext_noop(text: str) -> str:
    """Marks a text for the message extraction (``make messages-update``); it is translated where shown."""
    return text


def catalogue(language: str) -> Callable[[str], str]:
    """``gettext`` of ``language`` (``fr``, ``en``…); a text without translation comes back as it is."""
    return gettext.translation("django", LOCALE_DIR, languages=[language], fallback=True).gettext
