from django.contrib import admin

from accounts.models import Account, AccountTeamMember


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
