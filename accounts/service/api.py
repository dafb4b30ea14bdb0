"""Service and risk over the API: complaints (with their transition actions), surveys
and risk events.

Viewsets parse, call one service and render; the visibility rule comes from
``ScopedViewSet``. Lists run a fixed number of queries (everything a row shows is
joined here) and filter through the FilterSets the list pages use.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Account, Contact, Visit
from accounts.service import services
from accounts.service.filtersets import ComplaintFilterSet, RiskEventFilterSet, SurveyFilterSet
from accounts.service.models import Complaint, RiskEvent, RootCause, SlaState, Survey
from kam.api.fields import ScopedPrimaryKeyRelatedField
from kam.api.filters import FilterBackend
from kam.api.rows import ModelSerializer
from kam.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from kam.models import User
from kam.scoping import CHANGE

# --- serializers ------------------------------------------------------------------------


class ComplaintSerializer(ModelSerializer):
    account = ScopedPrimaryKeyRelatedField(queryset=Account.objects.active(), action=CHANGE)
    account_name = serializers.CharField(source="account.name", read_only=True)
    contact = ScopedPrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    owner = ScopedPrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Defaults to the account owner."),
    )
    received_at = serializers.DateTimeField(required=False)
    sla = serializers.ChoiceField(choices=SlaState.choices, read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id", "account", "account_name", "contact", "received_at", "channel", "category",
            "severity", "description", "owner", "response_due", "first_response_at", "response",
            "resolution", "root_cause", "resolved_at", "verification_visit", "verified_at",
            "closed_at", "satisfaction", "status", "breached", "breached_at", "sla",
        ]  # fmt: skip
        read_only_fields = [
            "response_due", "first_response_at", "response", "resolution", "root_cause",
            "resolved_at", "verification_visit", "verified_at", "closed_at", "satisfaction",
            "status", "breached", "breached_at",
        ]  # fmt: skip


class ComplaintRespondSerializer(serializers.Serializer):
    response = serializers.CharField(help_text=_("How the customer was answered."))


class ComplaintResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField()
    root_cause = serializers.ChoiceField(choices=RootCause.choices)


class ComplaintVerifySerializer(serializers.Serializer):
    visit = ScopedPrimaryKeyRelatedField(
        queryset=Visit.objects.all(),
        help_text=_("A visit to the same account made after the resolution."),
    )


class ComplaintCloseSerializer(serializers.Serializer):
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)


class SurveySerializer(ModelSerializer):
    account = ScopedPrimaryKeyRelatedField(queryset=Account.objects.active(), action=CHANGE)
    account_name = serializers.CharField(source="account.name", read_only=True)
    contact = ScopedPrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    taken_on = serializers.DateField(required=False)
    nps = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    csat = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)

    class Meta:
        model = Survey
        fields = [
            "id", "account", "account_name", "contact", "taken_on", "nps", "csat", "comment",
            "recorded_by", "created_at",
        ]  # fmt: skip
        read_only_fields = ["recorded_by", "created_at"]


class RiskEventSerializer(ModelSerializer):
    account = ScopedPrimaryKeyRelatedField(queryset=Account.objects.active(), action=CHANGE)
    account_name = serializers.CharField(source="account.name", read_only=True)
    owner = ScopedPrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Defaults to the account owner."),
    )

    class Meta:
        model = RiskEvent
        fields = [
            "id", "account", "account_name", "type", "level", "description", "mitigation",
            "owner", "status", "closed_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["closed_at", "created_at", "updated_at"]

    def validate(self, attrs):
        if self.instance is not None and "account" in attrs:
            raise serializers.ValidationError({"account": _("A risk stays on its account.")})
        return attrs


# --- viewsets ---------------------------------------------------------------------------


class _FilteredListMixin:
    filter_backends = [FilterBackend]

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def reload(self, obj):
        try:
            return self.get_queryset().get(pk=obj.pk)
        except ObjectDoesNotExist:
            raise Http404 from None


class ComplaintViewSet(_FilteredListMixin, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Complaints with their first-response deadline. A complaint moves on only through
    its actions: respond, resolve, verify (by a follow-up visit) and close."""

    queryset = Complaint.objects.select_related("account").order_by("-received_at", "-pk")
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilterSet

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        complaint = services.complaint_record(actor=request.user, **serializer.validated_data)
        body = ComplaintSerializer(self.reload(complaint), context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)

    def _step(self, request, service, **extra):
        complaint = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service(actor=request.user, complaint=complaint, **serializer.validated_data, **extra)
        body = ComplaintSerializer(self.reload(complaint), context=self.get_serializer_context())
        return Response(body.data)

    @extend_schema(request=ComplaintRespondSerializer, responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"], serializer_class=ComplaintRespondSerializer)
    def respond(self, request, pk=None):
        """open → responded; a late answer marks the breach for good."""
        return self._step(request, services.complaint_respond)

    @extend_schema(request=ComplaintResolveSerializer, responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"], serializer_class=ComplaintResolveSerializer)
    def resolve(self, request, pk=None):
        """responded → resolved, with the resolution and the root cause."""
        return self._step(request, services.complaint_resolve)

    @extend_schema(request=ComplaintVerifySerializer, responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"], serializer_class=ComplaintVerifySerializer)
    def verify(self, request, pk=None):
        """resolved → verified, by a visit to the account after the resolution."""
        return self._step(request, services.complaint_verify)

    @extend_schema(request=ComplaintCloseSerializer, responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"], serializer_class=ComplaintCloseSerializer)
    def close(self, request, pk=None):
        """verified → closed, with the customer's satisfaction 1–5."""
        return self._step(request, services.complaint_close)


class SurveyViewSet(_FilteredListMixin, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Satisfaction surveys: NPS 0–10 and/or CSAT 1–5. A survey answer is a record."""

    queryset = Survey.objects.select_related("account").order_by("-taken_on", "-pk")
    serializer_class = SurveySerializer
    filterset_class = SurveyFilterSet

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        survey = services.survey_record(actor=request.user, **serializer.validated_data)
        body = self.get_serializer(self.reload(survey)).data
        return Response(body, status=status.HTTP_201_CREATED)


class RiskEventViewSet(_FilteredListMixin, ScopedModelViewSet):
    """Risk events: type, level, mitigation plan and status."""

    queryset = RiskEvent.objects.select_related("account").order_by("-created_at", "-pk")
    serializer_class = RiskEventSerializer
    filterset_class = RiskEventFilterSet

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        risk = services.risk_raise(actor=request.user, **serializer.validated_data)
        body = self.get_serializer(self.reload(risk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        risk = self.get_object()
        serializer = self.get_serializer(
            risk, data=request.data, partial=kwargs.pop("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        risk = services.risk_update(actor=request.user, risk=risk, **serializer.validated_data)
        return Response(self.get_serializer(self.reload(risk)).data)


def register(router):
    """Register the service resources on the project router."""
    router.register("complaints", ComplaintViewSet, basename="complaint")
    router.register("surveys", SurveyViewSet, basename="survey")
    router.register("risks", RiskEventViewSet, basename="risk")
