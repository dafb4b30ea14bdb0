"""Coaching, read-only: ``/api/v1/coaching/`` (the KAMs whose coaching the user reads)
and ``/api/v1/coaching/<user id>/`` (a KAM's trend per competence and quarter, latest
tags and sessions; the private notes only for those who record the KAM's coaching)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from coaching import selectors
from kam.api.viewsets import ScopedReadOnlyViewSet
from kam.models import User


def _kam(kam) -> dict:
    return {"id": kam.pk, "username": kam.username, "name": kam.display_name}


def coaching_data(page, *, private: bool) -> dict:
    return {
        **_kam(page.kam),
        "quarters": [label for _start, label in page.quarters],
        "trend": [
            {
                "competence": {"id": row.competence.pk, "name": row.competence.local_name},
                "quarters": [{"strengths": s, "gaps": g} for s, g in row.cells],
            }
            for row in page.trend
        ],
        "tags": [
            {
                "id": tag.pk,
                "competence": tag.competence.local_name,
                "kind": tag.kind,
                "note": tag.note,
                "visit": tag.visit_id,
                "plan": tag.plan_id,
                "tagged_on": tag.tagged_on.isoformat(),
                "tagged_by": tag.tagged_by.display_name,
            }
            for tag in page.tags
        ],
        "sessions": [
            {
                "id": session.pk,
                "kind": session.kind,
                "title": session.title,
                "held_on": session.held_on.isoformat(),
                "notes": session.notes,
                "next_step": session.next_step,
                "follow_up_on": session.follow_up_on.isoformat() if session.follow_up_on else None,
                "recorded_by": session.recorded_by.display_name,
                **({"private_note": session.private_note} if private else {}),
            }
            for session in page.sessions
        ],
    }


class CoachingViewSet(ScopedReadOnlyViewSet):
    """A KAM's coaching: the KAM their own, a supervisor their teams' KAMs', executives
    and admins everyone's."""

    queryset = User.objects.order_by("username", "pk")
    serializer_class = serializers.Serializer
    write_capability = None  # read-only: recorded on the pages
    filter_backends = []

    def refine_queryset(self, queryset):
        return queryset.filter(pk__in=selectors.coaching_kams(self.request.user).values("pk"))

    @extend_schema(operation_id="coaching_list", responses={200: OpenApiTypes.OBJECT})
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([_kam(kam) for kam in page])

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def retrieve(self, request, *args, **kwargs):
        kam = self.get_object()
        private = selectors.may_record_for(request.user, kam.pk)
        return Response(coaching_data(selectors.coaching_page(kam=kam), private=private))


def register(router):
    router.register("coaching", CoachingViewSet, basename="coaching")
