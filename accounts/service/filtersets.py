"""One FilterSet per service resource, shared by the list pages and the API.

Account choices come from what the requesting user may see.
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.filtersets import search_with_account
from accounts.models import Account
from accounts.service.models import (
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    RiskEvent,
    RiskLevel,
    RiskStatus,
    RiskType,
    Severity,
    Survey,
)
from kam.filtersets import FilterSet, LiveAccountsOnly


def _visible_accounts(request):
    return Account.objects.visible_to(getattr(request, "user", None))


def _visible_users(request):
    from kam.models import User

    return User.objects.visible_to(getattr(request, "user", None))


class ComplaintFilterSet(LiveAccountsOnly, FilterSet):
    SLA_CHOICES = (
        ("awaiting", _("Awaiting a response")),
        ("due_soon", _("Due soon")),
        ("breached", _("Breached")),
        ("open", _("Not closed")),
    )

    q = django_filters.CharFilter(method="search", label=_("Search"))
    sla = django_filters.ChoiceFilter(choices=SLA_CHOICES, method="filter_sla", label=_("SLA"))
    account = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_accounts, label=_("Account")
    )
    status = django_filters.MultipleChoiceFilter(choices=ComplaintStatus.choices, label=_("Status"))
    category = django_filters.MultipleChoiceFilter(
        choices=ComplaintCategory.choices, label=_("Category")
    )
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices, label=_("Severity"))
    breached = django_filters.BooleanFilter(label=_("Breached"))
    account_owner = django_filters.ModelMultipleChoiceFilter(
        field_name="account__owner", queryset=_visible_users, label=_("Account owner")
    )

    class Meta:
        model = Complaint
        fields = []

    def search(self, queryset, name, value):
        return search_with_account(queryset, value)

    def filter_sla(self, queryset, name, value):
        now = timezone.now()
        if value == "awaiting":
            return queryset.unanswered()
        if value == "due_soon":
            return queryset.due_soon(now)
        if value == "breached":
            return queryset.breached_effectively(now)
        return queryset.not_closed()


class SurveyFilterSet(LiveAccountsOnly, FilterSet):
    account = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_accounts, label=_("Account")
    )
    since = django_filters.DateFilter(field_name="taken_on", lookup_expr="gte", label=_("From"))

    class Meta:
        model = Survey
        fields = []


class RiskEventFilterSet(LiveAccountsOnly, FilterSet):
    account = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_accounts, label=_("Account")
    )
    type = django_filters.MultipleChoiceFilter(choices=RiskType.choices, label=_("Type"))
    level = django_filters.MultipleChoiceFilter(choices=RiskLevel.choices, label=_("Level"))
    status = django_filters.MultipleChoiceFilter(choices=RiskStatus.choices, label=_("Status"))

    class Meta:
        model = RiskEvent
        fields = []
