from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, where ``?search=`` is another name for the FilterSet's
    ``q``: the API searches as the list pages and the navbar do (kam.textsearch)."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        data = kwargs["data"]
        if "search" in data and not data.get("q"):
            data = data.copy()
            data["q"] = data["search"]
            kwargs["data"] = data
        return kwargs
