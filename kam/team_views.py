from django.db.models import Count, Prefetch

from kam.filtersets import TeamFilterSet
from kam.models import Team, TeamMembership
from kam.views import ScopedDetailView, ScopedListView


class TeamListView(ScopedListView):
    queryset = Team.objects.select_related("supervisor").annotate(member_count=Count("members"))
    filterset_class = TeamFilterSet
    template_name = "kam/team_list.html"
    ordering = ["name"]


class TeamDetailView(ScopedDetailView):
    queryset = Team.objects.select_related("supervisor").prefetch_related(
        Prefetch("memberships", queryset=TeamMembership.objects.select_related("user"))
    )
    template_name = "kam/team_detail.html"
