from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class CursorPagination(pagination.CursorPagination):
    """For the large lists (visits, actuals, notifications): a cursor that seeks from
    the last row seen, so page 10,000 costs what page 1 costs. ``?ordering=`` picks
    one of ``cursor_ordering_fields`` of the view (a leading ``-`` for descending);
    the default is the view's ``cursor_ordering``."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_ordering(self, request, queryset, view):
        allowed = getattr(view, "cursor_ordering_fields", ())
        requested = request.query_params.get("ordering", "")
        if requested.lstrip("-") in allowed:
            if requested.lstrip("-") == "pk":
                return (requested,)
            return (requested, "-pk" if requested.startswith("-") else "pk")
        return tuple(getattr(view, "cursor_ordering", ("-pk",)))
