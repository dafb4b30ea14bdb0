"""Plans, action items, actuals and quotas over the API: these parse and render;
the writes happen in ``plans.services``."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Account
from kam.api.fields import ScopedPrimaryKeyRelatedField
from kam.api.rows import ModelSerializer
from kam.models import Team, User
from kam.scoping import CHANGE
from plans.choices import CompetitorPosition
from plans.models import (
    AccountPlan,
    ActionItem,
    Actual,
    KamQuota,
    PlanTarget,
    PlanTransition,
    TeamQuota,
)


class CompetitorSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    share = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        help_text=_("Their share of the account's wallet, %."),
    )
    position = serializers.CharField(
        max_length=120,
        required=False,
        allow_blank=True,
        help_text=_("e.g. %(examples)s") % {"examples": ", ".join(CompetitorPosition.values)},
    )


class PlanTargetSerializer(ModelSerializer):
    class Meta:
        model = PlanTarget
        fields = ["quarter", "revenue", "new_business", "gross_margin", "share_of_wallet"]
        extra_kwargs = {"quarter": {"validators": []}}


class PlanTransitionSerializer(ModelSerializer):
    actor_name = serializers.CharField(source="actor.display_name", read_only=True)

    class Meta:
        model = PlanTransition
        fields = [
            "event",
            "from_status",
            "to_status",
            "revision",
            "actor",
            "actor_name",
            "comment",
            "created_at",
        ]
        read_only_fields = fields


class ActionItemSerializer(ModelSerializer):
    plan = ScopedPrimaryKeyRelatedField(queryset=AccountPlan.objects.all(), action=CHANGE)
    owner = ScopedPrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    account_name = serializers.CharField(source="plan.account.name", read_only=True)

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "plan",
            "account_name",
            "title",
            "owner",
            "due_on",
            "status",
            "department",
            "note",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["completed_at", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            fields["plan"].read_only = True
        return fields


class NestedActionItemSerializer(ModelSerializer):
    class Meta:
        model = ActionItem
        fields = ["id", "title", "owner", "due_on", "status", "department", "note", "completed_at"]
        read_only_fields = fields


class PlanSerializer(ModelSerializer):
    account = ScopedPrimaryKeyRelatedField(queryset=Account.objects.all(), action=CHANGE)
    account_name = serializers.CharField(source="account.name", read_only=True)
    owner = serializers.IntegerField(source="account.owner_id", read_only=True)
    competitors = CompetitorSerializer(many=True, required=False)
    targets = PlanTargetSerializer(
        many=True,
        required=False,
        help_text=_(
            "The four quarters; revenue and new-business revenue must add up to the year's."
        ),
    )
    action_items = NestedActionItemSerializer(many=True, read_only=True)
    transitions = PlanTransitionSerializer(many=True, read_only=True)
    currency = serializers.SerializerMethodField()

    class Meta:
        model = AccountPlan
        fields = [
            "id",
            "account",
            "account_name",
            "owner",
            "year",
            "revision",
            "status",
            "objectives",
            "strengths",
            "weaknesses",
            "opportunities",
            "threats",
            "competitors",
            "revenue_target",
            "new_business_target",
            "gross_margin_target",
            "share_of_wallet_target",
            "product_lines",
            "currency",
            "targets",
            "action_items",
            "transitions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["revision", "status", "created_at", "updated_at"]
        validators = []  # the service answers a second plan for the same year

    def get_currency(self, obj) -> str:
        return settings.DEFAULT_CURRENCY

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            fields["account"].read_only = True
            fields["year"].read_only = True
        return fields

    def validate_targets(self, value):
        quarters = [row["quarter"] for row in value]
        if sorted(quarters) != [1, 2, 3, 4]:
            raise serializers.ValidationError(_("Give the four quarters 1, 2, 3 and 4 once each."))
        return value

    def validate_competitors(self, value):
        return [
            {**row, "share": None if row.get("share") is None else str(row["share"])}
            for row in value
        ]


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ActualSerializer(ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    external_id = serializers.CharField(
        source="account.external_id", read_only=True, allow_null=True
    )
    receivables_overdue = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, help_text=_("The four buckets summed.")
    )
    currency = serializers.SerializerMethodField()

    def get_currency(self, obj) -> str:
        return settings.DEFAULT_CURRENCY

    class Meta:
        model = Actual
        fields = [
            "id",
            "account",
            "account_name",
            "external_id",
            "year",
            "month",
            "revenue",
            "gross_profit",
            "invoiced",
            "collected",
            "overdue_1_30",
            "overdue_31_60",
            "overdue_61_90",
            "overdue_over_90",
            "receivables_overdue",
            "currency",
            "source",
            "updated_at",
        ]
        read_only_fields = fields


class ActualRowSerializer(serializers.Serializer):
    """One row of a bulk upsert; figures may be omitted (0)."""

    external_id = serializers.CharField(help_text=_("The account's key in the ERP."))
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    gross_profit = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    invoiced = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    collected = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    overdue_1_30 = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    overdue_31_60 = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    overdue_61_90 = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    overdue_over_90 = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)


class ActualBulkSerializer(serializers.Serializer):
    rows = ActualRowSerializer(many=True, allow_empty=False, max_length=5000)


class ActualBulkResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField(help_text=_("How many rows the batch carried."))


class KamQuotaSerializer(ModelSerializer):
    user = ScopedPrimaryKeyRelatedField(queryset=User.objects.all())
    user_name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = KamQuota
        fields = ["user", "user_name", "annual", "q1", "q2", "q3", "q4"]


class QuotaSerializer(ModelSerializer):
    team = ScopedPrimaryKeyRelatedField(queryset=Team.objects.all())
    team_name = serializers.CharField(source="team.name", read_only=True)
    splits = KamQuotaSerializer(many=True, required=False)

    class Meta:
        model = TeamQuota
        fields = [
            "id",
            "team",
            "team_name",
            "year",
            "annual",
            "q1",
            "q2",
            "q3",
            "q4",
            "splits",
            "set_by",
            "updated_at",
        ]
        read_only_fields = ["set_by", "updated_at"]
        validators = []  # setting a year again replaces it
