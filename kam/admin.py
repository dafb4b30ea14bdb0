from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.utils.translation import gettext_lazy as _

from kam.models import ExportRecord, Team, TeamMembership, User
from kam.services import last_admin_problem


class UserChangeForm(DjangoUserChangeForm):
    def clean(self):
        cleaned = super().clean()
        problem = last_admin_problem(
            self.instance,
            role=cleaned.get("role", self.instance.role),
            is_active=cleaned.get("is_active", self.instance.is_active),
        )
        for field, messages in (problem or {}).items():
            for message in messages:
                self.add_error(field, message)
        return cleaned


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
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
