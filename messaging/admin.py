from django.contrib import admin

from messaging.models import Delivery, EmailPreference, TeamChannel


@admin.register(TeamChannel)
class TeamChannelAdmin(admin.ModelAdmin):
    list_display = ["__str__", "team", "provider", "active"]
    list_filter = ["provider", "active"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "channel", "target", "status", "attempts", "sent_at", "created_at"]
    list_filter = ["status", "channel"]
    search_fields = ["target", "last_error"]
    raw_id_fields = ["notification", "recipient", "team_channel"]


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "weekly_digest", "updated_at"]
    raw_id_fields = ["user"]
