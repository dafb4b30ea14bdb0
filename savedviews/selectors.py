"""What a list page shows of saved views: its tabs and the views menu."""

from dataclasses import dataclass

from django.urls import reverse

from kam.models import Team
from savedviews.lists import URL_NAMES, default_views, normalized_query
from savedviews.models import SavedView


@dataclass
class Tab:
    name: str
    url: str
    current: bool
    view: SavedView | None = None  # None for a role's default view

    @property
    def shared(self):
        return self.view is not None and self.view.team_id is not None


def saved_views_bar(request, key):
    """The list's tabs (the role's default views, then the pinned saved ones) and every
    saved view the user may open on it. Two queries, whatever their number."""
    user = request.user
    current = normalized_query(request.GET)
    base = reverse(URL_NAMES[key])

    def url(query):
        return f"{base}?{query}" if query else base

    teams = list(Team.objects.visible_to(user).order_by("name").only("pk", "name", "supervisor"))
    led = [team.pk for team in teams if team.supervisor_id == user.pk]
    tabs = [
        Tab(name, url(query), query == current)
        for _slug, name, query in default_views(user, key, led)
    ]
    views = list(SavedView.objects.visible_to(user).for_list(key).select_related("team", "owner"))
    for view in views:
        view.mine = view.owner_id == user.pk
        view.current = view.query == current
        view.url = url(view.query)
    tabs += [Tab(view.name, view.url, view.current, view) for view in views if view.pinned]
    return {
        "key": key,
        "query": current,
        "base_url": base,
        "all_url": url(""),
        "is_unfiltered": current == "",
        "tabs": tabs,
        "views": views,
        "teams": teams,
        "next": request.get_full_path(),
    }


class SavedViewsMixin:
    """For a list view: ``saved_views`` in the context, for the list ``saved_view_list``."""

    saved_view_list = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["saved_views"] = saved_views_bar(self.request, self.saved_view_list)
        return context
