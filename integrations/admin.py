from django.contrib import admin

from integrations.models import (
    ApiToken,
    OutboxEvent,
    ServiceUser,
    WebhookDelivery,
    WebhookSubscription,
)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "read_only", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["digest", "token_prefix", "last_used_at", "revoked_at"]


@admin.register(ServiceUser)
class ServiceUserAdmin(admin.ModelAdmin):
    list_display = ["user", "description", "created_at"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "is_active"]


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["kind", "account", "created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["subscription", "event", "status", "attempts", "last_attempt_at"]
