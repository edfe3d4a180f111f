"""Pagination of every list: ``limit`` (1 to 500, 50 by default) and ``offset``, with the total ``count``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

#: The most rows one call returns.
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
#: Beyond this offset a list is read another way (by filters): a bound for the database's OFFSET.
MAX_OFFSET = 10_000_000


class Pages(PaginationBase):
    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page (at most 500).")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Rows skipped.")

    class Output(Schema):
        items: list[Any]
        count: int
        limit: int
        offset: int

    def paginate_queryset(self, queryset: QuerySet[Any], pagination: Input, request: HttpRequest, **params: Any) -> Any:
        return {
            "items": queryset[pagination.offset : pagination.offset + pagination.limit],
            "count": self._items_count(queryset),
            "limit": pagination.limit,
            "offset": pagination.offset,
        }
