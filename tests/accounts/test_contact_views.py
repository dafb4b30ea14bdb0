"""Contact pages: list, detail, create and edit, through the browser's forms."""

import pytest
from django.urls import reverse

from accounts.choices import Attitude, BuyingRole, ContactLevel
from accounts.models import Contact
from tests.factories import AccountFactory, ContactFactory, VisitFactory

LIST = reverse("accounts:contact-list")
CREATE = reverse("accounts:contact-create")


def detail(contact):
    return reverse("accounts:contact-detail", args=[contact.pk])


def edit(contact):
    return reverse("accounts:contact-edit", args=[contact.pk])


def form_data(contact=None, **changes):
    """What the browser posts for a contact: the current values plus ``changes``."""
    data = {
        "name": "Li Wei",
        "title": "CFO",
        "department": "Finance",
        "level": ContactLevel.EXECUTIVE,
        "buying_role": BuyingRole.DECISION_MAKER,
        "attitude": Attitude.SUPPORTER,
        "strength": "4",
        "reports_to": "",
        "phone": "",
        "email": "",
        "wechat": "",
        "left_on": "",
        "notes": "",
    }
    if contact is not None:
        data.update(
            name=contact.name,
            title=contact.title,
            level=contact.level,
            attitude=contact.attitude,
            strength=str(contact.strength),
            reports_to=contact.reports_to_id or "",
            version=contact.updated_at.isoformat(),
        )
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def names_in(response):
    return [contact.name for contact in response.context["object_list"]]


# --- list -------------------------------------------------------------------------------


def test_list_shows_only_visible_contacts(client, world_records):
    client.force_login(world_records.user("kam_c"))
    response = client.get(LIST)
    assert response.status_code == 200
    assert names_in(response) == ["contact-initech"]
    assert ">contact-acme<" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "boss"}, ["Boss Chen"]),
        ({"q": "globex"}, ["contact-globex"]),
        ({"level": ContactLevel.EXECUTIVE}, ["Boss Chen"]),
        ({"buying_role": BuyingRole.BLOCKER}, ["Gone Gao"]),
        ({"attitude": Attitude.OPPONENT}, ["Gone Gao"]),
        ({"has_left": "true"}, ["Gone Gao"]),
        ({"has_left": "false"}, ["Boss Chen", "contact-acme", "contact-globex"]),
        ({"ordering": "-strength"}, ["Boss Chen", "contact-acme", "contact-globex", "Gone Gao"]),
    ],
)
def test_list_filters_and_sorts(client, world_records, query, expected):
    acme = world_records.accounts["acme"]
    ContactFactory(account=acme, name="Boss Chen", level=ContactLevel.EXECUTIVE, strength=5)
    ContactFactory(
        account=acme,
        name="Gone Gao",
        has_left=True,
        attitude=Attitude.OPPONENT,
        buying_role=BuyingRole.BLOCKER,
        strength=1,
    )
    client.force_login(world_records.user("kam_a"))
    response = client.get(LIST, query)
    assert response.status_code == 200
    assert names_in(response) == expected


def test_list_filters_by_account_and_refuses_an_invisible_one(client, world_records):
    client.force_login(world_records.user("kam_a"))
    globex = world_records.accounts["globex"]
    assert names_in(client.get(LIST, {"account": globex.pk})) == ["contact-globex"]
    # Another team's account is not a valid choice: nothing is listed, nothing leaks.
    initech = world_records.accounts["initech"]
    assert names_in(client.get(LIST, {"account": initech.pk})) == []


def test_people_who_left_are_greyed_and_last_contacted_is_shown(client, world_records):
    ContactFactory(account=world_records.accounts["acme"], name="Gone Gao", has_left=True)
    client.force_login(world_records.user("kam_a"))
    response = client.get(LIST)
    page = response.content.decode()
    assert 'class="kam-contact-left"' in page
    by_name = {contact.name: contact for contact in response.context["object_list"]}
    assert by_name["contact-acme"].last_contacted_at is not None
    assert by_name["Gone Gao"].last_contacted_at is None


