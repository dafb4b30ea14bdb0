import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from django_filters.filters import QuerySetRequestMixin

from kam.choices import Role
from kam.forms import label_empty_choice
from kam.models import Team, TeamMembership, User


def _crosses_many(model, lookup: str) -> bool:
    """Whether the field path ``lookup`` goes through a to-many relation, where a row
    can match a filter more than once."""
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a lookup or a transform (``__in``, ``__year``): the path ended
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


#: (FilterSet class, language) -> its form class
_FORM_CLASSES: dict = {}


def _per_request(filters):
    """The names of the filters whose choices are read for the request's user."""
    return [name for name, filter_ in filters.items() if isinstance(filter_, QuerySetRequestMixin)]


def _is_multiple(filter_) -> bool:
    return issubclass(
        filter_.field_class, forms.MultipleChoiceField | forms.ModelMultipleChoiceField
    )


def without_blank_choices(data, filters, prefix=None):
    """``data`` without the empty values of multiple-choice filters. A filter bar's select
    sends ``account=`` for its "All accounts" option, and a browser sends every field of
    the form, the empty ones too; Django's multiple-choice fields reject "" (not a valid
    value / not one of the choices), which made the whole list empty. An empty choice
    means "any", as an absent parameter does. ``data`` itself is never changed."""
    if data is None or not hasattr(data, "getlist"):
        return data
    cleaned = None
    for name, filter_ in filters.items():
        if not _is_multiple(filter_):
            continue
        key = f"{prefix}-{name}" if prefix else name
        values = data.getlist(key)
        kept = [value for value in values if str(value).strip()]
        if len(kept) != len(values):
            if cleaned is None:
                cleaned = data.copy() if isinstance(data, QueryDict) else QueryDict(mutable=True)
                if not isinstance(data, QueryDict):
                    for other in data:
                        cleaned.setlist(other, data.getlist(other))
            cleaned.setlist(key, kept)
    return data if cleaned is None else cleaned


class FilterSet(django_filters.FilterSet):
    """The project's FilterSet.

    - A multiple-choice filter's empty value ("" from a select's "any" option) is no
      filter (``without_blank_choices``): the lists take the form their page renders.
    - django-filter makes every multiple-choice filter ask for DISTINCT rows; on the
      row's own columns, or through foreign keys, no row can come twice, and the
      DISTINCT made the account list's count and page compare all 34 columns of every
      matching row. Such filters here ask for none."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        data = without_blank_choices(data, self.base_filters, prefix)
        super().__init__(data, queryset, request=request, prefix=prefix)

    def get_form_class(self):
        """The form class, built once per FilterSet class and language rather than on
        each request (a form field per filter, copied twice). The choices that depend on
        the user (``queryset`` given as a function of the request) are left empty in it
        and set on each form, in ``form``: a form never offers another user's choices."""
        key = (type(self), get_language())
        form_class = _FORM_CLASSES.get(key)
        if form_class is None:
            form_class = super().get_form_class()
            for field in form_class.base_fields.values():
                label_empty_choice(field, _("Any"))
            for name in _per_request(self.filters):
                field = form_class.base_fields[name]
                field.queryset = field.queryset.none()
            _FORM_CLASSES[key] = form_class
        return form_class

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            for name in _per_request(self.filters):
                queryset = self.filters[name].get_queryset(self.request)
                if queryset is not None:
                    form.fields[name].queryset = queryset
        return self._form

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        model = cls._meta.model
        for filter_ in filters.values():
            if (
                model is not None
                and filter_.distinct
                and filter_.method is None
                and not _crosses_many(model, filter_.field_name)
            ):
                filter_.distinct = False
        return filters


def team_people(teams):
    """The members and the supervisors of ``teams`` as one subquery (a UNION). Written as
    ``owner IN (members) OR owner IN (supervisors)``, the OR kept PostgreSQL from using
    the owner index: a team's opportunities were found by reading all of them."""
    ids = [team.pk for team in teams]
    members = TeamMembership.objects.filter(team__in=ids).order_by().values("user_id")
    supervisors = Team.objects.filter(pk__in=ids).order_by().values("supervisor_id")
    return members.union(supervisors, all=True)


def _visible_users(request):
    return User.objects.visible_to(getattr(request, "user", None))


class UserFilterSet(FilterSet):
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


class TeamFilterSet(FilterSet):
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
