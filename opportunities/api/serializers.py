"""Opportunities over the API: parse and render; opportunities.services writes."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Account, Contact
from kam.api.fields import ScopedPrimaryKeyRelatedField
from kam.api.rows import ModelSerializer
from kam.models import User
from opportunities.models import Contract, Opportunity, ProductLine, Stage


class StageSerializer(ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "name", "name_zh", "order", "probability", "kind", "is_active"]


class ProductLineSerializer(ModelSerializer):
    class Meta:
        model = ProductLine
        fields = ["id", "name", "name_zh", "code", "order", "is_active"]
        extra_kwargs = {"code": {"validators": []}}  # the service reports a taken code


class OpportunitySerializer(ModelSerializer):
    account = ScopedPrimaryKeyRelatedField(queryset=Account.objects.all())
    account_name = serializers.CharField(source="account.name", read_only=True)
    owner = ScopedPrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False,
        help_text=_("Defaults to the user creating it (an admin: the account owner)."),
    )  # fmt: skip
    stage = ScopedPrimaryKeyRelatedField(
        queryset=Stage.objects.all(), required=False,
        help_text=_("On create only (defaults to the first stage); then use the stage action."),
    )  # fmt: skip
    product_line = ScopedPrimaryKeyRelatedField(queryset=ProductLine.objects.all())
    contacts = ScopedPrimaryKeyRelatedField(
        queryset=Contact.objects.all(), many=True, required=False
    )
    probability = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True,
        help_text=_("Defaults to the stage's probability."),
    )  # fmt: skip
    weighted_amount = serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id", "account", "account_name", "name", "type", "product_line", "amount",
            "currency", "expected_close_on", "stage", "probability", "weighted_amount",
            "stage_entered_at", "owner", "contacts", "competitors", "next_step",
            "close_reason", "closed_on", "archived_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["currency", "stage_entered_at", "closed_on", "archived_at",
                            "created_at", "updated_at"]  # fmt: skip

    def validate(self, attrs):
        if self.instance is not None and "stage" in attrs:
            if attrs["stage"].pk != self.instance.stage_id:
                raise serializers.ValidationError(
                    {"stage": [_("Change the stage with the stage action.")]}
                )
            attrs.pop("stage")
        return attrs


class StageMoveSerializer(serializers.Serializer):
    stage = ScopedPrimaryKeyRelatedField(queryset=Stage.objects.all())
    probability = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Required when winning or losing.")
    )


class ContractSerializer(ModelSerializer):
    account = ScopedPrimaryKeyRelatedField(queryset=Account.objects.all())
    opportunity = ScopedPrimaryKeyRelatedField(
        queryset=Opportunity.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Contract
        fields = [
            "id", "account", "opportunity", "number", "title", "amount", "currency",
            "starts_on", "ends_on", "status", "legal_reviewed_by", "legal_reviewed_at",
            "finance_reviewed_by", "finance_reviewed_at", "confidentiality",
            "intellectual_property", "payment_terms", "file_reference", "archived_at",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "currency", "legal_reviewed_by", "legal_reviewed_at", "finance_reviewed_by",
            "finance_reviewed_at", "archived_at", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {"number": {"validators": []}}  # the service reports a taken number

    def validate(self, attrs):
        starts_on = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        ends_on = attrs.get("ends_on", getattr(self.instance, "ends_on", None))
        if starts_on and ends_on and ends_on <= starts_on:
            raise serializers.ValidationError(
                {"ends_on": [_("The end date must be after the start date.")]}
            )
        return attrs


class ContractReviewSerializer(serializers.Serializer):
    check = serializers.ChoiceField(choices=[("legal", _("Legal")), ("finance", _("Finance"))])
