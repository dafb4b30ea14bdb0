"""The scorecards, read-only: ``/api/v1/scorecards/`` (the scorecards the user may read,
``?year=``, ``?quarter=`` (empty: the whole year), ``?team=`` to rank within a team) and
``/api/v1/scorecards/<user id>/`` (one KAM's, with their rank in their team)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from kam.api.viewsets import ScopedReadOnlyViewSet
from kam.models import User
from performance import selectors

PERIOD_PARAMETERS = [
    OpenApiParameter("year", OpenApiTypes.INT, description="2000–2100; this year by default"),
    OpenApiParameter("quarter", OpenApiTypes.STR, description="1–4, or empty for the year"),
    OpenApiParameter("team", OpenApiTypes.INT, description="rank within this team"),
]


def _number(value):
    return None if value is None else str(value)


def scorecard_data(card, period) -> dict:
    return {
        "id": card.kam.pk,
        "username": card.kam.username,
        "name": card.kam.display_name,
        "period": {"year": period.year, "quarter": period.quarter},
        "total": _number(card.total),
        "rank": card.rank,
        "measures": [
            {
                "key": figure.key,
                "label": figure.label,
                "value": _number(figure.value),
                "target": _number(figure.target),
                "score": _number(figure.score),
                "weight": figure.weight,
                "basis": figure.basis,
                "url": figure.url,
            }
            for figure in card.figures
        ],
    }


class ScorecardViewSet(ScopedReadOnlyViewSet):
    """KAM scorecards: each measure's value, target, score and weight, the weighted
    total and the rank. Who reads whose: the KAM their own, a supervisor their teams',
    executives and admins every team's."""

    queryset = User.objects.order_by("username", "pk")
    serializer_class = serializers.Serializer
    write_capability = None  # read-only: nothing to write
    filter_backends = []

    def refine_queryset(self, queryset):
        return queryset.filter(pk__in=selectors.scorecard_kams(self.request.user).values("pk"))

    def _period(self):
        errors = selectors.period_errors(self.request.query_params)
        team_id = self.request.query_params.get("team", "")
        team = None
        if team_id:
            if team_id.isascii() and team_id.isdigit():
                team = selectors.scorecard_teams(self.request.user).filter(pk=team_id).first()
            if team is None:
                errors["team"] = [_("Choose one of your teams.")]
        if errors:
            raise serializers.ValidationError(errors)
        return selectors.period_from(self.request.query_params), team

    @extend_schema(
        operation_id="scorecards_list",
        parameters=PERIOD_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
    )
    def list(self, request, *args, **kwargs):
        period, team = self._period()
        queryset = self.get_queryset()
        if team is not None:
            queryset = queryset.filter(team_memberships__team=team)
        page = self.paginate_queryset(queryset)
        cards = selectors.scorecards(user=request.user, kams=page, period=period, team=team)
        return self.get_paginated_response([scorecard_data(card, period) for card in cards])

    @extend_schema(parameters=PERIOD_PARAMETERS[:2], responses={200: OpenApiTypes.OBJECT})
    def retrieve(self, request, *args, **kwargs):
        period, _team = self._period()
        kam = self.get_object()
        configured = selectors.measures()
        card = selectors.scorecards(
            user=request.user, kams=[kam], period=period, configured=configured
        )[0]
        card.rank, _team, _size = selectors.rank_in_team(
            reader=request.user, kam=kam, period=period, configured=configured
        )
        return Response(scorecard_data(card, period))


def register(router):
    router.register("scorecards", ScorecardViewSet, basename="scorecard")
