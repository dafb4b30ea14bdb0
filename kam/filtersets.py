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
    pages never repeat or skip a row."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value not in EMPTY_VALUES:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs
