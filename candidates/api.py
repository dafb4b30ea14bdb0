"""The candidate pool in the API: ``/api/v1/candidates/`` (the candidates the user sees,
read-only, with their score and status) and ``POST /api/v1/candidates/bulk/`` (insert or
update up to 1,000 candidates by external id, else by credit code, all or nothing, with the
accounts' 400 shape: ``errors.rows`` names each wrong row by its index and field)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.bulk import BatchResultSerializer
from candidates import bulk
from candidates.models import Candidate
from kam.api.viewsets import ScopedReadOnlyViewSet
from kam.batch import BatchRejectedError
from kam.capabilities import requires


class CandidateSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.name", read_only=True)
    score = serializers.DecimalField(
        source="scoring.total", max_digits=5, decimal_places=2, read_only=True, allow_null=True
    )
    tier = serializers.CharField(source="scoring.tier", read_only=True, allow_null=True)
    profit_rank = serializers.IntegerField(
        source="scoring.profit_rank", read_only=True, allow_null=True
    )

    class Meta:
        model = Candidate
        fields = [
            "id", "name", "credit_code", "external_id", "industry", "region", "team",
            "revenue", "gross_profit", "status", "score", "tier", "profit_rank",
            "proposed_at", "proposed_because", "account",
        ]  # fmt: skip
        read_only_fields = fields


class CandidateViewSet(ScopedReadOnlyViewSet):
    """The candidate key accounts the user sees (their teams' pool)."""

    queryset = Candidate.objects.select_related("team", "scoring").order_by("name", "pk")
    serializer_class = CandidateSerializer
    write_capability = None
    filter_backends = []

    @extend_schema(request=bulk.CandidateBatchSerializer, responses={200: BatchResultSerializer})
    @action(
        detail=False,
        methods=["post"],
        permission_classes=[requires("candidates.import")],
        serializer_class=bulk.CandidateBatchSerializer,
        pagination_class=None,
    )
    def bulk(self, request):
        """Insert or update up to 1,000 candidates by `external_id` (else by
        `credit_code`), all or nothing; the same batch twice changes nothing."""
        rows = request.data.get("rows") if isinstance(request.data, dict) else None
        if not isinstance(rows, list) or not rows:
            raise serializers.ValidationError({"rows": [_("Send a non-empty list of rows.")]})
        try:
            result = bulk.candidates_upsert(actor=request.user, rows=rows)
        except BatchRejectedError as error:
            raise serializers.ValidationError(
                {"rows": {str(index): fields for index, fields in error.row_errors.items()}}
            ) from error
        return Response(result, status=status.HTTP_200_OK)


def register(router):
    router.register("candidates", CandidateViewSet, basename="candidate")
