"""The accounts API: key accounts, contacts and visits.

Viewsets pick the queryset (``ScopedViewSet`` applies the visibility rule), let
the serializer parse, call one service and render. Lists run a fixed number of
queries whatever the page size: everything a row shows is annotated, joined or
prefetched here.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import OuterRef, Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import bulk, services
from accounts.api.serializers import (
    AccountHandoverSerializer,
    AccountSerializer,
    ContactSerializer,
    HandoverSerializer,
    VisitCommentSerializer,
    VisitSerializer,
)
from accounts.bulk import (
    AccountBatchSerializer,
    BatchResultSerializer,
    ContactBatchSerializer,
)
from accounts.filtersets import AccountFilterSet, ContactFilterSet, VisitFilterSet
from accounts.models import (
    Account,
    AccountTeamMember,
    Contact,
    Visit,
    VisitComment,
    last_visit_at,
)
from accounts.nested import USER_FIELDS, Nested, with_nested
from kam.api.filters import FilterBackend
from kam.api.pagination import CursorPagination
from kam.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from kam.capabilities import requires
from kam.models import User


class _SharedFilterSetMixin:
    """Lists filter and sort through the resource's shared FilterSet (its ``ordering``
    parameter included, so DRF's OrderingFilter does not run). The FilterSet hides
    archived rows unless asked; a detail URL still reaches them, so it applies to
    lists only."""

    filter_backends = [FilterBackend]

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def reload(self, obj):
        """``obj`` as lists and details render it (annotations and prefetches)."""
        try:
            return self.get_queryset().get(pk=obj.pk)
        except ObjectDoesNotExist:
            raise Http404 from None


def _team_pairs(members):
    return [(member["user"], member["role"]) for member in members]


def _out_of_view_error():
    return serializers.ValidationError(
        {"non_field_errors": [_("After this change the account would leave your view.")]}
    )


class AccountViewSet(_SharedFilterSetMixin, ScopedModelViewSet):
    """Key accounts. Removal is `POST …/archive/`; `POST …/restore/` brings one back."""

    queryset = (
        Account.objects.annotate(last_visit_at=last_visit_at())
        .prefetch_related(
            Prefetch(
                "team_members",
                queryset=AccountTeamMember.objects.only("account_id", "user_id", "role"),
            )
        )
        .order_by("name", "pk")
    )
    serializer_class = AccountSerializer
    filterset_class = AccountFilterSet

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        team = _team_pairs(data.pop("team_members", []))
        try:
            account = services.account_create(actor=self.request.user, team=team, **data)
        except Http404 as error:
            raise _out_of_view_error() from error
        serializer.instance = self.reload(account)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        team = data.pop("team_members", None)
        try:
            account = services.account_update(
                actor=self.request.user,
                account=serializer.instance,
                team=None if team is None else _team_pairs(team),
                **data,
            )
        except Http404 as error:
            raise _out_of_view_error() from error
        serializer.instance = self.reload(account)

    @extend_schema(request=None, responses={200: AccountSerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Archive the account: it leaves the lists (`?archived=true` shows it) and
        keeps its URL. For its owner, their supervisor and admins."""
        account = services.account_archive(actor=request.user, account=self.get_object())
        return Response(self.get_serializer(self.reload(account)).data)

    @extend_schema(request=None, responses={200: AccountSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Bring an archived account back into the lists."""
        account = services.account_restore(actor=request.user, account=self.get_object())
        return Response(self.get_serializer(self.reload(account)).data)

    @extend_schema(
        request=HandoverSerializer, responses={201: AccountHandoverSerializer(many=True)}
    )
    @action(
        detail=False,
        methods=["post"],
        permission_classes=[requires("accounts.handover")],
        serializer_class=HandoverSerializer,
        filter_backends=[],
        pagination_class=None,
    )
    def handover(self, request):
        """Hand some or all of one KAM's accounts to colleagues (supervisors and
        admins). Ownership and the open planned revisits move; all or nothing."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            handovers = services.accounts_handover(
                actor=request.user, **serializer.service_arguments()
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(_handover_errors(error)) from error
        body = AccountHandoverSerializer(handovers, many=True).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AccountBatchSerializer,
        responses={200: BatchResultSerializer},
        examples=[
            OpenApiExample(
                "Two accounts",
                request_only=True,
                value={
                    "rows": [
                        {"external_id": "ERP-1001", "name": "Acme", "region": "east"},
                        {
                            "external_id": "ERP-1002",
                            "name": "Acme Suzhou",
                            "parent_external_id": "ERP-1001",
                            "owner": "kam.li",
                        },
                    ]
                },
            ),
            OpenApiExample(
                "Result",
                response_only=True,
                value={"rows": 2, "created": 1, "updated": 0, "unchanged": 1},
            ),
        ],
    )
    @action(
        detail=False,
        methods=["post"],
        serializer_class=AccountBatchSerializer,
        filter_backends=[],
        pagination_class=None,
    )
    def bulk(self, request):
        """Insert or update up to 1,000 accounts by `external_id` (else by
        `credit_code`), all or nothing: a wrong row refuses the batch and `errors.rows`
        names each wrong row by its index and field. The same batch twice changes
        nothing. The owner is a username (default: you)."""
        return _bulk(request, bulk.accounts_upsert)


