from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from kam.models import ExportRecord, Team, TeamMembership, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "email", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Key account management"), {"fields": ("full_name", "role", "phone", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Key account management"), {"fields": ("full_name", "role", "email")}),
    )


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "supervisor", "updated_at"]
    search_fields = ["name"]
    list_select_related = ["supervisor"]
    autocomplete_fields = ["supervisor"]
    inlines = [TeamMembershipInline]


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    """Who took which data out of the product, read-only."""

    list_display = ["exported_at", "user", "what", "file_format", "row_count"]
    list_filter = ["file_format", "what"]
    search_fields = ["user__username", "what", "file_name"]
    list_select_related = ["user"]
    date_hierarchy = "exported_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
