from django.contrib import admin

from opportunities.models import Contract, Opportunity, ProductLine, Stage


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["name", "name_zh", "order", "probability", "kind", "is_active"]
    list_filter = ["is_active"]


@admin.register(ProductLine)
class ProductLineAdmin(admin.ModelAdmin):
    list_display = ["name", "name_zh", "code", "order", "is_active"]
    list_filter = ["is_active"]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "stage", "amount", "probability", "expected_close_on"]
    list_select_related = ["account", "stage"]
    raw_id_fields = ["account", "owner", "contacts", "created_by"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["number", "account", "status", "amount", "starts_on", "ends_on"]
    list_select_related = ["account"]
    raw_id_fields = ["account", "opportunity", "legal_reviewed_by", "finance_reviewed_by"]
