from django.contrib import admin

from accounts.models import Account, AccountTeamMember, ServiceSettings


class AccountTeamMemberInline(admin.TabularInline):
    model = AccountTeamMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "archived_at", "updated_at"]
    search_fields = ["name"]
    list_select_related = ["owner"]
    autocomplete_fields = ["owner"]
    inlines = [AccountTeamMemberInline]


@admin.register(ServiceSettings)
class ServiceSettingsAdmin(admin.ModelAdmin):
    """The first-response commitments per severity (one row)."""

    list_display = ["__str__", "response_hours_critical", "response_hours_high", "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ServiceSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
