from django.contrib.auth import authenticate
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from kam import services
from kam.api.pagination import CursorPagination
from kam.api.serializers import (
    NotificationSerializer,
    TeamSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UserSerializer,
)
from kam.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from kam.filtersets import TeamFilterSet, UserFilterSet
from kam.models import Notification, Team, TeamMembership, User


class TokenThrottle(AnonRateThrottle):
    rate = "20/min"


class TokenCreateView(APIView):
    """Exchange a username and password for an API token (shown once)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenResponseSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,  # the sign-in protection (django-axes) flags this request
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to sign in with the given credentials.")]}
            )
        from integrations.services import token_create

        # listed with the user's tokens in the UI, where it can be revoked
        meta, token = token_create(actor=user, name=_("Signed in with a password"))
        expiry = meta.knox_token.expiry
        body = {"token": token, "expiry": expiry, "user": UserSerializer(user).data}
        return Response(body, status=status.HTTP_201_CREATED)


class UserViewSet(ScopedModelViewSet):
    queryset = User.objects.prefetch_related(
        Prefetch("team_memberships", queryset=TeamMembership.objects.only("team_id", "user_id"))
    )
    serializer_class = UserSerializer
    write_capability = "users.manage"
    filterset_class = UserFilterSet
    ordering_fields = ["username", "full_name", "date_joined"]
    ordering = ["username"]

    def perform_create(self, serializer):
        serializer.instance = services.user_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.user_update(
            actor=self.request.user, user=serializer.instance, **serializer.validated_data
        )


class TeamViewSet(ScopedModelViewSet):
    queryset = Team.objects.prefetch_related("members")
    serializer_class = TeamSerializer
    write_capability = "users.manage"
    filterset_class = TeamFilterSet
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]

    def perform_create(self, serializer):
        serializer.instance = services.team_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.team_update(
            actor=self.request.user, team=serializer.instance, **serializer.validated_data
        )


class NotificationViewSet(ScopedReadOnlyViewSet):
    """The signed-in user's notifications; `POST .../read/` marks them read."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    write_capability = None  # executives mark their own notifications read too
    filterset_fields = ["kind"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]
    pagination_class = CursorPagination  # a large list: constant cost per page
    cursor_ordering = ("-created_at", "-pk")
    cursor_ordering_fields = ("created_at",)

    def check_object_permissions(self, request, obj):
        if request.method == "POST":  # marking one's own notification read is not a "change"
            return
        super().check_object_permissions(request, obj)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses={200: None})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        count = self.get_queryset().unread().update(read_at=timezone.now())
        return Response({"marked_read": count})
