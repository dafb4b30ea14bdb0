"""Base API viewsets that apply the visibility rule; nothing else may."""

import hashlib
from typing import Protocol

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import APIException, MethodNotAllowed, PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import JSONRenderer

from kam.capabilities import CapabilityPermission
from kam.queries import select_related_fields
from kam.scoping import VIEW, can
from kam.views import ACTION_BY_METHOD


class PreconditionFailedError(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "The object changed since you read it: get it again and apply your change to the "
        "current version."
    )
    default_code = "precondition_failed"


def etag_of(data) -> str:
    """A strong ETag of an object as the API renders it: any change that shows changes it."""
    return '"' + hashlib.sha256(JSONRenderer().render(data)).hexdigest()[:40] + '"'


def _if_match(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


class IdempotencyStore(Protocol):
    """What stores the answers of POSTs sent with an Idempotency-Key: the integrations
    app plugs its store (``integrations.idempotency``) into ``ScopedViewSet.idempotency``
    when it is ready, so this core module names no domain app."""

    #: raised by ``begin`` when the key's answer is stored already; carries ``response``
    ReplayError: type[Exception]

    def begin(self, request):
        """Reserve the request's key (in its transaction); return what ``finish`` takes."""

    def finish(self, record, response) -> None:
        """Store the answer with the reservation."""


class ScopedViewSet(viewsets.GenericViewSet):
    """Every API resource derives from this.

    The queryset is always ``queryset.visible_to(request.user)``: objects out of
    view answer 404 like missing ones. A write is re-checked on the object with
    the action of the HTTP method (403 when seen but not changeable). Subclasses
    narrow with ``refine_queryset``; defining ``get_queryset`` is refused.
    """

    permission_classes = [CapabilityPermission]
    #: what a write needs beyond seeing (kam.capabilities); configuration says its own
    write_capability = "records.change"
    #: on lists, the only fields read of each ``select_related`` row ({lookup: names});
    #: an object read alone (retrieve, update) is read whole
    list_related_fields: dict = {}
    #: the Idempotency-Key store (an ``IdempotencyStore``), plugged in by integrations
    idempotency: IdempotencyStore | None = None

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
        if self.list_related_fields and getattr(self, "action", None) == "list":
            queryset = select_related_fields(queryset, self.list_related_fields)
        return self.refine_queryset(queryset)

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        action = ACTION_BY_METHOD[request.method]
        if action != VIEW and not can(request.user, obj, action):
            self.permission_denied(request)

    # --- the API contract: read-only tokens, If-Match, Idempotency-Key ------------------

    def dispatch(self, request, *args, **kwargs):
        """A conditional update runs in one transaction with the row locked, so the
        version checked is the version changed. A POST with an Idempotency-Key runs in
        one transaction with its key's reservation and stored answer (a process killed
        mid-request leaves neither the write nor the key behind)."""
        conditional = request.method in ("PUT", "PATCH") and request.headers.get("If-Match")
        idempotent = request.method == "POST" and "Idempotency-Key" in request.headers
        if conditional or idempotent:
            with transaction.atomic():
                response = super().dispatch(request, *args, **kwargs)
                # a refused conditional update changes nothing; a refused idempotent POST
                # keeps its answer for the retries, a server error keeps nothing
                if response.status_code >= (400 if conditional else 500):
                    transaction.set_rollback(True)
                return response
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in SAFE_METHODS and getattr(request.auth, "read_only", False):
            raise PermissionDenied(_("This API token is read-only."))
        self._idempotency = None
        store = self.idempotency
        if store is not None and request.method == "POST" and "Idempotency-Key" in request.headers:
            self._idempotency = store.begin(request)

    def handle_exception(self, exc):
        store = self.idempotency
        if store is not None and isinstance(exc, store.ReplayError):
            return exc.response
        return super().handle_exception(exc)

    def get_object(self):
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if value is None:  # a route of no object (OPTIONS asks about a PUT on one)
            raise Http404
        if self.lookup_field in ("pk", "id") and not (value.isascii() and value.isdigit()):
            raise Http404  # "١" is no alias of 1: ids are ASCII digits
        obj = super().get_object()
        header = self.request.headers.get("If-Match")
        # the method received, not the one OPTIONS asks about (it reads the form of a PUT)
        if self.request._request.method in ("PUT", "PATCH") and header:
            model = type(obj)
            model._default_manager.select_for_update().filter(pk=obj.pk).values("pk").first()
            obj = super().get_object()  # the version committed before the lock was taken
            tags = _if_match(header)
            if "*" not in tags and etag_of(self.get_serializer(obj).data) not in tags:
                raise PreconditionFailedError
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(self, "_idempotency", None)
        if record is not None and not response.has_header("Idempotent-Replayed"):
            self.idempotency.finish(record, response)
        if (
            getattr(self, "action", None) in ("retrieve", "update", "partial_update")
            and response.status_code == status.HTTP_200_OK
            and isinstance(getattr(response, "data", None), dict)
        ):
            response["ETag"] = etag_of(response.data)
        return response


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
