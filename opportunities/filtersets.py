"""One FilterSet per resource, shared by the list pages, the board and the API.

Every choice offered comes from what the requesting user may see.
"""

import re
from datetime import date

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.filtersets import ArchivedFilterMixin, search_with_account
from accounts.models import Account
from kam.filtersets import FilterSet, StableOrderingFilter, team_people
from kam.models import Team, User
from opportunities.choices import ContractStatus, OpportunityType, StageKind
from opportunities.models import Contract, Opportunity, ProductLine, Stage

QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


def _user(request):
    return getattr(request, "user", None)


def _visible_users(request):
    return User.objects.visible_to(_user(request))


def _visible_teams(request):
    return Team.objects.visible_to(_user(request))


def _visible_accounts(request):
    return Account.objects.visible_to(_user(request))


def _stages(request):
    return Stage.objects.visible_to(_user(request))


def _product_lines(request):
    return ProductLine.objects.visible_to(_user(request))


def quarter_bounds(value: str) -> tuple[date, date] | None:
    """ "2026-Q2" → (2026-04-01, 2026-06-30); None when it is not a quarter."""
    match = QUARTER.match((value or "").strip())
    if not match:
        return None
    year, quarter = int(match.group(1)), int(match.group(2))
    first_month = 3 * (quarter - 1) + 1
    start = date(year, first_month, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, first_month + 3, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def quarter_choices(today: date | None = None):
    """Last year's, this year's and next year's quarters."""
    today = today or timezone.localdate()
    return [
        (f"{year}-Q{quarter}", f"{year} Q{quarter}")
        for year in (today.year - 1, today.year, today.year + 1)
        for quarter in (1, 2, 3, 4)
    ]


class QuarterField(forms.CharField):
    def validate(self, value):
        super().validate(value)
        if value and quarter_bounds(value) is None:
            raise forms.ValidationError(_("Write a quarter like 2026-Q2."))


class QuarterFilter(django_filters.CharFilter):
    field_class = QuarterField

    def filter(self, qs, value):
        bounds = quarter_bounds(value)
        if bounds is None:
            return qs
        return qs.filter(**{f"{self.field_name}__range": bounds})


def filter_by_team(queryset, teams, owner_field="owner"):
    if not teams:
        return queryset
    return queryset.filter(**{f"{owner_field}__in": team_people(teams)})


class OpportunityFilterSet(ArchivedFilterMixin, FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    account = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_accounts, label=_("Account")
    )
    owner = django_filters.ModelMultipleChoiceFilter(queryset=_visible_users, label=_("Owner"))
    team = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_teams, method="filter_team", label=_("Team")
    )
    product_line = django_filters.ModelMultipleChoiceFilter(
        queryset=_product_lines, label=_("Product line")
    )
    stage = django_filters.ModelMultipleChoiceFilter(queryset=_stages, label=_("Stage"))
    status = django_filters.ChoiceFilter(
        choices=StageKind.choices, field_name="stage__kind", label=_("Status")
    )
    type = django_filters.MultipleChoiceFilter(choices=OpportunityType.choices, label=_("Type"))
    quarter = QuarterFilter(field_name="expected_close_on", label=_("Expected close quarter"))
    archived = django_filters.BooleanFilter(method="filter_noop", label=_("Archived"))
    ordering = StableOrderingFilter(
        fields=(
            ("name", "name"),
            ("account__name", "account"),
            ("amount", "amount"),
            ("probability", "probability"),
            ("expected_close_on", "close"),
            ("stage__order", "stage"),
            ("updated_at", "updated"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Opportunity
        fields = []

    def search(self, queryset, name, value):
        return search_with_account(queryset, value)

    def filter_team(self, queryset, name, value: int):
        return filter_by_team(queryset, value)

    def filter_noop(self, queryset, name, value):
        return queryset


class ContractFilterSet(ArchivedFilterMixin, FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    account = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_accounts, label=_("Account")
    )
    status = django_filters.MultipleChoiceFilter(choices=ContractStatus.choices, label=_("Status"))
    owner = django_filters.ModelMultipleChoiceFilter(
        field_name="account__owner", queryset=_visible_users, label=_("Account owner")
    )
    ends_before = django_filters.DateFilter(
        field_name="ends_on", lookup_expr="lte", label=_("Ends on or before")
    )
    ends_after = django_filters.DateFilter(
        field_name="ends_on", lookup_expr="gte", label=_("Ends on or after")
    )
    archived = django_filters.BooleanFilter(method="filter_noop", label=_("Archived"))
    ordering = StableOrderingFilter(
        fields=(
            ("number", "number"),
            ("account__name", "account"),
            ("amount", "amount"),
            ("ends_on", "ends"),
            ("status", "status"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Contract
        fields = []

    def search(self, queryset, name, value):
        return search_with_account(queryset, value)

    def filter_noop(self, queryset, name, value):
        return queryset
