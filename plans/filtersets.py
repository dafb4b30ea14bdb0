"""One FilterSet per resource, shared by the list pages and the API; every choice
comes from what the requesting user may see."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from kam.filtersets import FilterSet, LiveAccountsOnly, StableOrderingFilter
from kam.models import Team, User
from plans.choices import ActionStatus, Department, PlanStatus
from plans.models import AccountPlan, ActionItem, Actual, TeamQuota


def _user(request):
    return getattr(request, "user", None)


def _visible_users(request):
    return User.objects.visible_to(_user(request))


def _visible_accounts(request):
    return Account.objects.visible_to(_user(request))


def _visible_teams(request):
    return Team.objects.visible_to(_user(request))


class PlanFilterSet(LiveAccountsOnly, FilterSet):
    q = django_filters.CharFilter(
        field_name="account__name", lookup_expr="icontains", label=_("Search")
    )
    year = django_filters.NumberFilter(label=_("Year"))
    status = django_filters.MultipleChoiceFilter(choices=PlanStatus.choices, label=_("Status"))
    account = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_accounts, label=_("Account")
    )
    owner = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_users, field_name="account__owner", label=_("Owner")
    )
    ordering = StableOrderingFilter(
        fields=(
            ("account__name", "account"),
            ("year", "year"),
            ("status", "status"),
            ("updated_at", "updated"),
        ),
        label=_("Order by"),
    )

    class Meta:
        model = AccountPlan
        fields = []


class ActionItemFilterSet(LiveAccountsOnly, FilterSet):
    live_account_path = "plan__account"
    who = django_filters.ChoiceFilter(
        choices=[("mine", _("Mine")), ("all", _("Everyone's"))],
        method="filter_who",
        empty_label=None,
        label=_("Whose"),
    )
    status = django_filters.MultipleChoiceFilter(choices=ActionStatus.choices, label=_("Status"))
    department = django_filters.MultipleChoiceFilter(
        choices=Department.choices, label=_("Department")
    )
    owner = django_filters.ModelMultipleChoiceFilter(queryset=_visible_users, label=_("Owner"))
    plan = django_filters.ModelChoiceFilter(
        queryset=lambda request: AccountPlan.objects.visible_to(_user(request)), label=_("Plan")
    )
    due_before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lte", label=_("Due by")
    )
    open = django_filters.BooleanFilter(method="filter_open", label=_("Not done"))

    class Meta:
        model = ActionItem
        fields = []

    def filter_who(self, queryset, name, value):
        if value == "mine":
            return queryset.filter(owner=_user(self.request))
        return queryset

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.not_done() if value else queryset.filter(status=ActionStatus.DONE)


class ActualFilterSet(FilterSet):
    account = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_accounts, label=_("Account")
    )
    external_id = django_filters.CharFilter(
        field_name="account__external_id", label=_("External id")
    )
    year = django_filters.NumberFilter(label=_("Year"))
    month = django_filters.NumberFilter(label=_("Month"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue receivables"))

    class Meta:
        model = Actual
        fields = []

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(receivables_overdue__gt=0)
            if value
            else queryset.filter(receivables_overdue=0)
        )


class QuotaFilterSet(FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))
    team = django_filters.ModelMultipleChoiceFilter(queryset=_visible_teams, label=_("Team"))

    class Meta:
        model = TeamQuota
        fields = []
