from django.db.models import Prefetch

from kam import services
from kam.api.serializers import (
    TeamSerializer,
    UserSerializer,
)
from kam.api.viewsets import ScopedModelViewSet
from kam.filtersets import TeamFilterSet, UserFilterSet
from kam.models import Team, TeamMembership, User


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
