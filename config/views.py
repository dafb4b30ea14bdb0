"""The site's home page: it sends each role to its own start (My day, the team dashboard)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from accounts.models import Account
from dashboards.views import MyDayView, TeamDashboardView
from kam.capabilities import home_page
from kam.models import Notification


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "kam/home.html"

    def get(self, request, *args, **kwargs):
        # A KAM's home is My day; supervisors and executives land on the team dashboard.
        home = home_page(request.user)
        if home == "my-day":
            return MyDayView.as_view()(request, *args, **kwargs)
        if home == "team":
            return TeamDashboardView.as_view()(request, *args, **kwargs)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        accounts = Account.objects.visible_to(user).active().select_related("owner")
        context["accounts"] = accounts.order_by("name")[:10]
        context["account_count"] = accounts.count()
        context["teams"] = user.teams.all() if user.is_authenticated else []
        context["led_teams"] = user.led_teams.all()
        context["notifications"] = Notification.objects.visible_to(user).unread()[:5]
        return context
