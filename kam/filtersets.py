import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from kam.choices import Role
from kam.models import Team, User


def _visible_users(request):
    return User.objects.visible_to(getattr(request, "user", None))


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    role = django_filters.MultipleChoiceFilter(choices=Role.choices, label=_("Role"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = User
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(username__icontains=value) | Q(full_name__icontains=value) | Q(email__icontains=value)
        )


class TeamFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))
    supervisor = django_filters.ModelChoiceFilter(queryset=_visible_users, label=_("Supervisor"))

    class Meta:
        model = Team
        fields = []


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering by a column, then by primary key: rows that tie keep one order, so
    pages never repeat or skip a row. ``nulls_last`` maps model fields to the
    expression to sort by, with missing values (NULL) last in either direction."""

    def __init__(self, *args, nulls_last=None, **kwargs):
        self.nulls_last = nulls_last or {}
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value in EMPTY_VALUES:
            return qs
        terms = []
        for term in qs.query.order_by:
            name = term.lstrip("-") if isinstance(term, str) else None
            if name in self.nulls_last:
                expression = self.nulls_last[name]
                descending = term.startswith("-")
                term = (
                    expression.desc(nulls_last=True)
                    if descending
                    else expression.asc(nulls_last=True)
                )
            terms.append(term)
        return qs.order_by(*terms, "pk")


class LiveAccountsOnly:
    """FilterSet mixin: rows of archived accounts leave the list (and the API list); they
    stay on the archived account's own page and come back when it is restored."""

    live_account_path = "account"

    @property
    def qs(self):
        return super().qs.filter(**{f"{self.live_account_path}__archived_at__isnull": True})
