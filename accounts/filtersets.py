import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from kam.models import User


def _visible_users(request):
    return User.objects.visible_to(getattr(request, "user", None))


class AccountFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    owner = django_filters.ModelMultipleChoiceFilter(queryset=_visible_users, label=_("Owner"))

    class Meta:
        model = Account
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value))