def test_list_htmx_request_gets_the_results_partial(client, world_records):
    client.force_login(world_records.user("kam_a"))
    response = client.get(LIST, {"q": "acme"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="results">')
    assert "<html" not in page
    assert ">contact-acme<" in page
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("rows", [5, 50])
def test_list_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries, rows):
    account = world.accounts["acme"]
    for contact in ContactFactory.create_batch(rows, account=account):
        VisitFactory(account=account).contacts.set([contact])
    client.force_login(world.user("kam_a"))
    # session, user, unread count, page count, the page (with last contacted), account choices,
    # saved views, teams (the views bar)
    with django_assert_num_queries(8):
        response = client.get(LIST)
    assert len(response.context["object_list"]) == rows


@pytest.mark.parametrize("name", ["contact-list", "contact-create"])
def test_anonymous_is_sent_to_sign_in(client, db, name):
    response = client.get(reverse(f"accounts:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- detail -----------------------------------------------------------------------------


def test_detail_shows_the_contact_the_org_chart_and_visits(client, world_records):
    acme = world_records.accounts["acme"]
    boss = ContactFactory(account=acme, name="Boss Chen", title="CEO")
    contact = world_records.contacts["contact-acme"]
    contact.reports_to = boss
    contact.save()
    ContactFactory(account=acme, name="Junior Ju", reports_to=contact)
    client.force_login(world_records.user("kam_a"))
    response = client.get(detail(contact))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Boss Chen" in page
    assert "Junior Ju" in page
    assert "visit-acme" in page
    assert reverse("accounts:contact-edit", args=[contact.pk]) in page


def test_detail_is_missing_for_an_outsider(client, world_records):
    client.force_login(world_records.user("kam_c"))
    contact = world_records.contacts["contact-acme"]
    assert client.get(detail(contact)).status_code == 404
    assert client.get(edit(contact)).status_code == 404
    assert client.post(edit(contact), form_data(contact)).status_code == 404


def test_executive_sees_the_detail_without_an_edit_button(client, world_records):
    client.force_login(world_records.user("exec"))
    contact = world_records.contacts["contact-acme"]
    response = client.get(detail(contact))
    assert response.status_code == 200
    assert edit(contact) not in response.content.decode()


@pytest.mark.parametrize("rows", [5, 50])
def test_detail_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries, rows):
    account = world.accounts["acme"]
    contact = ContactFactory(account=account)
    ContactFactory.create_batch(rows, account=account, reports_to=contact)
    for _ in range(rows):
        VisitFactory(account=account).contacts.set([contact, ContactFactory(account=account)])
    client.force_login(world.user("kam_a"))
    # session, user, unread count, contact, can change, direct reports, visits, their contacts
    with django_assert_num_queries(8):
        response = client.get(detail(contact))
    assert len(response.context["visits"]) == min(rows, 20)


# --- create -----------------------------------------------------------------------------


def test_executive_cannot_create_or_edit(client, world_records):
    client.force_login(world_records.user("exec"))
    contact = world_records.contacts["contact-acme"]
    assert client.get(CREATE).status_code == 404
    acme = world_records.accounts["acme"]
    assert client.post(CREATE, form_data(account=acme.pk)).status_code == 404
    assert client.get(edit(contact)).status_code == 404
    assert client.post(edit(contact), form_data(contact)).status_code == 404


def test_create_form_offers_only_accounts_i_look_after(client, world_records):
    client.force_login(world_records.user("kam_a"))
    acme = world_records.accounts["acme"]
    response = client.get(CREATE, {"account": acme.pk})
    form = response.context["form"]
    assert {account.name for account in form.fields["account"].queryset} == {"acme", "globex"}
    assert form["account"].value() == acme.pk
    # The account is known: "reports to" offers its people only.
    assert [c.name for c in form.fields["reports_to"].queryset] == ["contact-acme"]


def test_create_saves_through_the_service(client, world_records):
    client.force_login(world_records.user("kam_a"))
    acme = world_records.accounts["acme"]
    boss = world_records.contacts["contact-acme"]
    response = client.post(CREATE, form_data(account=acme.pk, reports_to=boss.pk, strength="5"))
    contact = Contact.objects.get(name="Li Wei")
    assert response.status_code == 302
    assert response["Location"] == contact.get_absolute_url()
    assert contact.account == acme
    assert contact.reports_to == boss
    assert contact.strength == 5
    assert contact.level == ContactLevel.EXECUTIVE


def test_create_on_an_invisible_account_is_a_field_error(client, world_records):
    client.force_login(world_records.user("kam_a"))
    initech = world_records.accounts["initech"]
    response = client.post(CREATE, form_data(account=initech.pk))
    assert response.status_code == 200
    assert "account" in response.context["form"].errors
    assert not Contact.objects.filter(name="Li Wei").exists()


def test_create_reporting_to_someone_at_another_account_is_a_field_error(client, world_records):
    client.force_login(world_records.user("kam_a"))
    acme = world_records.accounts["acme"]
    other = world_records.contacts["contact-globex"]  # visible, but at another account
    response = client.post(CREATE, form_data(account=acme.pk, reports_to=other.pk))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["reports_to"] == ["Choose someone at the same account as the contact."]
    assert "is-invalid" in response.content.decode()
    assert not Contact.objects.filter(name="Li Wei").exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"account": "not-a-number"},
        {"strength": "9"},
        {"email": "not-an-email"},
        {"left_on": "31/31/2024"},
        {"level": "king"},
        {"reports_to": "999999999"},
        {"name": ""},
    ],
)
def test_bad_input_gets_field_errors_never_a_500(client, world_records, bad):
    client.force_login(world_records.user("kam_a"))
    data = form_data(account=world_records.accounts["acme"].pk) | bad
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert set(bad) & set(response.context["form"].errors)
    assert not Contact.objects.filter(name="Li Wei").exists()


