"""The tier service policy, read-only: ``/api/v1/service-policy/`` (the version in force,
each tier's settings and visit cadence; admins change it on its page) and
``/api/v1/policy-shortfalls/`` (each active account the user sees with where it falls
short of its tier's policy, none or some; ``?kind=`` those short of one). Bad input:
400 with the field errors."""

from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.models import Account
from accounts.policy.models import TIERS, ServicePolicy, Shortfall, policy_in_force
from accounts.policy.rules import missing_levels, shortfalls_of
from accounts.tiering.models import ScoringModel
from kam.api.viewsets import ScopedReadOnlyViewSet


class ShortfallSerializer(serializers.ModelSerializer):
    shortfalls = serializers.SerializerMethodField(
        help_text="plan, sponsor, contacts, executive_meetings"
    )
    missing_levels = serializers.SerializerMethodField()
    executive_meetings_this_year = serializers.IntegerField(read_only=True)
    executive_meetings_target = serializers.IntegerField(
        source="policy_executive_meetings", read_only=True
    )
    contact_within_days = serializers.IntegerField(
        source="policy_contact_within_days", read_only=True
    )

    class Meta:
        model = Account
        fields = [
            "id", "name", "tier", "owner", "shortfalls", "missing_levels",
            "executive_meetings_this_year", "executive_meetings_target", "contact_within_days",
        ]  # fmt: skip
        read_only_fields = fields

    def get_shortfalls(self, account) -> list[str]:
        return shortfalls_of(account)

    def get_missing_levels(self, account) -> list[str]:
        return missing_levels(account)


@extend_schema(parameters=[OpenApiParameter("kind", enum=Shortfall.values, required=False)])
class ShortfallViewSet(ScopedReadOnlyViewSet):
    """Where the active accounts the user sees fall short of their tier's service policy
    (the account page's card, My day's and the team dashboard's counts)."""

    queryset = Account.objects.active().order_by("name", "pk")
    serializer_class = ShortfallSerializer
    write_capability = None
    filter_backends = []

    def refine_queryset(self, queryset):
        rows = queryset.with_policy_shortfalls()
        if self.action != "list":
            return rows
        kind = self.request.query_params.get("kind", "")
        if kind and kind not in Shortfall.values:
            message = _("Use one of %(kinds)s.") % {"kinds": ", ".join(Shortfall.values)}
            raise ValidationError({"kind": [message]})
        return rows.filter(**{f"short_{kind}": True}) if kind else rows


class ServicePolicySerializer(serializers.Serializer):
    version = serializers.IntegerField(allow_null=True)
    changed_at = serializers.DateTimeField(allow_null=True)
    tiers = serializers.DictField(child=serializers.DictField())


class _OneObjectSchema(AutoSchema):
    """The policy's list answers one object (the policy in force), not a list of them."""

    def _is_list_view(self, serializer=None):
        return False


class ServicePolicyViewSet(viewsets.ViewSet):
    """The tier service policy in force (read-only): per tier A–D the visit cadence, the
    first-response hours for complaints, whether a plan and an executive sponsor are
    required, the contact levels to cover and within how many days, the executive
    meetings a year and the credit review cadence."""

    permission_classes = [IsAuthenticated]
    schema = _OneObjectSchema()

    @extend_schema(responses={200: ServicePolicySerializer})
    def list(self, request):
        latest = ServicePolicy.objects.current()
        policy = policy_in_force()
        cadences = ScoringModel.current().cadences
        tiers = {tier: {"cadence_days": cadences[tier.lower()], **policy[tier]} for tier in TIERS}
        return Response(
            {
                "version": latest.version if latest else None,
                "changed_at": latest.created_at if latest else None,
                "tiers": tiers,
            }
        )


def register(router):
    router.register("service-policy", ServicePolicyViewSet, basename="service-policy")
    router.register("policy-shortfalls", ShortfallViewSet, basename="policy-shortfall")
