"""The signed-in user's notifications over the API."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from kam.api.pagination import CursorPagination
from kam.api.rows import ModelSerializer
from kam.api.viewsets import ScopedReadOnlyViewSet
from kam.models import Notification


class NotificationSerializer(ModelSerializer):
    message = serializers.CharField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "account", "params", "url", "created_at", "read_at"]
        read_only_fields = fields


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
