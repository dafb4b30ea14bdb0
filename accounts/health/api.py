"""Health scores over the API: the daily snapshots, read-only, scoped by account."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers

from accounts.health.models import HealthSnapshot, HealthStatus
from accounts.models import Account
from kam.api.rows import ModelSerializer
from kam.api.viewsets import ScopedReadOnlyViewSet
from kam.filtersets import FilterSet, StableOrderingFilter


def _visible_accounts(request):
    return Account.objects.visible_to(getattr(request, "user", None))


class HealthSnapshotFilterSet(FilterSet):
    account = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_accounts, label=_("Account")
    )
    status = django_filters.MultipleChoiceFilter(choices=HealthStatus.choices, label=_("Health"))
    date = django_filters.DateFilter(field_name="taken_on", label=_("Date"))
    date_after = django_filters.DateFilter(
        field_name="taken_on", lookup_expr="gte", label=_("From date")
    )
    date_before = django_filters.DateFilter(
        field_name="taken_on", lookup_expr="lte", label=_("To date")
    )
    ordering = StableOrderingFilter(
        fields=(("taken_on", "taken_on"), ("score", "score")), label=_("Order by")
    )

    class Meta:
        model = HealthSnapshot
        fields = ["account", "status", "date", "date_after", "date_before"]


class HealthSnapshotSerializer(ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    components = serializers.DictField(
        child=serializers.DictField(),
        read_only=True,
        help_text=_("Per component: its sub-score (0–100), weight and the inputs used."),
    )
    ordering = StableOrderingFilter(
        fields=(("taken_on", "taken_on"), ("score", "score")), label=_("Order by")
    )

    class Meta:
        model = HealthSnapshot
        fields = [
            "id",
            "account",
            "account_name",
            "taken_on",
            "score",
            "status",
            "components",
            "computed_at",
        ]
        read_only_fields = fields


class HealthSnapshotViewSet(ScopedReadOnlyViewSet):
    """Each account's daily health snapshot, newest first: score 0–100, status and the
    components that explain it. Filter by account, status and date (or a date range)."""

    queryset = HealthSnapshot.objects.select_related("account").order_by("-taken_on", "-id")
    serializer_class = HealthSnapshotSerializer
    filterset_class = HealthSnapshotFilterSet
    filter_backends = [DjangoFilterBackend]
