"""One FilterSet per resource, shared by the list pages and the API.

Every choice offered (owners, teams, accounts) comes from what the requesting
user may see, so a filter cannot be used to probe other people's records.
"""

import django_filters
from django.db.models import F, Q, Value
from django.db.models.functions import NullIf
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import (
    ACTIVE_STAGES,
    LEGACY_ACTIVE,
    AccountStatus,
    Attitude,
    BuyingRole,
    ContactLevel,
    Industry,
    Region,
    VisitKind,
)
from accounts.health.models import HealthStatus
from accounts.models import Account, Contact, Visit
from accounts.tiering.models import Tier
from kam.filtersets import FilterSet, StableOrderingFilter, team_people
from kam.models import Team, User
from kam.scoping import led_member_ids


def _user(request):
    return getattr(request, "user", None)


def _visible_users(request):
    return User.objects.visible_to(_user(request))


def _visible_teams(request):
    return Team.objects.visible_to(_user(request))


def _visible_accounts(request):
    return Account.objects.visible_to(_user(request))


def search_with_account(queryset, value, account_path="account"):
    """A list's search of rows that hang off an account: a row is found by its own search
    document (kam.textsearch) or by its account's, as the account search finds it, so
    "华为" on the contact list shows the people of 华为 as well as anyone named so."""
    accounts = Account.objects.search(value).order_by().values("pk")
    own = queryset.search(value).order_by().values("pk")
    return queryset.filter(Q(pk__in=own) | Q(**{f"{account_path}__in": accounts}))


class ArchivedFilterMixin:
    """Archived rows leave lists unless ``archived=true`` asks for them."""

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("archived"):
            return queryset.filter(archived_at__isnull=False)
        return queryset.filter(archived_at__isnull=True)


class AccountFilterSet(ArchivedFilterMixin, FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    owner = django_filters.ModelMultipleChoiceFilter(queryset=_visible_users, label=_("Owner"))
    team = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_teams, method="filter_team", label=_("Team")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=[*AccountStatus.choices, (LEGACY_ACTIVE, _("Active (developing or mature)"))],
        method="filter_status",
        label=_("Lifecycle status"),
    )
    tier = django_filters.MultipleChoiceFilter(choices=Tier.choices, label=_("Tier"))
    health = django_filters.MultipleChoiceFilter(
        field_name="health_status", choices=HealthStatus.choices, label=_("Health")
    )
    industry = django_filters.MultipleChoiceFilter(choices=Industry.choices, label=_("Industry"))
    region = django_filters.MultipleChoiceFilter(choices=Region.choices, label=_("Region"))
    parent = django_filters.ModelChoiceFilter(queryset=_visible_accounts, label=_("Parent account"))
    tag = django_filters.CharFilter(field_name="tags", lookup_expr="contains", method="filter_tag",
                                    label=_("Tag"))  # fmt: skip
    strategic = django_filters.BooleanFilter(method="filter_strategic", label=_("Strategic"))
    past_cadence = django_filters.BooleanFilter(
        method="filter_past_cadence", label=_("Past the visit cadence")
    )
    graded = django_filters.BooleanFilter(method="filter_graded", label=_("Graded"))
    health_checked = django_filters.BooleanFilter(
        method="filter_health_checked", label=_("Health checked")
    )
    archived = django_filters.BooleanFilter(method="filter_noop", label=_("Archived"))
    ordering = StableOrderingFilter(
        fields=(
            ("name", "name"),
            ("owner__full_name", "owner"),
            ("status", "status"),
            ("tier", "tier"),
            ("tier_score", "score"),
            ("health_score", "health"),
            ("updated_at", "updated"),
            ("created_at", "created"),
        ),
        # accounts not graded yet come after the graded ones, whichever the direction
        nulls_last={
            "tier": NullIf("tier", Value("")),
            "tier_score": F("tier_score"),
            "health_score": F("health_score"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Account
        fields = []

    def filter_status(self, queryset, name, value):
        stages = {stage for v in value for stage in (ACTIVE_STAGES if v == LEGACY_ACTIVE else [v])}
        return queryset.filter(status__in=stages) if stages else queryset

    def search(self, queryset, name, value):
        return queryset.search(value)  # kam.textsearch: the one definition of "matches"

    def filter_team(self, queryset, name, value: int):
        teams = value
        if not teams:
            return queryset
        return queryset.filter(owner__in=team_people(teams))

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value.strip()])

    def filter_strategic(self, queryset, name, value):
        strategic = (
            Q(is_industry_leader=True) | Q(is_reference_customer=True) | Q(has_channel_value=True)
        )
        return queryset.filter(strategic) if value else queryset.exclude(strategic)

    def filter_graded(self, queryset, name, value):
        return queryset.exclude(tier="") if value else queryset.filter(tier="")

    def filter_health_checked(self, queryset, name, value):
        return queryset.exclude(health_status="") if value else queryset.filter(health_status="")

    def filter_past_cadence(self, queryset, name, value):
        overdue = queryset.past_cadence().order_by().values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)

    def filter_noop(self, queryset, name, value):
        return queryset  # applied in filter_queryset


