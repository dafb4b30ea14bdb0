"""Attachments over the API: list them per record, read one, download its file, and
upload files to a record (multipart). The same service and checks as the pages: the
record and the attachment are found through the visibility rule (404 outside it), the
files are checked by their content, and downloads are served by id after the check."""

import django_filters
from django.apps import apps
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from attachments.models import TARGETS, Attachment
from attachments.services import attachments_add
from attachments.views import file_response
from kam.api.rows import ModelSerializer
from kam.api.viewsets import ScopedReadOnlyViewSet
from kam.filtersets import FilterSet


class AttachmentFilterSet(FilterSet):
    account = django_filters.NumberFilter(field_name="account_id", label=_("Account"))
    contact = django_filters.NumberFilter(field_name="contact_id", label=_("Contact"))
    visit = django_filters.NumberFilter(field_name="visit_id", label=_("Visit"))
    contract = django_filters.NumberFilter(field_name="contract_id", label=_("Contract"))
    complaint = django_filters.NumberFilter(field_name="complaint_id", label=_("Complaint"))
    plan = django_filters.NumberFilter(field_name="plan_id", label=_("Plan"))

    class Meta:
        model = Attachment
        fields = ["account", "contact", "visit", "contract", "complaint", "plan"]


class AttachmentSerializer(ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "account",
            "contact",
            "visit",
            "contract",
            "complaint",
            "plan",
            "name",
            "content_type",
            "size",
            "is_image",
            "width",
            "height",
            "location_kept",
            "uploaded_by",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("api:attachment-download", args=[obj.pk])


class AttachmentUploadSerializer(serializers.Serializer):
    record_type = serializers.ChoiceField(choices=sorted(TARGETS), label=_("Record type"))
    record_id = serializers.IntegerField(min_value=1, label=_("Record id"))
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    keep_location = serializers.BooleanField(default=False)


class AttachmentViewSet(ScopedReadOnlyViewSet):
    """Files attached to accounts, contacts, visits, contracts, complaints and plans,
    newest first. Filter by the record (``?visit=12``; ``?account=`` gives all of an
    account's, its records' included). POST (multipart) ``record_type``, ``record_id``,
    one or more ``files`` and ``keep_location`` to attach; GET ``download/`` for a file."""

    queryset = Attachment.objects.select_related("uploaded_by")
    serializer_class = AttachmentSerializer
    filterset_class = AttachmentFilterSet
    filter_backends = [DjangoFilterBackend]

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer(many=True)},
    )
    def create(self, request):
        upload = AttachmentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        model = apps.get_model(TARGETS[data["record_type"]])
        record = model.objects.visible_to(request.user).filter(pk=data["record_id"]).first()
        if record is None:
            raise Http404
        created = attachments_add(
            actor=request.user,
            obj=record,
            files=request.FILES.getlist("files"),
            keep_location=data["keep_location"],
        )
        body = AttachmentSerializer(created, many=True, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return file_response(self.get_object())


def register(router):
    router.register("attachments", AttachmentViewSet, basename="attachment")
