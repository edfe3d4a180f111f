"""The reader's language: French unless they chose otherwise, and numbers, dates and money
written the way that language writes them.

Django's LocaleMiddleware follows the browser's Accept-Language, so an English-configured
browser would open PAC in English; our users expect French until they pick English from the
switch, which stores the choice in the language cookie."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from pac.engine.formatting import Formatter
from pac.engine.labels import ROLE_LABELS, language_code
from pac.engine.model import Role


def choices(labels: Mapping[Any, str]) -> list[tuple[str, Any]]:
    """A model's or a form's choice list from one of ``pac.engine.labels``' tables, translated when shown."""
    return [(str(code), translation.gettext_lazy(text)) for code, text in labels.items()]


def role_label(role: Role | str) -> str:
    """A role as people name it (« Account executive (commercial) »), from the one table of role labels."""
    return translation.gettext(ROLE_LABELS[Role(role)])


def language() -> str:
    """The active PAC language (``fr`` or ``en``), as the engine and the exports name it."""
    return language_code(translation.get_language())


def formatter(currency: str = "EUR") -> Formatter:
    """Numbers, dates and amounts in the reader's language (``1 000 000 €`` in French)."""
    return Formatter(language(), currency)


#: The text of a page between its tags, and the elements whose text is left as it is.
_TAG = re.compile(r"(<[^>]*>)")
_VERBATIM = re.compile(r"<(script|style|pre|textarea|code)\b", re.I)
#: French spacing: a non-breaking space before « : » and « € », a narrow one before « ; ! ? % » and inside « ».
_BEFORE_COLON = re.compile(r"(?<=\S) (:(?=\s|$)|€)")
_BEFORE_MARK = re.compile(r"(?<=\S) ([;!?%»])")
_AFTER_QUOTE = re.compile(r"« ")


def french_spaces(page: str) -> str:
    """A French page's text with the spaces French typography keeps on the line (« Objectif : », « 25 % »):
    the catalogue and the team's texts write a plain space, which a line could break at. Only text between
    tags changes (not attributes), and never inside scripts, styles, code or text areas."""
    parts = _TAG.split(page)
    verbatim: str | None = None
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            opening = _VERBATIM.match(part)
            if verbatim is None and opening:
                verbatim = opening.group(1).lower()
            elif verbatim is not None and part.lower().startswith(f"</{verbatim}"):
                verbatim = None
            continue
        if verbatim is None and part.strip():
            text = _BEFORE_COLON.sub("\u00a0\\1", part)
            text = _BEFORE_MARK.sub("\u202f\\1", text)
            parts[index] = _AFTER_QUOTE.sub("«\u202f", text)
    return "".join(parts)


def _is_page(response: HttpResponse) -> bool:
    return (
        not getattr(response, "streaming", False)
        and response.get("Content-Type", "").startswith("text/html")
        and not response.has_header("Content-Disposition")
    )


class ChosenLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        if language == "fr" and _is_page(response):
            response.content = french_spaces(response.content.decode(response.charset)).encode(response.charset)
            if response.has_header("Content-Length"):  # set by CommonMiddleware on the text before its spaces
                response["Content-Length"] = str(len(response.content))
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response
