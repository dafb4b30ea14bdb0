"""The account lifecycle, read-only: ``/api/v1/lifecycle/accounts/`` (the active accounts
the user sees, each with its lifecycle stage, its last move, the override in force and
its customer lifetime value: the figures of the account page and the report), and
``POST /api/v1/lifecycle/accounts/<account id>/override/`` (set the stage by hand with a
reason, optionally until a date; ``{"lift": true}`` lifts it; holders of
"lifecycle.override"). Bad input: 400 with the field errors."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.choices import AccountStatus
from accounts.models import Account
from kam.api.viewsets import ScopedReadOnlyViewSet
from kam.capabilities import requires
from lifecycle.models import LifecycleMove, LifecycleOverride
from lifecycle.selectors import last_moves
from lifecycle.services import override_lift, override_set
from plans.lifetime import with_lifetime_value

MONEY = {"max_digits": 18, "decimal_places": 2, "read_only": True}


class LifecycleMoveSerializer(serializers.ModelSerializer):
    class Meta:
        model = LifecycleMove
        fields = ["from_stage", "to_stage", "rule", "reason", "moved_by", "moved_at"]
        read_only_fields = fields


class LifecycleOverrideSerializer(serializers.ModelSerializer):
    lift = serializers.BooleanField(write_only=True, required=False, default=False)

    class Meta:
        model = LifecycleOverride
        fields = ["id", "stage", "reason", "until", "created_by", "created_at", "lift"]
        read_only_fields = ["id", "created_by", "created_at"]
        extra_kwargs = {"stage": {"required": False}, "reason": {"required": False}}

    def validate(self, data):
        if not data.get("lift"):
            errors = {}
            for name in ("stage", "reason"):
                if not data.get(name):
                    errors[name] = [self.fields[name].error_messages["required"]]
            if errors:
                raise serializers.ValidationError(errors)
        return data


class LifecycleSerializer(serializers.ModelSerializer):
    stage = serializers.ChoiceField(source="status", choices=AccountStatus.choices, read_only=True)
    last_move = serializers.SerializerMethodField()
    override = serializers.SerializerMethodField()
    profit_to_date = serializers.DecimalField(**MONEY)
    plan_remaining = serializers.DecimalField(**MONEY)
    lifetime_value = serializers.DecimalField(**MONEY)

    class Meta:
        model = Account
        fields = [
            "id", "name", "stage", "last_move", "override", "profit_to_date", "plan_remaining",
            "lifetime_value",
        ]  # fmt: skip
        read_only_fields = fields

    def get_last_move(self, account) -> dict | None:
        move = self.context.get("moves", {}).get(account.pk)
        return LifecycleMoveSerializer(move).data if move else None

    def get_override(self, account) -> dict | None:
        override = self.context.get("overrides", {}).get(account.pk)
        return LifecycleOverrideSerializer(override).data if override else None


class LifecycleViewSet(ScopedReadOnlyViewSet):
    """The lifecycle stage and the lifetime value of the active accounts the user sees."""

    queryset = Account.objects.active().order_by("name", "pk")
    serializer_class = LifecycleSerializer
    write_capability = None
    filter_backends = []

    def refine_queryset(self, queryset):
        return with_lifetime_value(queryset)

    def _context(self, accounts):
        ids = [account.pk for account in accounts]
        overrides = LifecycleOverride.objects.holding().filter(account_id__in=ids)
        return {
            **self.get_serializer_context(),
            "moves": last_moves(ids),
            "overrides": {o.account_id: o for o in overrides},
        }

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        data = LifecycleSerializer(rows, many=True, context=self._context(rows)).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        account = self.get_object()
        return Response(LifecycleSerializer(account, context=self._context([account])).data)

    @extend_schema(request=LifecycleOverrideSerializer, responses={200: LifecycleSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[requires("lifecycle.override")],
        serializer_class=LifecycleOverrideSerializer,
    )
    def override(self, request, pk=None):
        """Set the account's lifecycle stage by hand with a reason (the rules leave it
        there until the override is lifted or its end date passes), or lift the override
        (``lift``: true). Answers the account's lifecycle."""
        account = self.get_object()
        serializer = LifecycleOverrideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("lift"):
            override_lift(actor=request.user, account_id=account.pk)
        else:
            override_set(
                actor=request.user, account_id=account.pk, stage=data["stage"],
                reason=data["reason"], until=data.get("until"),
            )  # fmt: skip
        account = with_lifetime_value(Account.objects.filter(pk=account.pk)).get()
        return Response(LifecycleSerializer(account, context=self._context([account])).data)


def register(router):
    router.register("lifecycle/accounts", LifecycleViewSet, basename="lifecycle")
