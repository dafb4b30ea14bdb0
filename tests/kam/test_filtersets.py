"""The project's FilterSet asks for DISTINCT only where a row can match twice."""

import django_filters
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import VisitKind
from accounts.models import Contact, Visit
from kam.filtersets import FilterSet


class _VisitFilters(FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=VisitKind.choices)
    account = django_filters.ModelMultipleChoiceFilter(queryset=Contact.objects.none())
    owner = django_filters.MultipleChoiceFilter(field_name="account__owner__role", choices=[])
    contacts = django_filters.ModelMultipleChoiceFilter(queryset=Contact.objects.all())
    contact_level = django_filters.MultipleChoiceFilter(field_name="contacts__level", choices=[])

    class Meta:
        model = Visit
        fields = []


def test_only_filters_through_a_to_many_relation_ask_for_distinct():
    distinct = {name for name, filter_ in _VisitFilters.base_filters.items() if filter_.distinct}
    assert distinct == {"contacts", "contact_level"}


def test_a_filtered_account_list_asks_for_no_distinct(client, world):
    client.force_login(world.user("sup_east"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accounts:list") + "?tier=A&tier=B&status=active&region=east")
    assert response.status_code == 200
    account_reads = [q["sql"] for q in queries if '"accounts_account"' in q["sql"]]
    assert account_reads
    assert not [sql for sql in account_reads if "DISTINCT" in sql]


def test_a_visit_filtered_by_two_of_its_contacts_comes_once(world):
    from tests.factories import ContactFactory, VisitFactory

    acme = world.accounts["acme"]
    first, second = ContactFactory(account=acme), ContactFactory(account=acme)
    visit = VisitFactory(account=acme)
    visit.contacts.set([first, second])
    filters = _VisitFilters({"contacts": [first.pk, second.pk]}, queryset=Visit.objects.all())
    assert list(filters.qs) == [visit]


def test_a_filter_selects_choices_are_read_without_a_server_side_cursor(client, world):
    """A select's choices come from ``.iterator()``: with a server-side cursor, that was
    DECLARE, FETCH and CLOSE for a handful of rows."""
    client.force_login(world.user("sup_east"))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("accounts:list") + "?tier=A")
    assert page.status_code == 200
    assert 'name="owner"' in page.content.decode()  # the owner select was rendered
    assert not [q["sql"] for q in queries if q["sql"].startswith("DECLARE")]


def test_team_people_are_the_members_and_the_supervisor_of_each_team(world):
    from kam.filtersets import team_people
    from kam.models import Team, User

    east = Team.objects.get(name="East")
    expected = {*east.memberships.values_list("user_id", flat=True), east.supervisor_id}
    assert len(expected) > 1
    assert set(User.objects.filter(pk__in=team_people([east])).values_list("pk", flat=True)) == (
        expected
    )
    everyone = set()
    for team in Team.objects.all():
        everyone |= {*team.memberships.values_list("user_id", flat=True), team.supervisor_id}
    got = User.objects.filter(pk__in=team_people(list(Team.objects.all())))
    assert set(got.values_list("pk", flat=True)) == everyone - {None}


def test_a_form_class_built_once_still_offers_each_user_their_own_choices(client, world):
    """The filter form's class is built once per FilterSet and language; the owners a
    user may pick come from that user's request every time."""
    import re

    from django.test import RequestFactory

    from accounts.filtersets import AccountFilterSet
    from accounts.models import Account

    def owners(username):
        request = RequestFactory().get("/")
        request.user = world.user(username)
        filters = AccountFilterSet(request.GET, queryset=Account.objects.all(), request=request)
        return {str(user) for user in filters.form.fields["owner"].queryset}

    from kam.models import User

    for username in ("sup_east", "kam_c", "sup_east"):
        visible = User.objects.visible_to(world.user(username))
        assert owners(username) == {str(user) for user in visible}, username
    assert owners("sup_east") != owners("kam_c")
    # a choice out of the user's sight is refused, whoever built the class first
    request = RequestFactory().get("/", {"owner": world.user("kam_a").pk})
    request.user = world.user("kam_c")
    refused = AccountFilterSet(request.GET, queryset=Account.objects.all(), request=request)
    assert not refused.is_valid()
    assert "owner" in refused.errors
    # the page, in both languages, labels the filters in the reader's language
    client.force_login(world.user("sup_east"))
    english = client.get(reverse("accounts:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post(reverse("set-language"), {"language": "zh-hans", "next": "/"})
    chinese = client.get(reverse("accounts:list")).content.decode()
    label = re.compile(r'<label class="form-label[^"]*" for="id_owner">([^<]+)</label>')
    assert label.search(english).group(1) != label.search(chinese).group(1)
