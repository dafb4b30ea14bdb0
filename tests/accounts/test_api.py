"""The REST API for accounts, contacts and visits: scope, writes through the
services, the error shape, idempotent visits, reviews, handovers and query counts."""

import copy
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import AccountTeamRole, ContactLevel, VisitKind
from accounts.models import (
    Account,
    AccountHandover,
    AccountTeamMember,
    Contact,
    Visit,
    VisitComment,
)
from kam.choices import NotificationKind
from kam.models import Notification
from tests.conftest import ROLES, VISIBLE_ACCOUNTS, VISIBLE_CONTACTS, VISIBLE_VISITS
from tests.factories import (
    AccountFactory,
    AccountTeamMemberFactory,
    ContactFactory,
    UserFactory,
    VisitFactory,
)

PROBLEM = "application/problem+json"
VALID_CODE = "91350100M000100Y43"


# --- helpers ----------------------------------------------------------------------------


def _as(api_client, world, role):
    api_client.force_authenticate(world.user(role))
    return api_client


def _url(name, *args):
    return reverse(f"api:{name}", args=args)


def _rows(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _errors(response):
    """The field errors of a 400 in the problem+json shape."""
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == 400
    return body["errors"]


def _counts():
    return (
        Account.objects.count(),
        AccountTeamMember.objects.count(),
        Contact.objects.count(),
        Visit.objects.count(),
        VisitComment.objects.count(),
        AccountHandover.objects.count(),
    )


def _account_payload(world, **overrides):
    return {"name": "Umbrella", **overrides}


def _visit_payload(world, account="acme", **overrides):
    return {
        "account": world.accounts[account].pk,
        "kind": VisitKind.CALL,
        "summary": "Talked through the renewal.",
        **overrides,
    }


# --- scope ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_exactly_its_accounts_contacts_and_visits(api_client, world_records, role):
    client = _as(api_client, world_records, role)
    accounts = {row["name"] for row in _rows(client.get(_url("account-list")))}
    contacts = {row["name"] for row in _rows(client.get(_url("contact-list")))}
    visits = {row["summary"] for row in _rows(client.get(_url("visit-list")))}
    assert accounts == VISIBLE_ACCOUNTS[role]
    assert contacts == VISIBLE_CONTACTS[role]
    assert visits == VISIBLE_VISITS[role]


@pytest.mark.parametrize("role", ROLES)
def test_details_answer_404_out_of_view(api_client, world_records, role):
    client = _as(api_client, world_records, role)
    for name in ("acme", "globex", "initech"):
        expected = 200 if name in VISIBLE_ACCOUNTS[role] else 404
        urls = [
            _url("account-detail", world_records.accounts[name].pk),
            _url("contact-detail", world_records.contacts[f"contact-{name}"].pk),
            _url("visit-detail", world_records.visits[f"visit-{name}"].pk),
        ]
        for url in urls:
            response = client.get(url)
            assert response.status_code == expected, url
            if expected == 404:
                assert response["Content-Type"].startswith(PROBLEM)


@pytest.mark.parametrize("name", ["account-list", "contact-list", "visit-list"])
def test_anonymous_is_refused(api_client, world, name):
    assert api_client.get(_url(name)).status_code in (401, 403)


def test_filter_choices_are_scoped(api_client, world_records):
    client = _as(api_client, world_records, "kam_c")
    response = client.get(_url("visit-list"), {"account": world_records.accounts["acme"].pk})
    assert "account" in _errors(response)
    response = client.get(_url("contact-list"), {"account": world_records.accounts["acme"].pk})
    assert "account" in _errors(response)


def test_lists_filter_and_sort_through_the_shared_filtersets(api_client, world_records):
    client = _as(api_client, world_records, "ops")
    names = [row["name"] for row in _rows(client.get(_url("account-list"), {"ordering": "-name"}))]
    assert names == ["initech", "globex", "acme"]
    rows = _rows(client.get(_url("visit-list"), {"account": world_records.accounts["globex"].pk}))
    assert [row["summary"] for row in rows] == ["visit-globex"]
    rows = _rows(client.get(_url("contact-list"), {"q": "initech"}))
    assert [row["name"] for row in rows] == ["contact-initech"]


# --- accounts ---------------------------------------------------------------------------


def test_kam_creates_an_account_with_a_team(api_client, world):
    client = _as(api_client, world, "kam_a")
    payload = _account_payload(
        world,
        credit_code=VALID_CODE.lower(),
        parent=world.accounts["acme"].pk,
        team=[{"user": world.user("kam_b").pk, "role": AccountTeamRole.SUPPORT}],
        tags=["steel", "export"],
        credit_limit="1000000.50",
    )
    response = client.post(_url("account-list"), payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    account = Account.objects.get(pk=body["id"])
    assert account.owner == world.user("kam_a")  # the creator by default
    assert account.created_by == world.user("kam_a")
    assert account.credit_code == VALID_CODE
    assert account.parent == world.accounts["acme"]
    assert account.credit_limit == Decimal("1000000.50")
    assert body["credit_limit"] == "1000000.50"
    assert body["currency"] == "CNY"
    assert body["owner"] == world.user("kam_a").pk
    assert body["team"] == [{"user": world.user("kam_b").pk, "role": "support"}]
    assert body["last_visit_at"] is None
    assert list(account.team_members.values_list("user__username", "role")) == [
        ("kam_b", "support")
    ]


def test_currency_follows_the_setting(api_client, world, settings):
    settings.DEFAULT_CURRENCY = "EUR"
    client = _as(api_client, world, "kam_a")
    body = client.get(_url("account-detail", world.accounts["acme"].pk)).json()
    assert body["currency"] == "EUR"


def test_update_by_patch_and_put(api_client, world):
    acme = world.accounts["acme"]
    visit = VisitFactory(account=acme, occurred_at=timezone.now() - timedelta(days=3))
    client = _as(api_client, world, "kam_a")
    response = client.patch(
        _url("account-detail", acme.pk),
        {"status": "at_risk", "team": [{"user": world.user("kam_b").pk, "role": "technical"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "at_risk"
    assert body["team"] == [{"user": world.user("kam_b").pk, "role": "technical"}]
    assert body["last_visit_at"] is not None
    assert body["last_visit_at"][:19] == timezone.localtime(visit.occurred_at).isoformat()[:19]

    # PATCH without `team` leaves the team alone.
    client.patch(_url("account-detail", acme.pk), {"region": "east"}, format="json")
    assert acme.team_members.count() == 1

    response = client.put(
        _url("account-detail", acme.pk),
        {"name": "Acme Group", "owner": world.user("kam_a").pk, "team": []},
        format="json",
    )
    assert response.status_code == 200, response.json()
    acme.refresh_from_db()
    assert acme.name == "Acme Group"
    assert acme.region == "east"
    assert acme.team_members.count() == 0


def test_account_team_member_can_edit(api_client, world):
    """kam_a is on globex's team: they may change it (but not archive it)."""
    client = _as(api_client, world, "kam_a")
    globex = world.accounts["globex"]
    response = client.patch(_url("account-detail", globex.pk), {"legal_name": "Globex Ltd"})
    assert response.status_code == 200
    globex.refresh_from_db()
    assert globex.legal_name == "Globex Ltd"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"credit_code": "91350100M000100Y44"}, "credit_code"),  # check digit
        ({"credit_code": "123"}, "credit_code"),
        ({"credit_limit": "lots"}, "credit_limit"),
        ({"credit_limit": "-5"}, "credit_limit"),
        ({"status": "thriving"}, "status"),
        ({"name": ""}, "name"),
        ({"parent": 999999}, "parent"),
        ({"owner": 999999}, "owner"),
        ({"team": [{"user": 999999, "role": "support"}]}, "team"),
        ({"team": [{"user": "kam_b", "role": "mascot"}]}, "team"),
        ({"team": [{"role": "support"}]}, "team"),
        ({"tags": ["x" * 41]}, "tags"),
    ],
)
def test_bad_account_input_is_a_field_error(api_client, world, payload, field):
    payload = copy.deepcopy(payload)
    for member in payload.get("team", []):
        if isinstance(member.get("user"), str):
            member["user"] = world.user(member["user"]).pk
    client = _as(api_client, world, "kam_a")
    before = _counts()
    response = client.post(_url("account-list"), _account_payload(world, **payload), format="json")
    assert field in _errors(response)
    assert _counts() == before


def test_out_of_view_relations_are_refused_like_missing_ones(api_client, world):
    client = _as(api_client, world, "kam_a")
    before = _counts()
    outsider_payloads = {
        "parent": {"parent": world.accounts["initech"].pk},
        "owner": {"owner": world.user("kam_c").pk},
        "team": {"team": [{"user": world.user("kam_c").pk, "role": "support"}]},
    }
    for field, payload in outsider_payloads.items():
        response = client.post(_url("account-list"), _account_payload(world, **payload))
        assert field in _errors(response), field
    assert _counts() == before


def test_duplicate_team_members_are_refused(api_client, world):
    client = _as(api_client, world, "kam_a")
    member = {"user": world.user("kam_b").pk, "role": "support"}
    response = client.post(_url("account-list"), _account_payload(world, team=[member, member]))
    assert "team" in _errors(response)
    assert not Account.objects.filter(name="Umbrella").exists()


def test_duplicate_credit_code_is_a_field_error(api_client, world):
    Account.objects.filter(pk=world.accounts["initech"].pk).update(credit_code=VALID_CODE)
    client = _as(api_client, world, "kam_a")
    response = client.post(_url("account-list"), _account_payload(world, credit_code=VALID_CODE))
    assert "credit_code" in _errors(response)
    # Lower case is normalised by the service, and still caught.
    response = client.post(
        _url("account-list"), _account_payload(world, credit_code=VALID_CODE.lower())
    )
    assert "credit_code" in _errors(response)
    assert not Account.objects.filter(name="Umbrella").exists()


def test_parent_cycles_are_refused(api_client, world):
    acme = world.accounts["acme"]
    child = AccountFactory(name="acme east", owner=world.user("kam_a"), parent=acme)
    grandchild = AccountFactory(name="acme east 2", owner=world.user("kam_a"), parent=child)
    client = _as(api_client, world, "kam_a")
    for parent in (acme, grandchild):
        response = client.patch(_url("account-detail", acme.pk), {"parent": parent.pk})
        assert "parent" in _errors(response)
    acme.refresh_from_db()
    assert acme.parent_id is None


def test_kam_cannot_give_an_account_away(api_client, world):
    client = _as(api_client, world, "kam_a")
    acme = world.accounts["acme"]
    response = client.patch(_url("account-detail", acme.pk), {"owner": world.user("kam_b").pk})
    assert "owner" in _errors(response)
    acme.refresh_from_db()
    assert acme.owner == world.user("kam_a")
    assert not AccountHandover.objects.exists()


def test_archive_and_restore(api_client, world):
    acme = world.accounts["acme"]
    client = _as(api_client, world, "kam_a")
    response = client.post(_url("account-archive", acme.pk))
    assert response.status_code == 200, response.json()
    assert response.json()["archived_at"] is not None
    names = {row["name"] for row in _rows(client.get(_url("account-list")))}
    assert names == {"globex"}
    archived = _rows(client.get(_url("account-list"), {"archived": "true"}))
    assert [row["name"] for row in archived] == ["acme"]
    assert client.get(_url("account-detail", acme.pk)).status_code == 200  # the URL stays

    response = client.post(_url("account-restore", acme.pk))
    assert response.status_code == 200
    assert response.json()["archived_at"] is None
    acme.refresh_from_db()
    assert acme.archived_at is None


def test_archive_is_for_owner_supervisor_and_admin(api_client, world):
    globex = world.accounts["globex"]
    # kam_a is on globex's team: may change it, may not archive it.
    response = _as(api_client, world, "kam_a").post(_url("account-archive", globex.pk))
    assert response.status_code == 403
    assert response["Content-Type"].startswith(PROBLEM)
    globex.refresh_from_db()
    assert globex.archived_at is None
    # Out of view: missing.
    response = _as(api_client, world, "kam_c").post(_url("account-archive", globex.pk))
    assert response.status_code == 404
    response = _as(api_client, world, "sup_east").post(_url("account-archive", globex.pk))
    assert response.status_code == 200


def test_delete_is_not_offered(api_client, world):
    client = _as(api_client, world, "ops")
    assert client.delete(_url("account-detail", world.accounts["acme"].pk)).status_code == 405
    assert Account.objects.filter(pk=world.accounts["acme"].pk).exists()


# --- executives read, never write -------------------------------------------------------


def _executive_writes(world):
    acme = world.accounts["acme"]
    contact = world.contacts["contact-acme"]
    visit = world.visits["visit-acme"]
    return [
        ("post", _url("account-list"), _account_payload(world)),
        ("patch", _url("account-detail", acme.pk), {"name": "X"}),
        ("put", _url("account-detail", acme.pk), {"name": "X", "owner": acme.owner_id}),
        ("post", _url("account-archive", acme.pk), {}),
        ("post", _url("account-restore", acme.pk), {}),
        (
            "post",
            _url("account-handover"),
            {
                "from_user": acme.owner_id,
                "assignments": [{"account": acme.pk, "to_user": world.user("kam_b").pk}],
            },
        ),
        ("post", _url("contact-list"), {"account": acme.pk, "name": "Z"}),
        ("patch", _url("contact-detail", contact.pk), {"name": "Z"}),
        ("post", _url("visit-list"), _visit_payload(world)),
        ("post", _url("visit-comments", visit.pk), {"body": "Good."}),
    ]


def test_executives_cannot_write(api_client, world_records):
    client = _as(api_client, world_records, "exec")
    before = _counts()
    for method, url, payload in _executive_writes(world_records):
        response = getattr(client, method)(url, payload, format="json")
        assert response.status_code == 404, (method, url)
        assert response["Content-Type"].startswith(PROBLEM)
    assert _counts() == before
    world_records.accounts["acme"].refresh_from_db()
    assert world_records.accounts["acme"].name == "acme"
    assert world_records.accounts["acme"].archived_at is None


# --- contacts ---------------------------------------------------------------------------


def test_contact_create_and_update(api_client, world_records):
    acme = world_records.accounts["acme"]
    boss = world_records.contacts["contact-acme"]
    client = _as(api_client, world_records, "kam_a")
    response = client.post(
        _url("contact-list"),
        {
            "account": acme.pk,
            "name": "Li Wei",
            "title": "CFO",
            "level": ContactLevel.EXECUTIVE,
            "reports_to": boss.pk,
            "external_id": "",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    contact = Contact.objects.get(pk=body["id"])
    assert contact.account == acme
    assert contact.reports_to == boss
    assert contact.external_id is None  # a blank id is stored as NULL
    assert body["account_name"] == "acme"
    assert body["last_contacted_at"] is None

    response = client.patch(_url("contact-detail", contact.pk), {"strength": 5})
    assert response.status_code == 200
    assert response.json()["strength"] == 5

    # last_contacted_at comes from the visits the contact was in.
    body = client.get(_url("contact-detail", boss.pk)).json()
    assert body["last_contacted_at"] is not None


def test_a_key_contact_leaving_tells_the_owner(api_client, world_records):
    contact = world_records.contacts["contact-initech"]  # decision level: a key contact
    client = _as(api_client, world_records, "kam_c")
    response = client.patch(_url("contact-detail", contact.pk), {"has_left": True})
    assert response.status_code == 200
    assert response.json()["left_on"] is not None
    assert Notification.objects.filter(
        recipient=world_records.user("kam_c"), kind=NotificationKind.KEY_CONTACT_LEFT
    ).exists()


def test_contact_on_an_account_out_of_view_is_a_field_error(api_client, world):
    client = _as(api_client, world, "kam_a")
    before = _counts()
    response = client.post(
        _url("contact-list"), {"account": world.accounts["initech"].pk, "name": "Spy"}
    )
    assert "account" in _errors(response)
    assert _counts() == before


def test_contact_cannot_move_to_another_account(api_client, world_records):
    contact = world_records.contacts["contact-acme"]
    client = _as(api_client, world_records, "kam_a")
    response = client.patch(
        _url("contact-detail", contact.pk), {"account": world_records.accounts["globex"].pk}
    )
    assert "account" in _errors(response)
    contact.refresh_from_db()
    assert contact.account == world_records.accounts["acme"]


def test_reports_to_must_be_at_the_same_account_and_not_loop(api_client, world_records):
    acme = world_records.accounts["acme"]
    boss = world_records.contacts["contact-acme"]
    report = ContactFactory(account=acme, name="report", reports_to=boss)
    client = _as(api_client, world_records, "kam_a")
    # A loop: the boss cannot report to their own report, nor to themselves.
    for target in (report, boss):
        response = client.patch(_url("contact-detail", boss.pk), {"reports_to": target.pk})
        assert "reports_to" in _errors(response)
    # Another account (visible to kam_a, still wrong), and one out of view.
    for other in ("contact-globex", "contact-initech"):
        response = client.patch(
            _url("contact-detail", report.pk),
            {"reports_to": world_records.contacts[other].pk},
        )
        assert "reports_to" in _errors(response)
    boss.refresh_from_db()
    report.refresh_from_db()
    assert boss.reports_to is None
    assert report.reports_to == boss


def test_duplicate_contact_external_id_is_a_field_error(api_client, world_records):
    acme = world_records.accounts["acme"]
    ContactFactory(account=acme, external_id="ERP-1")
    client = _as(api_client, world_records, "kam_a")
    response = client.post(
        _url("contact-list"), {"account": acme.pk, "name": "Twin", "external_id": "ERP-1"}
    )
    assert "external_id" in _errors(response)
    # The same id at another account is fine.
    response = client.post(
        _url("contact-list"),
        {"account": world_records.accounts["globex"].pk, "name": "Twin", "external_id": "ERP-1"},
    )
    assert response.status_code == 201


# --- visits -----------------------------------------------------------------------------


def test_kam_logs_a_visit(api_client, world_records):
    contact = world_records.contacts["contact-acme"]
    revisit = timezone.localdate() + timedelta(days=14)
    client = _as(api_client, world_records, "kam_a")
    payload = _visit_payload(
        world_records,
        contacts=[contact.pk],
        colleagues=[world_records.user("kam_b").pk],
        next_visit_on=revisit.isoformat(),
        latitude="31.2304161234",  # a phone's precision is rounded, not refused
        longitude=121.4737,
    )
    response = client.post(_url("visit-list"), payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    visit = Visit.objects.get(pk=body["id"])
    assert visit.logged_by == world_records.user("kam_a")
    assert visit.next_visit_owner == world_records.user("kam_a")
    assert list(visit.contacts.all()) == [contact]
    assert list(visit.colleagues.all()) == [world_records.user("kam_b")]
    assert visit.latitude == Decimal("31.230416")
    assert body["logged_by"] == world_records.user("kam_a").pk
    assert body["next_visit_owner"] == world_records.user("kam_a").pk
    assert body["contacts"] == [contact.pk]
    assert body["comments"] == []
    assert body["occurred_at"]  # defaults to now


def test_a_visit_past_the_limits_is_a_400_on_its_fields(api_client, world):
    client = _as(api_client, world, "kam_a")
    for field, value in (("summary", "x" * 20_000), ("next_visit_on", "2199-01-01")):
        payload = _visit_payload(world, **{field: value})
        response = client.post(_url("visit-list"), payload, format="json")
        assert response.status_code == 400, response.content
        assert list(response.json()["errors"]) == [field]
    assert not Visit.objects.exists()


def test_a_visit_closes_earlier_planned_revisits(api_client, world):
    acme = world.accounts["acme"]
    planned = VisitFactory(
        account=acme,
        occurred_at=timezone.now() - timedelta(days=10),
        next_visit_on=timezone.localdate(),
        next_visit_owner=world.user("kam_a"),
    )
    client = _as(api_client, world, "kam_a")
    assert client.post(_url("visit-list"), _visit_payload(world)).status_code == 201
    body = client.get(_url("visit-detail", planned.pk)).json()
    assert body["follow_up_closed_at"] is not None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contacts": "contact-globex"}, "contacts"),  # another account's contact
        ({"contacts": "contact-initech"}, "contacts"),  # out of view
        ({"colleagues": "kam_c"}, "colleagues"),  # out of view
        ({"account": "initech"}, "account"),  # out of view
        ({"summary": ""}, "summary"),
        ({"kind": "telepathy"}, "kind"),
        ({"client_key": "not-a-uuid"}, "client_key"),
        ({"next_visit_on": "2000-01-01"}, "next_visit_on"),  # before the visit
    ],
)
def test_bad_visit_input_is_a_field_error(api_client, world_records, overrides, field):
    payload = _visit_payload(world_records)
    for key, value in overrides.items():
        if key == "contacts":
            value = [world_records.contacts[value].pk]
        elif key == "colleagues":
            value = [world_records.user(value).pk]
        elif key == "account":
            value = world_records.accounts[value].pk
        payload[key] = value
    client = _as(api_client, world_records, "kam_a")
    before = _counts()
    response = client.post(_url("visit-list"), payload, format="json")
    assert field in _errors(response)
    assert _counts() == before


def test_a_visit_is_a_record(api_client, world_records):
    visit = world_records.visits["visit-acme"]
    client = _as(api_client, world_records, "kam_a")
    url = _url("visit-detail", visit.pk)
    assert client.patch(url, {"summary": "rewritten"}).status_code == 405
    assert client.put(url, _visit_payload(world_records)).status_code == 405
    assert client.delete(url).status_code == 405
    visit.refresh_from_db()
    assert visit.summary == "visit-acme"


def test_client_key_makes_logging_idempotent(api_client, world):
    key = str(uuid.uuid4())
    client = _as(api_client, world, "kam_a")
    first = client.post(_url("visit-list"), _visit_payload(world, client_key=key))
    assert first.status_code == 201, first.json()
    again = client.post(_url("visit-list"), _visit_payload(world, client_key=key))
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["client_key"] == key
    assert Visit.objects.filter(client_key=key).count() == 1

    # Somebody else's key is not theirs to replay.
    other = _as(api_client, world, "kam_b")
    response = other.post(_url("visit-list"), _visit_payload(world, "globex", client_key=key))
    assert "client_key" in _errors(response)
    assert Visit.objects.count() == 1


def test_supervisor_comment_notifies_the_kam(api_client, world_records):
    visit = world_records.visits["visit-acme"]  # logged by kam_a
    client = _as(api_client, world_records, "sup_east")
    response = client.post(_url("visit-comments", visit.pk), {"body": "  Well done.  "})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["body"] == "Well done."
    assert body["author"] == world_records.user("sup_east").pk
    assert body["author_name"] == world_records.user("sup_east").display_name
    notification = Notification.objects.get(
        recipient=world_records.user("kam_a"), kind=NotificationKind.VISIT_COMMENTED
    )
    assert notification.params["excerpt"] == "Well done."
    comments = client.get(_url("visit-detail", visit.pk)).json()["comments"]
    assert [comment["body"] for comment in comments] == ["Well done."]


def test_comments_are_for_reviewers(api_client, world_records):
    visit = world_records.visits["visit-acme"]
    response = _as(api_client, world_records, "kam_a").post(
        _url("visit-comments", visit.pk), {"body": "Self-praise."}
    )
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    # Out of view: the visit is missing.
    response = _as(api_client, world_records, "sup_south").post(
        _url("visit-comments", visit.pk), {"body": "Hm."}
    )
    assert response.status_code == 404
    response = _as(api_client, world_records, "ops").post(
        _url("visit-comments", visit.pk), {"body": "   "}
    )
    assert "body" in _errors(response)
    assert not VisitComment.objects.exists()
    assert not Notification.objects.filter(kind=NotificationKind.VISIT_COMMENTED).exists()


# --- handover ---------------------------------------------------------------------------


def _handover(world, account="acme", to_user="kam_b", from_user="kam_a"):
    return {
        "from_user": world.user(from_user).pk,
        "assignments": [{"account": world.accounts[account].pk, "to_user": world.user(to_user).pk}],
        "note": "kam_a moves to the north.",
    }


def test_supervisor_hands_an_account_over(api_client, world):
    acme = world.accounts["acme"]
    revisit = VisitFactory(
        account=acme, next_visit_on=timezone.localdate(), next_visit_owner=world.user("kam_a")
    )
    client = _as(api_client, world, "sup_east")
    response = client.post(_url("account-handover"), _handover(world), format="json")
    assert response.status_code == 201, response.json()
    [record] = response.json()
    assert record["account"] == acme.pk
    assert record["from_user"] == world.user("kam_a").pk
    assert record["to_user"] == world.user("kam_b").pk
    assert record["performed_by"] == world.user("sup_east").pk
    assert record["follow_ups_moved"] == 1
    acme.refresh_from_db()
    revisit.refresh_from_db()
    assert acme.owner == world.user("kam_b")
    assert revisit.next_visit_owner == world.user("kam_b")
    assert Notification.objects.filter(
        recipient=world.user("kam_b"), kind=NotificationKind.ACCOUNT_RECEIVED, account=acme
    ).exists()


def test_handover_is_refused_for_a_kam(api_client, world):
    client = _as(api_client, world, "kam_a")
    response = client.post(_url("account-handover"), _handover(world), format="json")
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    world.accounts["acme"].refresh_from_db()
    assert world.accounts["acme"].owner == world.user("kam_a")
    assert not AccountHandover.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"account": "globex"}, "assignments"),  # not kam_a's account
        ({"to_user": "kam_a"}, "assignments"),  # to themselves
        ({"to_user": "sup_south"}, "assignments"),  # out of the supervisor's view
        ({"from_user": "kam_c"}, "from_user"),  # out of view
    ],
)
def test_bad_handover_is_a_field_error(api_client, world, payload, field):
    client = _as(api_client, world, "sup_east")
    response = client.post(_url("account-handover"), _handover(world, **payload), format="json")
    assert field in _errors(response)
    assert not AccountHandover.objects.exists()
    world.accounts["acme"].refresh_from_db()
    assert world.accounts["acme"].owner == world.user("kam_a")


