from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from pac.web.accounts.models import Team, User


@admin.register(User)
class PacUserAdmin(UserAdmin):  # type: ignore[type-arg]
    fieldsets = (*UserAdmin.fieldsets, ("PAC", {"fields": ("role", "teams")}))  # type: ignore[misc]
    list_display = ("username", "email", "role", "is_staff")


admin.site.register(Team)