# --- edit -------------------------------------------------------------------------------


def test_edit_saves_and_marks_the_contact_as_left(client, world_records):
    client.force_login(world_records.user("kam_a"))
    contact = world_records.contacts["contact-acme"]
    response = client.post(
        edit(contact), form_data(contact, title="COO", has_left="on", left_on="2024-05-01")
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.title == "COO"
    assert contact.has_left
    assert str(contact.left_on) == "2024-05-01"


def test_edit_a_reports_to_loop_is_a_field_error(client, world_records):
    acme = world_records.accounts["acme"]
    boss = world_records.contacts["contact-acme"]
    report = ContactFactory(account=acme, name="Report Ren", reports_to=boss)
    client.force_login(world_records.user("kam_a"))
    response = client.post(edit(boss), form_data(boss, reports_to=report.pk))
    assert response.status_code == 200
    [error] = response.context["form"].errors["reports_to"]
    assert "would be a loop" in error
    boss.refresh_from_db()
    assert boss.reports_to is None


def test_edit_cannot_point_to_itself(client, world_records):
    contact = world_records.contacts["contact-acme"]
    client.force_login(world_records.user("kam_a"))
    response = client.post(edit(contact), form_data(contact, reports_to=contact.pk))
    assert response.status_code == 200
    assert "reports_to" in response.context["form"].errors


def test_edit_after_someone_else_saved_is_a_conflict_not_an_overwrite(client, world_records):
    contact = world_records.contacts["contact-acme"]
    client.force_login(world_records.user("kam_a"))
    stale = form_data(contact, title="Mine")
    Contact.objects.filter(pk=contact.pk).update(
        title="Theirs", updated_at=contact.updated_at.replace(year=2099)
    )
    response = client.post(edit(contact), stale)
    assert response.status_code == 200
    assert "Someone else saved" in response.content.decode()
    contact.refresh_from_db()
    assert contact.title == "Theirs"
    # Saving again from the re-rendered form is a deliberate overwrite.
    again = stale | {"version": response.context["form"]["version"].value()}
    assert client.post(edit(contact), again).status_code == 302
    contact.refresh_from_db()
    assert contact.title == "Mine"


def test_edit_offers_reports_to_from_the_same_account_only(client, world_records):
    contact = world_records.contacts["contact-acme"]
    ContactFactory(account=world_records.accounts["acme"], name="Peer Pan")
    client.force_login(world_records.user("kam_a"))
    form = client.get(edit(contact)).context["form"]
    assert [c.name for c in form.fields["reports_to"].queryset] == ["Peer Pan"]
    assert "account" not in form.fields


def test_a_supervisor_edits_a_team_members_contact(client, world_records):
    contact = world_records.contacts["contact-acme"]
    client.force_login(world_records.user("sup_east"))
    assert client.post(edit(contact), form_data(contact, title="VP")).status_code == 302
    contact.refresh_from_db()
    assert contact.title == "VP"


def test_create_without_an_account_offers_every_visible_contact(client, world_records):
    client.force_login(world_records.user("kam_a"))
    form = client.get(CREATE).context["form"]
    names = {c.name for c in form.fields["reports_to"].queryset}
    assert names == {"contact-acme", "contact-globex"}
    other = AccountFactory(name="hidden")
    assert not form.fields["account"].queryset.filter(pk=other.pk).exists()
