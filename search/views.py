from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.generic import TemplateView

from search.selectors import search_everything, searchable

DROPDOWN_ROWS = 5
PAGE_ROWS = 20


class SearchView(LoginRequiredMixin, TemplateView):
    """/search/?q=: the full results page; an htmx request (the navbar box, as the user
    types) gets the grouped dropdown, a partial of the same template."""

    template_name = "search/results.html"

    def is_dropdown(self):
        htmx = getattr(self.request, "htmx", None)
        return bool(htmx and not htmx.boosted)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "")[:100].strip()
        rows = DROPDOWN_ROWS if self.is_dropdown() else PAGE_ROWS
        context.update(
            q=q,
            searchable=searchable(q),
            groups=search_everything(self.request.user, q, limit=rows),
            nav_section="search",
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        if self.is_dropdown():
            # the partial alone, without the page's context processors (the navbar's
            # notification count): the dropdown asks the session, the user and one query
            # per kind, nothing else
            html = render_to_string(f"{self.template_name}#dropdown", context)
            response = HttpResponse(html)
        else:
            response = super().render_to_response(context, **response_kwargs)
        response.headers["Vary"] = "HX-Request"
        return response
