from django.contrib import admin

from reminders.models import Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """What was sent, for ops: read-only (the key is the exactly-once record)."""

    list_display = ["kind", "subject_type", "subject_id", "due_on", "recipient", "created_at"]
    list_filter = ["kind", "subject_type"]
    search_fields = ["recipient__username", "recipient__full_name"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "notification"]

    def get_urls(self):
        # no add page at all (rather than one that answers 403): reminders are only
        # ever created by the sweep
        return [url for url in super().get_urls() if not (url.name or "").endswith("_add")]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
