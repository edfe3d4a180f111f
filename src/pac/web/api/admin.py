from django.contrib import admin

from pac.web.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Tokens as an administrator audits them: whose, which rights, last use; the digest is never shown."""

    list_display = ["prefix", "user", "name", "scope", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["prefix", "name", "user__username"]
    fields = ["prefix", "user", "name", "scope", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "user", "name", "scope", "created_at", "last_used_at"]

    def has_add_permission(self, request: object) -> bool:
        return False  # a token is issued where its secret can be shown once: the page or the CLI
