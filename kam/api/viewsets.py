"""Base API viewsets that apply the visibility rule; nothing else may."""

from rest_framework import mixins, viewsets
from rest_framework.exceptions import MethodNotAllowed

from kam.api.permissions import RoleWritePermission
from kam.scoping import VIEW, can
from kam.views import ACTION_BY_METHOD


class ScopedViewSet(viewsets.GenericViewSet):
    """Every API resource derives from this.

    The queryset is always ``queryset.visible_to(request.user)``: objects out of
    view answer 404 like missing ones. A write is re-checked on the object with
    the action of the HTTP method (403 when seen but not changeable). Subclasses
    narrow with ``refine_queryset``; defining ``get_queryset`` is refused.
    """

    permission_classes = [RoleWritePermission]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__}: override refine_queryset(), not get_queryset(); "
                "the visibility rule is applied by ScopedViewSet."
            )

    def refine_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        if ACTION_BY_METHOD.get(self.request.method) is None:
            raise MethodNotAllowed(self.request.method)
        queryset = self.queryset.all().visible_to(self.request.user, VIEW)
        return self.refine_queryset(queryset)

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        action = ACTION_BY_METHOD[request.method]
        if action != VIEW and not can(request.user, obj, action):
            self.permission_denied(request)


class ScopedReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


class ScopedModelViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Create, read and update; removal is an archive action of each resource."""
