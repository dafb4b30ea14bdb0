"""Credit exposure, read-only: ``/api/v1/credit/exposures/`` (the active accounts the user
sees, each with its exposure, share of the limit, amount overdue more than 90 days, levels
and next review: the figures of the account page and the report), and
``POST /api/v1/credit/exposures/<account id>/review/`` (a credit review: rating, limit,
reason; holders of "credit.review"). Bad input: 400 with the field errors."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.choices import CreditRating
from accounts.models import Account
from credit.levels import status_of, with_levels
from credit.models import CreditReview
from credit.selectors import review_due, with_review
from credit.services import credit_review_record
from kam.api.viewsets import ScopedReadOnlyViewSet
from kam.capabilities import requires

MONEY = {"max_digits": 18, "decimal_places": 2, "read_only": True}


class CreditExposureSerializer(serializers.ModelSerializer):
    receivables = serializers.DecimalField(source="credit_receivables", **MONEY)
    exposure = serializers.DecimalField(source="credit_exposure", **MONEY)
    share = serializers.DecimalField(
        source="credit_share", max_digits=12, decimal_places=1, read_only=True, allow_null=True
    )
    overdue_90 = serializers.DecimalField(source="credit_overdue_90", **MONEY)
    status = serializers.SerializerMethodField()
    overdue_90_warning = serializers.BooleanField(source="credit_at_overdue", read_only=True)
    reviewed_on = serializers.DateField(
        source="credit_reviewed_on", read_only=True, allow_null=True
    )
    next_review_on = serializers.DateField(
        source="credit_next_review_on", read_only=True, allow_null=True
    )
    review_due = serializers.SerializerMethodField()

    class Meta:
        model = Account
        fields = [
            "id", "name", "credit_rating", "credit_limit", "receivables", "exposure", "share",
            "overdue_90", "status", "overdue_90_warning", "reviewed_on", "next_review_on",
            "review_due",
        ]  # fmt: skip
        read_only_fields = fields

    def get_status(self, account) -> str:
        """ok, warning (at the warning level) or over_limit."""
        return status_of(account)

    def get_review_due(self, account) -> bool:
        return review_due(account.credit_next_review_on)


class CreditReviewSerializer(serializers.ModelSerializer):
    new_rating = serializers.ChoiceField(
        choices=[("", ""), *CreditRating.choices], required=False, default=""
    )
    new_limit = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, allow_null=True, required=True
    )
    reason = serializers.CharField()

    class Meta:
        model = CreditReview
        fields = [
            "id", "account", "reviewed_on", "reviewed_by", "old_rating", "new_rating",
            "old_limit", "new_limit", "exposure", "reason", "next_review_on",
        ]  # fmt: skip
        read_only_fields = [
            "id", "account", "reviewed_by", "old_rating", "old_limit", "exposure",
            "next_review_on",
        ]  # fmt: skip
        extra_kwargs = {"reviewed_on": {"required": False}}


class CreditExposureViewSet(ScopedReadOnlyViewSet):
    """The credit exposure of the active accounts the user sees."""

    queryset = Account.objects.active().order_by("name", "pk")
    serializer_class = CreditExposureSerializer
    write_capability = None
    filter_backends = []

    def refine_queryset(self, queryset):
        return with_review(with_levels(queryset))

    @extend_schema(request=CreditReviewSerializer, responses={201: CreditReviewSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[requires("credit.review")],
        serializer_class=CreditReviewSerializer,
    )
    def review(self, request, pk=None):
        """Record a credit review: its rating and limit apply to the account, the next
        review is scheduled by the account's tier."""
        account = self.get_object()
        serializer = CreditReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = credit_review_record(
            actor=request.user, account_id=account.pk, **serializer.validated_data
        )
        return Response(CreditReviewSerializer(review).data, status=201)


def register(router):
    router.register("credit/exposures", CreditExposureViewSet, basename="credit-exposure")
