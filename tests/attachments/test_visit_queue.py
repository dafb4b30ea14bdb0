"""What the phone's queue of visits saved offline posts to: the visit form's own URL,
with the visit's one-time key and its photos, answered in JSON. A repeated key is the
visit already logged, photos and all; an archived account is a 400 with the reason."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Visit
from attachments.models import Attachment
from tests.attachments.test_attachments import PDF, jpeg_with_gps, upload
from tests.factories import AccountFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("accounts:visit-create")
JSON = {"HTTP_ACCEPT": "application/json"}


def queued(account, key, *photos, **fields):
    return {
        "account": account.pk,
        "kind": "onsite",
        "occurred_at": "2026-03-02T09:41:07",
        "summary": "Whiteboard photographed.",
        "client_key": str(key),
        "photos": list(photos),
        **fields,
    }


def test_a_resent_visit_is_logged_once_with_its_photos(client, member):
    account = AccountFactory(owner=member)
    contact = ContactFactory(account=account)
    client.force_login(member)
    key = uuid.uuid4()
    for _attempt in range(2):
        photos = [upload("a.jpg", jpeg_with_gps()), upload("b.jpg", jpeg_with_gps((80, 60)))]
        data = queued(account, key, *photos, contacts=[contact.pk], latitude="31.2304")
        response = client.post(URL, data, **JSON, HTTP_X_KAM_USER=str(member.pk))
        assert response.status_code in (200, 201)
        assert response.json()["id"] == Visit.objects.get().pk
    assert [response.status_code, response.json()["created"]] == [200, False]
    visit = Visit.objects.get()
    # the time of the visit as saved on the phone, not of the upload
    assert timezone.localtime(visit.occurred_at).strftime("%Y-%m-%d %H:%M:%S") == (
        "2026-03-02 09:41:07"
    )
    assert list(visit.contacts.all()) == [contact]
    assert Attachment.objects.filter(visit=visit, is_image=True).count() == 2
    assert Attachment.objects.count() == 2


def test_photos_on_the_form_online(client, member):
    account = AccountFactory(owner=member)
    client.force_login(member)
    response = client.post(URL, queued(account, uuid.uuid4(), upload("a.jpg", jpeg_with_gps())))
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert Attachment.objects.get().visit == visit


def test_a_refused_photo_logs_nothing(client, member):
    account = AccountFactory(owner=member)
    client.force_login(member)
    response = client.post(URL, queued(account, uuid.uuid4(), upload("x.jpg", PDF)), **JSON)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["photos"]
    assert not Visit.objects.exists()
    assert not Attachment.objects.exists()


def test_an_archived_account_comes_back_with_the_reason(client, member):
    account = AccountFactory(owner=member, archived_at=timezone.now())
    client.force_login(member)
    response = client.post(URL, queued(account, uuid.uuid4()), **JSON)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"]["account"] == [
        "This account is archived or no longer in your care: choose another account."
    ]
    assert not Visit.objects.exists()


def test_a_visit_saved_by_another_user_is_not_sent_as_this_one(client, member):
    account = AccountFactory(owner=member)
    client.force_login(member)
    response = client.post(
        URL, queued(account, uuid.uuid4()), **JSON, HTTP_X_KAM_USER=str(member.pk + 1000)
    )
    assert response.status_code == 403
    assert not Visit.objects.exists()


def test_signed_out_the_queue_gets_the_sign_in_redirect(client, member):
    account = AccountFactory(owner=member)
    response = client.post(URL, queued(account, uuid.uuid4()), **JSON)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_offline_choices_follow_the_visibility_rule(client, member, django_assert_num_queries):
    mine = AccountFactory(owner=member, name="Mine")
    here = ContactFactory(account=mine, name="Here", title="Buyer")
    ContactFactory(account=mine, name="Gone", has_left=True)
    AccountFactory(owner=member, name="Archived", archived_at=timezone.now())
    other = AccountFactory(owner=UserFactory(), name="Other")
    ContactFactory(account=other, name="Theirs")
    client.force_login(member)
    url = reverse("accounts:visit-offline-choices")
    client.get(url)  # the session and the user, once
    with django_assert_num_queries(4):  # session, user, the accounts, their contacts
        response = client.get(url)
    assert response.json() == {
        "user": member.pk,
        "accounts": [
            {
                "id": mine.pk,
                "name": "Mine",
                "contacts": [{"id": here.pk, "name": "Here", "title": "Buyer"}],
            }
        ],
    }
    assert response["Cache-Control"] == "private, no-store"
    # the same queries for more accounts and contacts
    for index in range(3):
        ContactFactory(account=AccountFactory(owner=member, name=f"More {index}"))
    with django_assert_num_queries(4):
        assert len(client.get(url).json()["accounts"]) == 4


def test_photos_are_taken_in_chinese_too(client, member):
    """A file's type is the same whatever the language the request is in."""
    account = AccountFactory(owner=member)
    client.force_login(member)
    photo = upload("a.jpg", jpeg_with_gps())
    response = client.post(
        URL, queued(account, uuid.uuid4(), photo), **JSON, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 201
    assert Attachment.objects.get().is_image
