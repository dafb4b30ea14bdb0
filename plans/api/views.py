"""The plans API: plans (nested targets, action items and history), action items,
actuals (read-only, plus the ERP's bulk upsert) and quotas.

Viewsets pick the queryset (``ScopedViewSet`` applies the visibility rule), let the
serializer parse, call one service and render. Lists run a fixed number of queries.
"""

from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kam.api.pagination import CursorPagination
from kam.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from kam.batch import BatchRejectedError
from kam.capabilities import requires
from plans import services
from plans.api.serializers import (
    ActionItemSerializer,
    ActualBulkResultSerializer,
    ActualBulkSerializer,
    ActualSerializer,
    DecisionSerializer,
    PlanSerializer,
    QuotaSerializer,
)
from plans.filtersets import ActionItemFilterSet, ActualFilterSet, PlanFilterSet, QuotaFilterSet
from plans.models import AccountPlan, ActionItem, Actual, KamQuota, PlanTransition, TeamQuota


class _ListFilterMixin:
    filter_backends = [DjangoFilterBackend]

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def reload(self, obj):
        return self.get_queryset().get(pk=obj.pk)


class PlanViewSet(_ListFilterMixin, ScopedModelViewSet):
    """Account plans, one per account per year, with the four quarter targets, the
    action items and the approval history. `POST …/submit/`, `…/approve/`,
    `…/return/` and `…/revise/` move a plan through its approval cycle."""

    queryset = (
        AccountPlan.objects.select_related("account")
        .prefetch_related(
            "targets",
            "action_items",
            Prefetch("transitions", queryset=PlanTransition.objects.select_related("actor")),
        )
        .order_by("-year", "account__name", "pk")
    )
    serializer_class = PlanSerializer
    filterset_class = PlanFilterSet
    list_related_fields = {"account": ("name", "owner")}

    def _targets(self, data):
        targets = data.pop("targets", None)
        return None if targets is None else {row["quarter"]: row for row in targets}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        targets = self._targets(data)
        plan = services.plan_create(actor=self.request.user, targets=targets, **data)
        serializer.instance = self.reload(plan)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        targets = self._targets(data)
        plan = services.plan_update(
            actor=self.request.user, plan=serializer.instance, targets=targets, **data
        )
        serializer.instance = self.reload(plan)

    def _transition(self, request, service):
        plan = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kwargs = {"actor": request.user, "plan": plan}
        if service is not services.plan_submit:
            kwargs["comment"] = body.validated_data["comment"]
        plan = service(**kwargs)
        return Response(PlanSerializer(self.reload(plan), context={"request": request}).data)

    @extend_schema(request=None, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """The account's owner submits a draft or returned plan for approval."""
        return self._transition(request, services.plan_submit)

    @extend_schema(request=DecisionSerializer, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"], permission_classes=[requires("plans.approve")])
    def approve(self, request, pk=None):
        """The supervisor of the owner's team approves a submitted plan."""
        return self._transition(request, services.plan_approve)

    @extend_schema(request=DecisionSerializer, responses={200: PlanSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="return",
        url_name="return",
        permission_classes=[requires("plans.approve")],
    )
    def return_(self, request, pk=None):
        """The supervisor returns a submitted plan with a comment (required)."""
        return self._transition(request, services.plan_return)

    @extend_schema(request=DecisionSerializer, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """Open a new revision of an approved plan: it is a draft again."""
        return self._transition(request, services.plan_revise)


class ActionItemViewSet(_ListFilterMixin, ScopedModelViewSet):
    """The action items of the plans; `?who=mine&open=true&due_before=…` lists what
    is due for the caller."""

    queryset = ActionItem.objects.select_related("plan__account").order_by("due_on", "pk")
    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilterSet
    list_related_fields = {"plan__account": ("name",)}

    def perform_create(self, serializer):
        item = services.action_item_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(item)

    def perform_update(self, serializer):
        item = services.action_item_update(
            actor=self.request.user, item=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.reload(item)


class ActualViewSet(_ListFilterMixin, ScopedReadOnlyViewSet):
    """Monthly actuals per account from the ERP. Read-only, except the bulk upsert."""

    queryset = Actual.objects.select_related("account").order_by(
        "-year", "-month", "account__name", "pk"
    )
    serializer_class = ActualSerializer
    filterset_class = ActualFilterSet
    list_related_fields = {"account": ("name", "external_id")}
    pagination_class = CursorPagination  # a large list: constant cost per page
    cursor_ordering = ("-pk",)  # a batch shares one created_at: the key is unique
    cursor_ordering_fields = ("pk",)

    @extend_schema(request=ActualBulkSerializer, responses={200: ActualBulkResultSerializer})
    @action(
        detail=False,
        methods=["post"],
        serializer_class=ActualBulkSerializer,
        filter_backends=[],
        pagination_class=None,
        permission_classes=[requires("actuals.import")],
    )
    def bulk(self, request):
        """Insert or update a batch by (account external id, year, month), all or
        nothing: a wrong row refuses the batch and `errors.rows` names each wrong row
        by its index and field. Sending the same batch twice changes nothing."""
        body = ActualBulkSerializer(data=request.data)
        if not body.is_valid():
            raise serializers.ValidationError(_row_shaped(body.errors))
        rows = [dict(row) for row in body.validated_data["rows"]]
        try:
            count = services.actuals_upsert(actor=request.user, rows=rows)
        except BatchRejectedError as error:
            raise serializers.ValidationError(
                {"rows": {str(index): fields for index, fields in error.row_errors.items()}}
            ) from error
        return Response({"rows": count}, status=status.HTTP_200_OK)


def _row_shaped(errors):
    """DRF's list of per-row errors ([{}, {...}]) as {index: {...}} for wrong rows only."""
    rows = errors.get("rows")
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        errors = dict(errors)
        errors["rows"] = {str(index): row for index, row in enumerate(rows) if row}
    return errors


class QuotaViewSet(_ListFilterMixin, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Team quotas by year with their split per KAM. `POST` sets (or replaces) a
    team's year: the quarters must add up to the year, the KAMs' split to the team's."""

    queryset = (
        TeamQuota.objects.select_related("team")
        .prefetch_related(Prefetch("splits", queryset=KamQuota.objects.select_related("user")))
        .order_by("-year", "team__name", "pk")
    )
    serializer_class = QuotaSerializer
    filterset_class = QuotaFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        quota = services.quota_set(
            actor=self.request.user,
            team=data["team"],
            year=data["year"],
            annual=data["annual"],
            quarters=[data["q1"], data["q2"], data["q3"], data["q4"]],
            splits=[
                (row["user"], row["annual"], [row["q1"], row["q2"], row["q3"], row["q4"]])
                for row in data.get("splits", [])
            ],
        )
        serializer.instance = self.reload(quota)