def _bulk(request, upsert):
    rows = request.data.get("rows") if isinstance(request.data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise serializers.ValidationError({"rows": [_("Send a non-empty list of rows.")]})
    if len(rows) > bulk.MAX_BATCH:
        raise serializers.ValidationError(
            {"rows": [_("At most %(count)s rows per batch.") % {"count": bulk.MAX_BATCH}]}
        )
    try:
        result = upsert(actor=request.user, rows=rows)
    except bulk.BatchRejectedError as error:
        raise serializers.ValidationError(
            {"rows": {str(index): fields for index, fields in error.row_errors.items()}}
        ) from error
    return Response(result, status=status.HTTP_200_OK)


#: the service's error keys, as fields of the handover request
_HANDOVER_FIELDS = {"accounts": "assignments", "to_user": "assignments", "owner": "assignments"}


def _handover_errors(error):
    if not hasattr(error, "error_dict"):
        return {"non_field_errors": error.messages}
    errors = {}
    for key, messages in error.message_dict.items():
        errors.setdefault(_HANDOVER_FIELDS.get(key, key), []).extend(messages)
    return errors


class ContactViewSet(_SharedFilterSetMixin, ScopedModelViewSet):
    """People at the accounts. A contact stays with its account; `has_left` marks a
    departure (and tells the owner when a key contact leaves)."""

    queryset = (
        Contact.objects.with_last_contacted().select_related("account").order_by("name", "pk")
    )
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet
    list_related_fields = {"account": ("name",)}

    def perform_create(self, serializer):
        contact = services.contact_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(contact)

    def perform_update(self, serializer):
        contact = services.contact_update(
            actor=self.request.user, contact=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.reload(contact)

    @extend_schema(
        request=ContactBatchSerializer,
        responses={200: BatchResultSerializer},
        examples=[
            OpenApiExample(
                "One contact",
                request_only=True,
                value={
                    "rows": [
                        {
                            "account_external_id": "ERP-1001",
                            "external_id": "HR-77",
                            "name": "Li Lei",
                            "title": "CTO",
                            "level": "decision",
                        }
                    ]
                },
            )
        ],
    )
    @action(
        detail=False,
        methods=["post"],
        serializer_class=ContactBatchSerializer,
        filter_backends=[],
        pagination_class=None,
    )
    def bulk(self, request):
        """Insert or update up to 1,000 contacts by (`account_external_id`,
        `external_id`), all or nothing, like `accounts/bulk/`."""
        return _bulk(request, bulk.contacts_upsert)


class VisitViewSet(_SharedFilterSetMixin, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Visits, calls, meetings and messages. A logged visit is a record: it is never
    edited or deleted here; supervisors review it with comments."""

    queryset = with_nested(
        Visit.objects.select_related("account").order_by("-occurred_at", "-pk"),
        contacts=Nested(
            Contact.objects.filter(visits=OuterRef("pk")).order_by("name", "pk"), fields=("id",)
        ),
        colleagues=Nested(
            User.objects.filter(joined_visits=OuterRef("pk")).order_by("username", "pk"),
            fields=("id",),
        ),
        comments=Nested(
            VisitComment.objects.filter(visit=OuterRef("pk")).order_by("created_at", "pk"),
            related={"author": USER_FIELDS},
        ),
    )
    serializer_class = VisitSerializer
    filterset_class = VisitFilterSet
    list_related_fields = {"account": ("name",)}
    pagination_class = CursorPagination  # a large list: constant cost per page
    cursor_ordering = ("-occurred_at", "-pk")
    cursor_ordering_fields = ("occurred_at",)

    @extend_schema(
        responses={
            201: VisitSerializer,
            200: OpenApiResponse(
                VisitSerializer,
                description=_("The visit already logged with this client_key: nothing new."),
            ),
        }
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit, created = services.visit_log(actor=request.user, **serializer.validated_data)
        body = self.get_serializer(self.reload(visit)).data
        if not created:
            return Response(body, status=status.HTTP_200_OK)
        return Response(
            body, status=status.HTTP_201_CREATED, headers=self.get_success_headers(body)
        )

    @extend_schema(request=VisitCommentSerializer, responses={201: VisitCommentSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[requires("visits.comment")],
        serializer_class=VisitCommentSerializer,
    )
    def comments(self, request, pk=None):
        """Review a visit (supervisors and admins): the KAM who logged it is notified."""
        visit = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.visit_comment_add(
            actor=request.user, visit=visit, body=serializer.validated_data["body"]
        )
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)