def account_condition(name: str, *, label, accounts) -> None:
    """Add a yes/no filter ``name`` to the account list and the accounts API, registered by
    an app above accounts when it is ready (credit: ``over_credit_limit``): ``accounts()``
    gives a queryset of the ids of the accounts that meet the condition, read as a
    subquery of the list's one query. Like ``past_cadence``, it is a drill-down that links
    set (the filter bar shows the fields of ``FILTER_FIELDS``)."""

    def method(queryset, field_name, value):
        ids = accounts()
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)

    AccountFilterSet.base_filters[name] = django_filters.BooleanFilter(
        field_name=name, method=method, label=label
    )


class ContactFilterSet(ArchivedFilterMixin, FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    account = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_accounts, label=_("Account")
    )
    level = django_filters.MultipleChoiceFilter(choices=ContactLevel.choices, label=_("Level"))
    buying_role = django_filters.MultipleChoiceFilter(
        choices=BuyingRole.choices, label=_("Buying role")
    )
    attitude = django_filters.MultipleChoiceFilter(choices=Attitude.choices, label=_("Attitude"))
    has_left = django_filters.BooleanFilter(label=_("Has left"))
    archived = django_filters.BooleanFilter(method="filter_noop", label=_("Archived"))
    ordering = StableOrderingFilter(
        fields=(("name", "name"), ("account__name", "account"), ("level", "level"),
                ("strength", "strength"), ("updated_at", "updated")),
        label=_("Sort by"),
    )  # fmt: skip

    class Meta:
        model = Contact
        fields = []

    def search(self, queryset, name, value):
        return search_with_account(queryset, value)

    def filter_noop(self, queryset, name, value):
        return queryset


class VisitFilterSet(ArchivedFilterMixin, FilterSet):
    WHO_CHOICES = (
        ("mine", _("My visits")),
        ("team", _("My team's visits")),
        ("all", _("All I can see")),
    )

    q = django_filters.CharFilter(method="search", label=_("Search"))
    who = django_filters.ChoiceFilter(choices=WHO_CHOICES, method="filter_who", label=_("Whose"))
    account = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_accounts, label=_("Account")
    )
    kind = django_filters.MultipleChoiceFilter(choices=VisitKind.choices, label=_("Type"))
    logged_by = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_users, label=_("Logged by")
    )
    occurred = django_filters.DateFromToRangeFilter(field_name="occurred_at", label=_("Date range"))
    next_visit_owner = django_filters.ModelMultipleChoiceFilter(
        queryset=_visible_users, label=_("Revisit by")
    )
    follow_up = django_filters.ChoiceFilter(
        choices=(
            ("open", _("Revisit planned")),
            ("due", _("Revisit due or overdue")),
            ("overdue", _("Revisit overdue")),
        ),
        method="filter_follow_up",
        label=_("Revisit"),
    )
    archived = django_filters.BooleanFilter(method="filter_noop", label=_("Archived"))
    ordering = StableOrderingFilter(
        fields=(("occurred_at", "when"), ("account__name", "account"),
                ("next_visit_on", "revisit")),
        label=_("Sort by"),
    )  # fmt: skip

    class Meta:
        model = Visit
        fields = []

    def search(self, queryset, name, value):
        # a visit is found by its own words or by its account, as the account search finds it
        accounts = Account.objects.search(value).order_by().values("pk")
        return queryset.filter(
            Q(summary__icontains=value) | Q(purpose__icontains=value) | Q(account__in=accounts)
        )

    def filter_who(self, queryset, name, value):
        user = _user(self.request)
        if value == "all":
            return queryset
        if value == "mine":
            return queryset.filter(logged_by=user)
        return queryset.filter(logged_by__in=led_member_ids(user))

    def filter_follow_up(self, queryset, name, value):
        queryset = queryset.filter(next_visit_on__isnull=False, follow_up_closed_at__isnull=True)
        if value == "due":
            queryset = queryset.filter(next_visit_on__lte=timezone.localdate())
        elif value == "overdue":
            queryset = queryset.filter(next_visit_on__lt=timezone.localdate())
        return queryset

    def filter_noop(self, queryset, name, value):
        return queryset
