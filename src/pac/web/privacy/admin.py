"""The erasure log in Django's admin: read only (a log that could be edited would prove nothing)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pac.web.privacy.models import Erasure


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "kind", "at", "team", "requested_by", "request_ref", "done_by", "via", "rows")
    list_filter = ("kind", "requested_by", "via")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
