"""The reports, read-only: ``/api/v1/work-reports/`` (the reports the user may read:
their own, a supervisor their teams', executives and admins all; ``?kind=week|month``,
``?kam=<user id>``, ``?period_start=YYYY-MM-DD``) and ``/api/v1/work-reports/<id>/``."""

from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from kam.api.viewsets import ScopedReadOnlyViewSet
from workreports.models import ReportKind, WorkReport, WorkReportComment


class WorkReportCommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username")

    class Meta:
        model = WorkReportComment
        fields = ["id", "author", "body", "created_at"]


class WorkReportSerializer(serializers.ModelSerializer):
    kam = serializers.CharField(source="kam.username")
    submitted_by = serializers.CharField(source="submitted_by.username", default=None)
    figures = serializers.JSONField()
    comments = WorkReportCommentSerializer(many=True)

    class Meta:
        model = WorkReport
        fields = ["id", "kam", "kind", "period_start", "period_end", "status", "figures",
                  "figures_at", "highlights", "risks", "help_needed", "submitted_at",
                  "submitted_by", "comments"]  # fmt: skip


def _filters(params) -> tuple[dict, dict]:
    """The filters of ?kind=, ?kam= and ?period_start=, and the errors of wrong values."""
    filters, errors = {}, {}
    kind = params.get("kind") or ""
    if kind:
        if kind in ReportKind.values:
            filters["kind"] = kind
        else:
            errors["kind"] = [_("Choose week or month.")]
    kam = params.get("kam") or ""
    if kam:
        if kam.isascii() and kam.isdigit():
            filters["kam_id"] = int(kam)
        else:
            errors["kam"] = [_("Enter a user id.")]
    start = params.get("period_start") or ""
    if start:
        try:
            filters["period_start"] = date.fromisoformat(start)
        except ValueError:
            errors["period_start"] = [_("Enter a date as YYYY-MM-DD.")]
    return filters, errors


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, description="week or month"),
            OpenApiParameter("kam", OpenApiTypes.INT, description="the KAM's user id"),
            OpenApiParameter("period_start", OpenApiTypes.DATE),
        ]
    )
)
class WorkReportViewSet(ScopedReadOnlyViewSet):
    """Weekly and monthly reports with their figures (the ids of the rows behind each),
    their sections and comments."""

    queryset = WorkReport.objects.select_related("kam", "submitted_by").prefetch_related(
        "comments__author"
    )
    serializer_class = WorkReportSerializer
    write_capability = None  # read-only
    filter_backends = []

    def refine_queryset(self, queryset):
        filters, errors = _filters(self.request.query_params)
        if errors:
            raise serializers.ValidationError(errors)
        return queryset.filter(**filters).order_by("-period_start", "kam__username", "pk")


def register(router):
    router.register("work-reports", WorkReportViewSet, basename="work-report")
