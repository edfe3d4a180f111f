"""A long list shown a page at a time, newest first (the history, the decision log): which page was asked
for, within bounds, and the links to the pages on either side that keep the list's filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest


@dataclass(frozen=True)
class Paging:
    page: int
    pages: int
    start: int  # the first row of the page, from 0
    end: int  # one past the last
    previous_url: str
    next_url: str


def paging(request: HttpRequest, total: int, size: int, query: Mapping[str, str]) -> Paging:
    """The page ``?page=`` asks for among ``total`` rows, ``size`` a page (anything else than a page number
    in range: the nearest page), and its neighbours' links carrying ``query``."""
    pages = max((total + size - 1) // size, 1)
    raw = request.GET.get("page", "1")
    page = min(max(int(raw) if raw.isdigit() and len(raw) < 7 else 1, 1), pages)
    start = (page - 1) * size
    return Paging(
        page=page,
        pages=pages,
        start=start,
        end=start + size,
        previous_url=f"?{urlencode({**query, 'page': page - 1})}" if page > 1 else "",
        next_url=f"?{urlencode({**query, 'page': page + 1})}" if page < pages else "",
    )
