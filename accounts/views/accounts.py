from django.urls import path

from accounts.filtersets import AccountFilterSet
from accounts.models import Account
from kam.views import ScopedDetailView, ScopedListView


class AccountListView(ScopedListView):
    queryset = Account.objects.select_related("owner")
    filterset_class = AccountFilterSet
    template_name = "accounts/account_list.html"
    ordering = ["name"]


class AccountDetailView(ScopedDetailView):
    queryset = Account.objects.select_related("owner")
    template_name = "accounts/account_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["team_members"] = self.object.team_members.select_related("user")
        return context


urlpatterns = [
    path("", AccountListView.as_view(), name="list"),
    path("<int:pk>/", AccountDetailView.as_view(), name="detail"),
]
