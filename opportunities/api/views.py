"""The opportunities API: opportunities (with a stage action), stages, product lines and
contracts. Viewsets pick the queryset (ScopedViewSet applies the visibility rule),
let the serializer parse and call one service. Lists run a fixed number of queries."""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Contact
from kam.api.filters import FilterBackend
from kam.api.viewsets import ScopedModelViewSet
from opportunities import services
from opportunities.api.serializers import (
    ContractReviewSerializer,
    ContractSerializer,
    OpportunitySerializer,
    ProductLineSerializer,
    StageMoveSerializer,
    StageSerializer,
)
from opportunities.filtersets import ContractFilterSet, OpportunityFilterSet
from opportunities.models import Contract, Opportunity, ProductLine, Stage


class _Reload:
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


class StageViewSet(ScopedModelViewSet):
    """Pipeline stages: everyone reads them; sales operations (admins) change them."""

    queryset = Stage.objects.order_by("order", "pk")
    serializer_class = StageSerializer
    write_capability = "pipeline.configure"

    def perform_create(self, serializer):
        serializer.instance = services.stage_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.stage_update(
            actor=self.request.user, stage=serializer.instance, **serializer.validated_data
        )


class ProductLineViewSet(ScopedModelViewSet):
    """Product lines: everyone reads them; sales operations (admins) change them."""

    queryset = ProductLine.objects.order_by("order", "name")
    serializer_class = ProductLineSerializer
    write_capability = "pipeline.configure"

    def perform_create(self, serializer):
        serializer.instance = services.product_line_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.product_line_update(
            actor=self.request.user, product_line=serializer.instance, **serializer.validated_data
        )


class OpportunityViewSet(_Reload, ScopedModelViewSet):
    """Opportunities. `POST …/stage/` moves one to another stage (a reason when it is
    won or lost); every move is recorded."""

    queryset = (
        Opportunity.objects.select_related("account")
        .prefetch_related(Prefetch("contacts", queryset=Contact.objects.only("pk")))
        .order_by("expected_close_on", "pk")
    )
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilterSet
    list_related_fields = {"account": ("name",)}

    def perform_create(self, serializer):
        opportunity = services.opportunity_create(
            actor=self.request.user, **serializer.validated_data
        )
        serializer.instance = self.reload(opportunity)

    def perform_update(self, serializer):
        opportunity = services.opportunity_update(
            actor=self.request.user, opportunity=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.reload(opportunity)

    @extend_schema(request=StageMoveSerializer, responses={200: OpportunitySerializer})
    @action(detail=True, methods=["post"], serializer_class=StageMoveSerializer)
    def stage(self, request, pk=None):
        opportunity = self.get_object()
        serializer = StageMoveSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        moved = services.opportunity_move_stage(
            actor=request.user,
            opportunity=opportunity,
            stage=data["stage"],
            probability=data.get("probability"),
            reason=data.get("reason", ""),
        )
        return Response(OpportunitySerializer(self.reload(moved)).data)


class ContractViewSet(_Reload, ScopedModelViewSet):
    """Contracts. `POST …/review/` records the legal or finance review (who, when)."""

    queryset = Contract.objects.order_by("ends_on", "pk")
    serializer_class = ContractSerializer
    filterset_class = ContractFilterSet

    def perform_create(self, serializer):
        contract = services.contract_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(contract)

    def perform_update(self, serializer):
        contract = services.contract_update(
            actor=self.request.user, contract=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.reload(contract)

    @extend_schema(request=ContractReviewSerializer, responses={200: ContractSerializer})
    @action(detail=True, methods=["post"], serializer_class=ContractReviewSerializer)
    def review(self, request, pk=None):
        contract = self.get_object()
        serializer = ContractReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.contract_review(
            actor=request.user, contract=contract, check=serializer.validated_data["check"]
        )
        return Response(ContractSerializer(self.reload(contract)).data, status=status.HTTP_200_OK)