def test_handover_needs_assignments(api_client, world):
    client = _as(api_client, world, "sup_east")
    payload = {"from_user": world.user("kam_a").pk, "assignments": []}
    assert "assignments" in _errors(client.post(_url("account-handover"), payload, format="json"))


def test_handover_to_a_non_kam_is_refused(api_client, world):
    client = _as(api_client, world, "ops")
    response = client.post(_url("account-handover"), _handover(world, to_user="exec"))
    assert "assignments" in _errors(response)
    assert not AccountHandover.objects.exists()


# --- query counts -----------------------------------------------------------------------


def _bulk(world, rows):
    """``rows`` accounts of kam_a, each with a team member, contacts, visits and a comment."""
    kam_a, kam_b, sup = world.user("kam_a"), world.user("kam_b"), world.user("sup_east")
    for index in range(rows):
        account = AccountFactory(name=f"bulk {index:03}", owner=kam_a)
        AccountTeamMemberFactory(account=account, user=kam_b)
        contact = ContactFactory(account=account, name=f"bulk contact {index:03}")
        ContactFactory(account=account, name=f"bulk boss {index:03}")
        visit = VisitFactory(account=account, summary=f"bulk visit {index:03}")
        visit.contacts.set([contact])
        visit.colleagues.set([kam_b])
        VisitComment.objects.create(visit=visit, author=sup, body="Noted.")
        UserFactory(username=f"bulk{index:03}")


@pytest.mark.parametrize("role", ["ops", "kam_a"])
@pytest.mark.parametrize("rows", [5, 50])
def test_lists_run_a_fixed_number_of_queries(
    api_client, world, rows, role, django_assert_num_queries
):
    _bulk(world, rows)
    client = _as(api_client, world, role)
    page = {"page_size": 100}
    # count + page (last visit annotated) + team members
    with django_assert_num_queries(3):
        assert len(_rows(client.get(_url("account-list"), page))) >= rows
    # count + page (account joined, last contact annotated)
    with django_assert_num_queries(2):
        assert len(_rows(client.get(_url("contact-list"), page))) >= 2 * rows
    # one statement: the page (a cursor: no count) with its contacts, colleagues and
    # comments (with authors) as arrays of each row
    with django_assert_num_queries(1):
        assert len(_rows(client.get(_url("visit-list"), page))) >= rows
