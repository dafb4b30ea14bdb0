"""Tiering over the API: scores with their breakdown, the scoring model, overrides.

Viewsets parse, call one service and render; the visibility rule comes from
``ScopedViewSet`` (scores and overrides follow their account; the scoring model is
read by everyone signed in and changed by admins).
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Account
from accounts.tiering import services
from accounts.tiering.models import Criterion, ScoringModel, Tier, TierOverride, TierScore
from kam.api.fields import ScopedPrimaryKeyRelatedField
from kam.api.rows import ModelSerializer
from kam.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSet
from kam.filtersets import FilterSet


def _visible_accounts(request):
    return Account.objects.visible_to(getattr(request, "user", None))


class TierScoreFilterSet(FilterSet):
    account = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_accounts, label=_("Account")
    )
    run = django_filters.NumberFilter(field_name="run_id", label=_("Scoring run"))
    tier = django_filters.MultipleChoiceFilter(choices=Tier.choices, label=_("Tier"))

    class Meta:
        model = TierScore
        fields = ["account", "run", "tier"]


class TierOverrideFilterSet(FilterSet):
    account = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_accounts, label=_("Account")
    )
    active = django_filters.BooleanFilter(
        field_name="removed_at", lookup_expr="isnull", label=_("Active")
    )

    class Meta:
        model = TierOverride
        fields = ["account", "active"]


# --- serializers ------------------------------------------------------------------------


class TierScoreSerializer(ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    scored_at = serializers.DateTimeField(source="run.started_at", read_only=True)
    breakdown = serializers.DictField(
        child=serializers.DictField(),
        read_only=True,
        help_text=_(
            "Per criterion: its score (0–100), weight, weighted points and the inputs used."
        ),
    )

    class Meta:
        model = TierScore
        fields = ["id", "account", "account_name", "run", "scored_at", "total", "tier", "breakdown"]
        read_only_fields = fields


class ScoringModelSerializer(ModelSerializer):
    weights = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        required=False,
        help_text=_("One whole-number weight per criterion; they add up to 100."),
    )
    criteria = serializers.SerializerMethodField(help_text=_("The criteria and their names."))

    # the default model (never saved) has no time yet
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = ScoringModel
        fields = [
            "weights",
            "criteria",
            "threshold_a",
            "threshold_b",
            "threshold_c",
            "cadence_a",
            "cadence_b",
            "cadence_c",
            "cadence_d",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = ["criteria", "updated_by", "updated_at"]

    def get_criteria(self, obj) -> dict[str, str]:
        return {value: str(label) for value, label in Criterion.choices}

    def service_arguments(self) -> dict:
        data = self.validated_data
        thresholds = {
            key: data[f"threshold_{key}"] for key in ("a", "b", "c") if f"threshold_{key}" in data
        }
        cadences = {
            key: data[f"cadence_{key}"] for key in ("a", "b", "c", "d") if f"cadence_{key}" in data
        }
        return {
            "weights": data.get("weights"),
            "thresholds": thresholds or None,
            "cadences": cadences or None,
        }


class TierOverrideSerializer(ModelSerializer):
    account = ScopedPrimaryKeyRelatedField(queryset=Account.objects.active())
    tier = serializers.ChoiceField(choices=Tier.choices)
    reason = serializers.CharField(help_text=_("Why the account belongs in this tier."))
    account_name = serializers.CharField(source="account.name", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = TierOverride
        fields = [
            "id",
            "account",
            "account_name",
            "tier",
            "reason",
            "is_active",
            "created_by",
            "created_at",
            "removed_by",
            "removed_at",
        ]
        read_only_fields = ["created_by", "created_at", "removed_by", "removed_at"]


# --- viewsets ---------------------------------------------------------------------------


class TierScoreViewSet(ScopedReadOnlyViewSet):
    """Every score kept, newest first, with the breakdown that explains it."""

    queryset = TierScore.objects.select_related("run", "account").order_by("-id")
    serializer_class = TierScoreSerializer
    filterset_class = TierScoreFilterSet
    filter_backends = [DjangoFilterBackend]


class ScoringModelViewSet(ScopedViewSet):
    """The current scoring model: criteria weights, tier thresholds, visit cadences."""

    queryset = ScoringModel.objects.all()
    serializer_class = ScoringModelSerializer
    write_capability = "scoring.configure"
    pagination_class = None
    filter_backends = []

    @extend_schema(responses={200: ScoringModelSerializer})
    @action(detail=False, methods=["get", "put", "patch"])
    def current(self, request):
        """Read the model (anyone signed in); change it (admins: PUT or PATCH). The
        weights must cover every criterion and add up to 100; thresholds must satisfy
        100 ≥ A > B > C > 0; cadences are at least one day."""
        model = ScoringModel.current()
        if request.method == "GET":
            return Response(self.get_serializer(model).data)
        serializer = self.get_serializer(
            model, data=request.data, partial=request.method == "PATCH"
        )
        serializer.is_valid(raise_exception=True)
        model = services.scoring_model_update(actor=request.user, **serializer.service_arguments())
        return Response(self.get_serializer(model).data)


class TierOverrideViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Supervisors' and admins' tier overrides, each with its reason. `POST` sets one
    (replacing the account's active override); `POST …/remove/` ends it and the
    account falls back to its computed tier."""

    queryset = TierOverride.objects.select_related("account").order_by("-created_at", "-id")
    serializer_class = TierOverrideSerializer
    filterset_class = TierOverrideFilterSet
    filter_backends = [DjangoFilterBackend]
    write_capability = "tiers.override"

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def perform_create(self, serializer):
        serializer.instance = services.tier_override_set(
            actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=None, responses={200: TierOverrideSerializer})
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        override = self.get_object()
        if not override.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("This override was already removed.")]}
            )
        override = services.tier_override_remove(actor=request.user, account=override.account)
        return Response(self.get_serializer(override).data, status=status.HTTP_200_OK)
