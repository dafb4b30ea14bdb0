"""Visit pages: the log form, the contact options partial, the list, the detail and comments."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Sentiment, VisitKind
from accounts.models import (
    REVISIT_HORIZON_DAYS,
    VISIT_NOTE_MAX_LENGTH,
    Account,
    Visit,
    VisitComment,
)
from kam.choices import NotificationKind
from kam.models import Notification, User
from tests.factories import AccountFactory, ContactFactory, VisitFactory

LIST = reverse("accounts:visit-list")
CREATE = reverse("accounts:visit-create")
OPTIONS = reverse("accounts:visit-contact-options")


def detail(visit):
    return reverse("accounts:visit-detail", args=[visit.pk])


def comment(visit):
    return reverse("accounts:visit-comment", args=[visit.pk])


def visit_data(account, **changes):
    """What the phone posts: the minimum a KAM types, plus ``changes``."""
    data = {
        "account": account.pk,
        "kind": VisitKind.ONSITE,
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "Talked about the renewal.",
        "client_key": str(uuid.uuid4()),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def summaries(response):
    return sorted(visit.summary for visit in response.context["object_list"])


# --- the log form -------------------------------------------------------------------------


def test_form_offers_my_accounts_first_then_the_others_i_look_after(client, world):
    AccountFactory(name="zeta", owner=world.user("kam_a"))
    client.force_login(world.user("kam_a"))
    response = client.get(CREATE)
    assert response.status_code == 200
    choices = response.context["form"].fields["account"].choices
    assert choices[0][0] == ""
    (mine_label, mine), (others_label, others) = choices[1:]
    assert (str(mine_label), str(others_label)) == ("My accounts", "Other accounts I look after")
    assert [name for _, name in mine] == ["acme", "zeta"]
    assert [name for _, name in others] == ["globex"]
    page = response.content.decode()
    assert 'optgroup label="My accounts"' in page
    # The phone-first essentials: a submission key, "now", on-site visit preselected.
    form = response.context["form"]
    key = uuid.UUID(str(form["client_key"].value()))
    assert f'name="client_key" value="{key}"' in page
    assert form["kind"].value() == VisitKind.ONSITE
    assert 'type="datetime-local"' in page
    assert "js/visit-form.js" in page
    assert "<script>" not in page  # no inline script: the CSP will forbid them


def test_form_preselects_the_account_and_renders_its_contacts(client, world):
    acme = world.accounts["acme"]
    ContactFactory(account=acme, name="Ann An")
    ContactFactory(account=acme, name="Gone Gao", has_left=True)
    ContactFactory(account=world.accounts["globex"], name="Other Ou")
    client.force_login(world.user("kam_a"))
    response = client.get(CREATE, {"account": acme.pk})
    assert response.context["form"]["account"].value() == acme.pk
    page = response.content.decode()
    assert "Ann An" in page
    assert "Gone Gao" not in page  # people who left are not offered
    assert "Other Ou" not in page


def test_form_from_a_contacts_page_ticks_the_contact(client, world):
    acme = world.accounts["acme"]
    ann = ContactFactory(account=acme, name="Ann An")
    ContactFactory(account=acme, name="Bo Bai")
    client.force_login(world.user("kam_a"))
    page = client.get(CREATE, {"account": acme.pk, "contact": ann.pk}).content.decode()
    assert f'value="{ann.pk}"\n                 id="visit-contact-{ann.pk}" checked' in page
    assert page.count(" checked>") == 2  # Ann, and the preselected kind


def test_form_preselects_the_only_account_i_look_after(client, world):
    client.force_login(world.user("kam_c"))
    form = client.get(CREATE).context["form"]
    assert form["account"].value() == world.accounts["initech"].pk


@pytest.mark.parametrize(
    "url",
    [LIST, CREATE, OPTIONS, reverse("accounts:visit-detail", args=[1])],
)
def test_anonymous_is_sent_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    response = client.post(reverse("accounts:visit-comment", args=[1]), {"body": "x"})
    assert response["Location"].startswith(reverse("login"))


def test_form_ignores_a_preselected_account_i_cannot_see(client, world):
    initech = world.accounts["initech"]
    ContactFactory(account=initech, name="Secret Su")
    client.force_login(world.user("kam_a"))
    response = client.get(CREATE, {"account": initech.pk})
    assert response.status_code == 200
    assert response.context["account"] is None
    page = response.content.decode()
    assert "Secret Su" not in page
    assert "initech" not in page


def test_executive_cannot_log_visits(client, world):
    client.force_login(world.user("exec"))
    assert client.get(CREATE).status_code == 404
    response = client.post(CREATE, visit_data(world.accounts["acme"]))
    assert response.status_code == 404
    assert client.get(OPTIONS, {"account": world.accounts["acme"].pk}).status_code == 404
    assert not Visit.objects.exists()


def test_logging_a_visit_saves_it_and_goes_to_the_account_timeline(client, world):
    acme = world.accounts["acme"]
    ann = ContactFactory(account=acme, name="Ann An")
    bo = ContactFactory(account=acme, name="Bo Bai")
    client.force_login(world.user("kam_a"))
    revisit = (timezone.localdate() + timedelta(days=14)).isoformat()
    response = client.post(
        CREATE,
        visit_data(
            acme,
            kind=VisitKind.CALL,
            contacts=[ann.pk, bo.pk],
            colleagues=[world.user("kam_b").pk],
            sentiment=Sentiment.POSITIVE,
            purpose="Renewal",
            next_visit_on=revisit,
        ),
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert response["Location"] == f"{acme.get_absolute_url()}#visit-{visit.pk}"
    assert visit.account == acme
    assert visit.logged_by == world.user("kam_a")
    assert visit.kind == VisitKind.CALL
    assert set(visit.contacts.all()) == {ann, bo}
    assert list(visit.colleagues.all()) == [world.user("kam_b")]
    assert visit.sentiment == Sentiment.POSITIVE
    assert visit.next_visit_on.isoformat() == revisit
    assert visit.latitude is None
    assert visit.longitude is None
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["Visit to acme logged."]


def test_when_left_at_now_keeps_the_seconds_so_the_timeline_orders_right(client, world):
    client.force_login(world.user("kam_a"))
    before = timezone.now()
    minute = timezone.localtime(before).replace(second=0, microsecond=0)
    client.post(
        CREATE, visit_data(world.accounts["acme"], occurred_at=minute.strftime("%Y-%m-%dT%H:%M"))
    )
    visit = Visit.objects.get()
    assert minute <= visit.occurred_at <= timezone.now()
    if timezone.now() < minute + timedelta(minutes=1):  # still the same minute: "now" exactly
        assert visit.occurred_at >= before


def test_an_earlier_time_is_kept_as_typed(client, world):
    client.force_login(world.user("kam_a"))
    earlier = timezone.localtime() - timedelta(days=1, hours=2)
    client.post(
        CREATE, visit_data(world.accounts["acme"], occurred_at=earlier.strftime("%Y-%m-%dT%H:%M"))
    )
    assert Visit.objects.get().occurred_at == earlier.replace(second=0, microsecond=0)


def test_the_same_submission_twice_logs_one_visit(client, world):
    acme = world.accounts["acme"]
    client.force_login(world.user("kam_a"))
    data = visit_data(acme)
    first = client.post(CREATE, data)
    second = client.post(CREATE, data)  # the phone lost the response and sent it again
    assert Visit.objects.count() == 1
    landing = f"{acme.get_absolute_url()}#visit-{Visit.objects.get().pk}"
    assert first["Location"] == second["Location"] == landing
    page = client.get(second["Location"]).content.decode()
    assert "already saved" in page


def test_the_key_survives_a_re_render_after_errors(client, world):
    client.force_login(world.user("kam_a"))
    data = visit_data(world.accounts["acme"], summary="")
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert "summary" in response.context["form"].errors
    assert f'value="{data["client_key"]}"' in response.content.decode()


def test_a_contact_of_another_account_is_a_field_error(client, world):
    acme = world.accounts["acme"]
    other = ContactFactory(account=world.accounts["globex"], name="Other Ou")  # visible
    client.force_login(world.user("kam_a"))
    response = client.post(CREATE, visit_data(acme, contacts=[other.pk]))
    assert response.status_code == 200
    assert response.context["form"].errors["contacts"] == ["Other Ou: not a contact of acme."]
    assert not Visit.objects.exists()


def test_an_invisible_contact_is_a_field_error(client, world):
    hidden = ContactFactory(account=world.accounts["initech"])
    client.force_login(world.user("kam_a"))
    response = client.post(CREATE, visit_data(world.accounts["acme"], contacts=[hidden.pk]))
    assert response.status_code == 200
    assert "contacts" in response.context["form"].errors
    assert hidden.name not in response.content.decode()
    assert not Visit.objects.exists()


def test_an_account_i_cannot_see_is_a_field_error(client, world):
    client.force_login(world.user("kam_a"))
    response = client.post(CREATE, visit_data(world.accounts["initech"]))
    assert response.status_code == 200
    assert "account" in response.context["form"].errors
    assert not Visit.objects.exists()


def test_a_revisit_before_the_visit_is_a_field_error(client, world):
    client.force_login(world.user("kam_a"))
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(CREATE, visit_data(world.accounts["acme"], next_visit_on=yesterday))
    assert response.status_code == 200
    assert "next_visit_on" in response.context["form"].errors


@pytest.mark.parametrize(
    "bad",
    [
        {"account": "x"},
        {"account": ""},
        {"kind": "teleportation"},
        {"occurred_at": "yesterday"},
        {"occurred_at": (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")},
        {"contacts": ["abc"]},
        {"colleagues": ["999999999"]},
        {"client_key": "not-a-uuid"},
        {"next_visit_on": "2024-02-31"},
        {"sentiment": "ecstatic"},
        {"latitude": "north", "longitude": "121.47"},
        {"latitude": "91", "longitude": "121.47"},
        {"latitude": "31.2", "longitude": "181"},
        {"location_accuracy": "-5", "latitude": "31.2", "longitude": "121.4"},
    ],
)
def test_bad_input_gets_field_errors_never_a_500(client, world, bad):
    client.force_login(world.user("kam_a"))
    response = client.post(CREATE, visit_data(world.accounts["acme"]) | bad)
    assert response.status_code == 200
    assert set(bad) & set(response.context["form"].errors)
    assert not Visit.objects.exists()


def test_a_colleague_from_another_team_is_refused(client, world):
    client.force_login(world.user("kam_a"))
    response = client.post(
        CREATE, visit_data(world.accounts["acme"], colleagues=[world.user("kam_c").pk])
    )
    assert response.status_code == 200
    assert "colleagues" in response.context["form"].errors


def test_check_in_location_is_saved_when_present(client, world):
    client.force_login(world.user("kam_a"))
    data = visit_data(
        world.accounts["acme"],
        latitude="31.230416499999998",  # what a browser reports
        longitude="121.473701",
        location_accuracy="23.46",
    )
    assert client.post(CREATE, data).status_code == 302
    visit = Visit.objects.get()
    assert visit.latitude == Decimal("31.230416")
    assert visit.longitude == Decimal("121.473701")
    assert visit.location_accuracy == pytest.approx(23.5)
    assert visit.is_checked_in


def test_check_in_is_optional_and_half_a_location_is_dropped(client, world):
    client.force_login(world.user("kam_a"))
    data = visit_data(world.accounts["acme"], latitude="31.2304", location_accuracy="10")
    assert client.post(CREATE, data).status_code == 302
    visit = Visit.objects.get()
    assert (visit.latitude, visit.longitude, visit.location_accuracy) == (None, None, None)


def test_an_invalid_location_is_not_sent_back_with_the_form(client, world):
    client.force_login(world.user("kam_a"))
    response = client.post(
        CREATE, visit_data(world.accounts["acme"], latitude="95", longitude="121.4")
    )
    page = response.content.decode()
    assert 'name="latitude" id="id_latitude" value=""' in page
    assert "The location sent was not valid" in page


def test_a_supervisor_logs_on_a_team_members_account(client, world):
    client.force_login(world.user("sup_east"))
    acme = world.accounts["acme"]
    assert client.post(CREATE, visit_data(acme)).status_code == 302
    assert Visit.objects.get().logged_by == world.user("sup_east")


# --- contact options (htmx) ---------------------------------------------------------------


def test_contact_options_lists_the_current_contacts_of_the_account(client, world):
    acme = world.accounts["acme"]
    ContactFactory(account=acme, name="Ann An")
    ContactFactory(account=acme, name="Gone Gao", has_left=True)
    ContactFactory(account=world.accounts["globex"], name="Other Ou")
    client.force_login(world.user("kam_a"))
    response = client.get(OPTIONS, {"account": acme.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'type="checkbox" name="contacts"' in page
    assert "Ann An" in page
    assert "Gone Gao" not in page
    assert "Other Ou" not in page
    assert "<html" not in page


def test_contact_options_for_an_account_without_contacts_offers_to_add_one(client, world):
    acme = world.accounts["acme"]
    client.force_login(world.user("kam_a"))
    page = client.get(OPTIONS, {"account": acme.pk}).content.decode()
    assert f"{reverse('accounts:contact-create')}?account={acme.pk}" in page


def test_contact_options_never_leak_another_teams_contacts(client, world):
    initech = world.accounts["initech"]
    ContactFactory(account=initech, name="Secret Su")
    client.force_login(world.user("kam_a"))
    response = client.get(OPTIONS, {"account": initech.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert "Secret Su" not in response.content.decode()


@pytest.mark.parametrize("value", ["", "abc", "999999999"])
def test_contact_options_without_a_usable_account(client, world, value):
    client.force_login(world.user("kam_a"))
    response = client.get(OPTIONS, {"account": value})
    assert response.status_code == (200 if value == "" else 404)
    assert 'name="contacts"' not in response.content.decode()


# --- list -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "tab", "expected"),
    [
        ("kam_a", "mine", ["visit-acme"]),
        ("sup_east", "team", ["visit-acme", "visit-globex"]),
        ("exec", "all", ["visit-acme", "visit-globex", "visit-initech"]),
        ("ops", "all", ["visit-acme", "visit-globex", "visit-initech"]),
    ],
)
def test_list_opens_on_the_right_tab_for_each_role(client, world_records, role, tab, expected):
    client.force_login(world_records.user(role))
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.context["current_tab"] == tab
    assert summaries(response) == expected


def test_list_tabs_show_mine_team_or_all_i_can_see(client, world_records):
    client.force_login(world_records.user("kam_a"))
    assert summaries(client.get(LIST, {"who": "mine"})) == ["visit-acme"]
    # kam_a is on globex's account team: "all" shows kam_b's visit there too.
    assert summaries(client.get(LIST, {"who": "all"})) == ["visit-acme", "visit-globex"]
    page = client.get(LIST).content.decode()
    assert "Team visits" not in page  # that tab is for supervisors
    client.force_login(world_records.user("sup_east"))
    assert "Team visits" in client.get(LIST).content.decode()


def test_list_filters(client, world_records):
    acme = world_records.accounts["acme"]
    kam_a = world_records.user("kam_a")
    today = timezone.localdate()
    VisitFactory(
        account=acme,
        summary="old call",
        kind=VisitKind.CALL,
        occurred_at=timezone.now() - timedelta(days=40),
        next_visit_on=today - timedelta(days=3),
        next_visit_owner=kam_a,
    )
    client.force_login(kam_a)
    all_mine = {"who": "mine"}
    assert summaries(client.get(LIST, all_mine | {"kind": VisitKind.CALL})) == ["old call"]
    assert summaries(client.get(LIST, all_mine | {"account": acme.pk})) == [
        "old call",
        "visit-acme",
    ]
    recent = {"occurred_after": (today - timedelta(days=7)).isoformat()}
    assert summaries(client.get(LIST, all_mine | recent)) == ["visit-acme"]
    older = {"occurred_before": (today - timedelta(days=30)).isoformat()}
    assert summaries(client.get(LIST, all_mine | older)) == ["old call"]
    assert summaries(client.get(LIST, all_mine | {"follow_up": "due"})) == ["old call"]
    assert summaries(client.get(LIST, all_mine | {"q": "old"})) == ["old call"]
    # An account outside my view is not a valid filter: nothing is listed.
    initech = world_records.accounts["initech"]
    assert summaries(client.get(LIST, {"who": "all", "account": initech.pk})) == []


def test_list_htmx_request_gets_the_results_partial(client, world_records):
    client.force_login(world_records.user("kam_a"))
    response = client.get(LIST, {"who": "mine"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="results">')
    assert ">visit-acme<" in page
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("rows", [5, 50])
def test_list_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries, rows):
    acme = world.accounts["acme"]
    for _ in range(rows):
        visit = VisitFactory(account=acme)
        visit.contacts.set(ContactFactory.create_batch(2, account=acme))
    client.force_login(world.user("kam_a"))
    # session, user, unread count, page count (a few pages ahead), the page's ids, its rows
    # with their contacts, account choices, saved views, teams (the views bar)
    with django_assert_num_queries(9):
        response = client.get(LIST)
    assert len(response.context["object_list"]) == rows


# --- detail and comments --------------------------------------------------------------------


def test_detail_shows_everything_about_the_visit(client, world):
    acme = world.accounts["acme"]
    ann = ContactFactory(account=acme, name="Ann An")
    visit = VisitFactory(
        account=acme,
        summary="Long talk",
        outcome="They will sign",
        next_steps="Send the contract",
        next_visit_on=timezone.localdate() + timedelta(days=7),
        latitude=Decimal("31.230416"),
        longitude=Decimal("121.473701"),
        location_accuracy=12,
    )
    visit.contacts.set([ann])
    visit.colleagues.set([world.user("kam_b")])
    client.force_login(world.user("kam_a"))
    response = client.get(detail(visit))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Ann An", "Long talk", "They will sign", "Send the contract",
                 "within 12 m", world.user("kam_b").display_name):  # fmt: skip
        assert text in page
    # a check-in is a place and a distance, never raw coordinates
    assert "31.230416" not in page
    assert "121.473701" not in page
    assert "Unknown: the account's address has no coordinates." in page
    assert "openstreetmap" not in page  # no external links
    assert comment(visit) not in page  # a KAM does not review visits


def test_detail_is_missing_for_an_outsider(client, world_records):
    client.force_login(world_records.user("kam_c"))
    visit = world_records.visits["visit-acme"]
    assert client.get(detail(visit)).status_code == 404
    client.force_login(world_records.user("sup_south"))
    assert client.post(comment(visit), {"body": "Hi"}).status_code == 404
    assert not VisitComment.objects.exists()


@pytest.mark.parametrize("rows", [5, 50])
def test_detail_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries, rows):
    acme = world.accounts["acme"]
    visit = VisitFactory(account=acme)
    visit.contacts.set(ContactFactory.create_batch(rows, account=acme))
    visit.colleagues.set([world.user("kam_b")])
    for _ in range(rows):
        VisitComment.objects.create(visit=visit, author=world.user("sup_east"), body="ok")
    client.force_login(world.user("sup_east"))
    # session, user, unread count, visit, contacts, colleagues, comments with authors
    with django_assert_num_queries(7):
        response = client.get(detail(visit))
    assert comment(visit) in response.content.decode()


def test_a_supervisor_comment_notifies_the_kam(client, world_records):
    visit = world_records.visits["visit-acme"]
    client.force_login(world_records.user("sup_east"))
    response = client.post(comment(visit), {"body": "Good work, follow up on pricing."})
    assert response.status_code == 302
    assert response["Location"] == detail(visit) + "#comments"
    [note] = VisitComment.objects.filter(visit=visit)
    assert note.author == world_records.user("sup_east")
    notification = Notification.objects.get(
        recipient=world_records.user("kam_a"), kind=NotificationKind.VISIT_COMMENTED
    )
    assert notification.url == visit.get_absolute_url()
    assert "Good work" in client.get(detail(visit)).content.decode()


def test_an_empty_comment_is_a_field_error(client, world_records):
    visit = world_records.visits["visit-acme"]
    client.force_login(world_records.user("sup_east"))
    response = client.post(comment(visit), {"body": "   "})
    assert response.status_code == 200
    assert response.context["comment_form"].errors["body"] == ["Write a comment."]
    assert not VisitComment.objects.exists()


@pytest.mark.parametrize("role", ["kam_a", "exec"])
def test_only_supervisors_and_admins_comment(client, world_records, role):
    visit = world_records.visits["visit-acme"]
    client.force_login(world_records.user(role))
    assert comment(visit) not in client.get(detail(visit)).content.decode()
    assert client.post(comment(visit), {"body": "Me too"}).status_code == 404
    assert not VisitComment.objects.exists()
    assert not Notification.objects.filter(kind=NotificationKind.VISIT_COMMENTED).exists()


def test_an_admin_comments_too(client, world_records):
    visit = world_records.visits["visit-initech"]
    client.force_login(world_records.user("ops"))
    assert client.post(comment(visit), {"body": "Noted"}).status_code == 302
    assert VisitComment.objects.filter(visit=visit, author=world_records.user("ops")).exists()


def test_comment_url_is_post_only(client, world_records):
    client.force_login(world_records.user("sup_east"))
    assert client.get(comment(world_records.visits["visit-acme"])).status_code == 405


@pytest.mark.parametrize("url_name", ["accounts:visit-list", "accounts:contact-list"])
def test_the_account_filter_lists_a_bounded_number_of_accounts_the_chosen_one_always(
    client, world, monkeypatch, url_name
):
    """An executive sees 20,000 accounts: the filter's select lists the first ones by
    name, keeps the chosen one wherever it sorts, and says the search finds the rest."""
    import re

    from accounts.views import lists

    monkeypatch.setattr(lists.AccountOptions, "limit", 2)
    zeta = AccountFactory(name="zeta steel", owner=world.user("kam_a"))
    client.force_login(world.user("exec"))
    url = reverse(url_name)

    def options(page):
        select = page.split('name="account"', 1)[1].split("</select>", 1)[0]
        return re.findall(r'<option value="(\d*)"( selected)?>([^<]*)</option>', select)

    page = client.get(url).content.decode()
    assert [name for _pk, _sel, name in options(page)] == ["All accounts", "acme", "globex"]
    assert "The first 2 accounts are listed" in page
    assert 'aria-describedby="' in page.split('name="account"', 1)[1].split(">", 1)[0]
    chosen = client.get(f"{url}?account={zeta.pk}").content.decode()
    listed = options(chosen)
    assert [name for _pk, _sel, name in listed] == ["All accounts", "acme", "zeta steel"]
    assert (str(zeta.pk), " selected", "zeta steel") in listed
    # a value that is no account id is ignored, never a 500
    for bad in ("x%27", "99999999999999999999", "%C2%B2", ""):
        assert client.get(f"{url}?account={bad}").status_code == 200, bad


def test_the_account_filter_lists_every_account_under_the_bound(client, world):
    client.force_login(world.user("exec"))
    page = client.get(reverse("accounts:visit-list")).content.decode()
    assert "accounts are listed" not in page
    select = page.split('name="account"', 1)[1].split("</select>", 1)[0]
    assert select.count("<option") == 1 + len(world.accounts)


# --- sanity limits --------------------------------------------------------------------------


def test_a_note_longer_than_the_limit_is_a_field_error(client, world):
    acme = world.accounts["acme"]
    client.force_login(world.user("kam_a"))
    page = client.get(CREATE).content.decode()
    assert f'maxlength="{VISIT_NOTE_MAX_LENGTH}"' in page  # the browser counts down to it
    response = client.post(CREATE, visit_data(acme, summary="x" * 20_000))
    assert response.status_code == 200
    assert "summary" in response.context["form"].errors
    assert not Visit.objects.exists()
    response = client.post(CREATE, visit_data(acme, summary="x" * VISIT_NOTE_MAX_LENGTH))
    assert response.status_code == 302
    assert len(Visit.objects.get().summary) == VISIT_NOTE_MAX_LENGTH


def test_a_revisit_more_than_two_years_ahead_is_a_field_error(client, world):
    acme = world.accounts["acme"]
    client.force_login(world.user("kam_a"))
    today = timezone.localdate()
    horizon = today + timedelta(days=REVISIT_HORIZON_DAYS)
    assert f'max="{horizon.isoformat()}"' in client.get(CREATE).content.decode()
    for too_far in ("2199-01-01", (horizon + timedelta(days=1)).isoformat()):
        response = client.post(CREATE, visit_data(acme, next_visit_on=too_far))
        assert response.status_code == 200
        assert response.context["form"].errors["next_visit_on"] == [
            "Plan the revisit within two years of the visit."
        ]
    assert not Visit.objects.exists()
    response = client.post(CREATE, visit_data(acme, next_visit_on=horizon.isoformat()))
    assert response.status_code == 302
    assert Visit.objects.get().next_visit_on == horizon


@pytest.mark.parametrize(
    ("north_m", "english", "chinese"),
    [(111, "110 m", "110 米"), (2450, "2.4 km", "2.4 公里"), (18_000, "18 km", "18 公里")],
)
def test_a_check_in_reads_as_a_distance_to_the_account_address(
    client, world, north_m, english, chinese
):
    acme = world.accounts["acme"]
    Account.objects.filter(pk=acme.pk).update(
        address="上海市浦东新区世纪大道 100 号",
        latitude=Decimal("31.230400"),
        longitude=Decimal("121.473700"),
    )
    north = Decimal(str(round(31.2304 + north_m / 111_195, 6)))  # metres per degree
    visit = VisitFactory(
        account=acme, latitude=north, longitude=Decimal("121.473700"), location_accuracy=20
    )
    client.force_login(world.user("kam_a"))
    page = client.get(detail(visit)).content.decode()
    assert "上海市浦东新区世纪大道 100 号" in page
    assert f"{english} from the account's address" in page
    assert str(north) not in page
    User.objects.filter(pk=world.user("kam_a").pk).update(language="zh-hans")
    assert f"距客户地址 {chinese}" in client.get(detail(visit)).content.decode()
