"""The API contract: ETag / If-Match, the browser's edit conflict, tokens (read-only,
revocation, last use), Idempotency-Key, throttling and cursor pagination."""

import re
import time

import jsonschema
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Account
from integrations import services
from integrations.models import ApiToken
from tests.accounts.test_account_views import _edit_data
from tests.factories import VisitFactory


def _token_client(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client


def _detail(account):
    return reverse("api:account-detail", args=[account.pk])


# --- no lost updates ----------------------------------------------------------------------


def test_get_returns_an_etag_and_a_stale_if_match_answers_412(api_client, world):
    acme = world.accounts["acme"]
    api_client.force_authenticate(world.user("kam_a"))
    first = api_client.get(_detail(acme))
    etag = first["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', etag)
    assert api_client.get(_detail(acme))["ETag"] == etag  # stable while nothing changes

    # someone else changes the account: the version read before is stale
    account_services.account_update(actor=world.user("sup_east"), account=acme, name="Acme 2")
    stale = api_client.patch(_detail(acme), {"name": "Mine"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale["Content-Type"].startswith("application/problem+json")
    assert stale.json()["status"] == 412
    acme.refresh_from_db()
    assert acme.name == "Acme 2"

    fresh = api_client.get(_detail(acme))["ETag"]
    assert fresh != etag
    ok = api_client.patch(_detail(acme), {"name": "Mine"}, HTTP_IF_MATCH=fresh)
    assert ok.status_code == 200
    assert ok["ETag"] not in (fresh, etag)
    assert ok["ETag"] == api_client.get(_detail(acme))["ETag"]
    assert (
        api_client.put(_detail(acme), {"name": "Mine again"}, HTTP_IF_MATCH=fresh).status_code
        == 412
    )
    acme.refresh_from_db()
    assert acme.name == "Mine"


def test_the_browser_form_shows_both_versions_instead_of_overwriting(client, world):
    acme = world.accounts["acme"]
    client.force_login(world.user("kam_a"))
    page = client.get(reverse("accounts:edit", args=[acme.pk])).content.decode()
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    account_services.account_update(actor=world.user("sup_east"), account=acme, name="By sup")
    response = client.post(
        reverse("accounts:edit", args=[acme.pk]),
        _edit_data(acme, name="By kam", version=version),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="edit-conflict"' in html
    row = re.search(r'data-conflict-field="name">(.*?)</tr>', html, re.S).group(1)
    assert '<td class="theirs">By sup</td>' in row
    assert '<td class="yours">By kam</td>' in row
    acme.refresh_from_db()
    assert acme.name == "By sup"
    # the page now carries the saved version: saving again keeps this user's version
    version = re.search(r'name="version" value="([^"]+)"', html).group(1)
    again = client.post(
        reverse("accounts:edit", args=[acme.pk]),
        _edit_data(acme, name="By kam", version=version),
    )
    assert again.status_code == 302
    acme.refresh_from_db()
    assert acme.name == "By kam"


# --- tokens -------------------------------------------------------------------------------


def test_a_token_is_stored_hashed_shown_once_and_records_its_last_use(api_client, world):
    kam = world.user("kam_a")
    meta, key = services.token_create(actor=kam, name="ERP")
    assert key not in str(ApiToken.objects.filter(pk=meta.pk).values().get())
    assert meta.last_used_at is None
    response = _token_client(api_client, key).get(reverse("api:account-list"))
    assert response.status_code == 200
    assert {row["name"] for row in response.json()["results"]} == {"acme", "globex"}
    meta.refresh_from_db()
    assert meta.last_used_at is not None


def test_a_token_authenticates_in_one_statement_and_writes_its_last_use_once_a_minute(
    api_client, world, django_assert_num_queries
):
    """The token, its user and its metadata in one read; the last use written only when
    the one on record is more than a minute old. Knox's own check also read every other
    token of the user on each request."""
    kam = world.user("kam_a")
    for number in range(3):
        services.token_create(actor=kam, name=f"other {number}")
    meta, key = services.token_create(actor=kam, name="ERP", read_only=True)
    url = reverse("api:account-list") + "?page_size=1"
    signed_in = APIClient()
    signed_in.force_authenticate(kam)
    with CaptureQueriesContext(connection) as page:
        assert signed_in.get(url).status_code == 200
    client = _token_client(api_client, key)
    statements = []
    for _ in range(2):
        # the token read, the stale last use written, then the page's own statements
        with django_assert_num_queries(2 + len(page)) as captured:
            response = client.get(url)
        assert response.status_code == 200
        statements.append([query["sql"] for query in captured.captured_queries])
        with django_assert_num_queries(1 + len(page)):  # used a moment ago: no write
            assert client.get(url).status_code == 200
        meta.refresh_from_db()
        assert meta.last_used_at is not None
        ApiToken.objects.filter(pk=meta.pk).update(
            last_used_at=timezone.now() - services.LAST_USE_PRECISION
        )
    assert statements[0][1].startswith("UPDATE")
    assert "last_used_at" in statements[0][1]
    assert client.post(reverse("api:account-list"), {"name": "Refused"}).status_code == 403


def test_an_expired_or_malformed_token_is_refused_with_401(api_client, world):
    kam = world.user("kam_a")
    meta, key = services.token_create(actor=kam, name="ERP")
    url = reverse("api:account-list")
    assert _token_client(api_client, key).get(url).status_code == 200
    wrong = key[:-1] + ("0" if key[-1] != "0" else "1")
    for bad in (wrong, "not-hex-at-all", key[:8], "\xe9\xe9"):  # the last: not UTF-8 bytes
        refused = _token_client(api_client, bad).get(url)
        assert refused.status_code == 401, bad
        assert refused["Content-Type"].startswith("application/problem+json")
    AuthToken.objects.filter(digest=meta.digest).update(
        expiry=timezone.now() - timezone.timedelta(seconds=1)
    )
    assert _token_client(api_client, key).get(url).status_code == 401
    assert not AuthToken.objects.filter(digest=meta.digest).exists()  # expired: deleted


def test_a_read_only_token_reads_and_is_refused_every_write(api_client, world):
    kam = world.user("kam_a")
    _meta, key = services.token_create(actor=kam, name="BI", read_only=True)
    client = _token_client(api_client, key)
    acme = world.accounts["acme"]
    assert client.get(_detail(acme)).status_code == 200
    refused = client.patch(_detail(acme), {"name": "x"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "This API token is read-only."
    assert client.post(reverse("api:account-list"), {"name": "New"}).status_code == 403
    assert (
        client.post(reverse("api:account-bulk"), {"rows": [{"external_id": "x"}]}).status_code
        == 403
    )
    acme.refresh_from_db()
    assert acme.name == "acme"


def test_a_revoked_token_no_longer_authenticates(api_client, world):
    kam = world.user("kam_a")
    meta, key = services.token_create(actor=kam, name="ERP")
    client = _token_client(api_client, key)
    assert client.get(reverse("api:account-list")).status_code == 200
    services.token_revoke(actor=kam, token=meta)
    response = client.get(reverse("api:account-list"))
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    meta.refresh_from_db()
    assert meta.revoked_at is not None
    assert not meta.is_active


def test_only_admins_create_service_users_whose_tokens_act_with_their_role(api_client, world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.service_user_create(actor=world.user("kam_a"), username="erp", role="admin")
    ops = world.user("ops")
    service = services.service_user_create(
        actor=ops, username="erp-bot", role="executive", description="ERP"
    )
    assert not service.user.has_usable_password()
    _meta, key = services.token_create(actor=ops, user=service.user, name="ERP")
    client = _token_client(api_client, key)
    names = {row["name"] for row in client.get(reverse("api:account-list")).json()["results"]}
    assert names == {"acme", "globex", "initech"}  # an executive reads everything
    assert client.patch(_detail(world.accounts["acme"]), {"name": "x"}).status_code == 404


# --- safe retries ---------------------------------------------------------------------------


def test_the_same_idempotency_key_and_body_returns_the_first_response(api_client, world):
    api_client.force_authenticate(world.user("kam_a"))
    body = {"name": "Retry Ltd", "external_id": "RETRY-1"}
    first = api_client.post(reverse("api:account-list"), body, HTTP_IDEMPOTENCY_KEY="k-1")
    second = api_client.post(reverse("api:account-list"), body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Account.objects.filter(name="Retry Ltd").count() == 1
    other = api_client.post(
        reverse("api:account-list"), {**body, "name": "Other"}, HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422
    assert Account.objects.filter(name="Other").count() == 0
    # another user's key space is their own
    api_client.force_authenticate(world.user("kam_b"))
    third = api_client.post(
        reverse("api:account-list"), {"name": "B Ltd"}, HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert third.status_code == 201


# --- throttling -----------------------------------------------------------------------------


def test_throttling_per_token_and_per_user_answers_429_with_retry_after(
    api_client, world, settings
):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "3/min", "user": "5/min"},
    }
    kam = world.user("kam_a")
    _m1, key1 = services.token_create(actor=kam, name="one")
    _m2, key2 = services.token_create(actor=kam, name="two")
    client = _token_client(api_client, key1)
    url = reverse("api:account-list")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(url)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["status"] == 429
    # the second token has its own budget (3), but the user's budget (5: four counted so
    # far, the refused request included, as the user throttle let it through) runs out
    client = _token_client(api_client, key2)
    assert [client.get(url).status_code for _ in range(2)] == [200, 429]
    cache.clear()


def test_a_throttle_window_lets_in_exactly_its_limit_under_concurrent_requests(db):
    """The check and the count are one atomic step: of 40 requests at the same moment,
    exactly the limit gets in (reading the history and writing it back let several
    requests take the last place). A place frees when the oldest request leaves the
    window, and the refused ones are not counted."""
    from concurrent.futures import ThreadPoolExecutor

    cache.delete("window:window-test")
    now = time.time()

    def attempt(_):
        return cache.sliding_window("window-test", now=now, length=60, limit=7)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(attempt, range(40)))
    assert sum(allowed for allowed, _wait in answers) == 7
    waits = [wait for allowed, wait in answers if not allowed]
    assert all(59 < wait <= 60 for wait in waits), waits
    assert cache.sliding_window("window-test", now=now + 59, length=60, limit=7)[0] is False
    assert cache.sliding_window("window-test", now=now + 60.5, length=60, limit=7) == (True, 0)
    cache.delete("window:window-test")


# --- cursor pagination ----------------------------------------------------------------------


def test_visits_page_by_cursor_at_a_fixed_number_of_queries(
    api_client, world, django_assert_num_queries
):
    acme = world.accounts["acme"]
    for _ in range(25):
        VisitFactory(account=acme)
    api_client.force_authenticate(world.user("ops"))
    url = reverse("api:visit-list") + "?page_size=10"
    seen, counts = [], []
    while url:
        # one statement: the page with its contacts, colleagues and comments as arrays
        with django_assert_num_queries(1) as captured:
            body = api_client.get(url).json()
        counts.append(len(captured.captured_queries))
        assert "count" not in body
        seen.extend(row["id"] for row in body["results"])
        url = body["next"]
    assert len(seen) == len(set(seen)) == 25
    assert counts == [1, 1, 1]


def test_dates_carry_a_time_zone_and_money_is_a_decimal_string_with_a_currency(api_client, world):
    acme = world.accounts["acme"]
    Account.objects.filter(pk=acme.pk).update(credit_limit="1234.50")
    api_client.force_authenticate(world.user("kam_a"))
    body = api_client.get(_detail(acme)).json()
    assert body["credit_limit"] == "1234.50"
    assert body["currency"] == "CNY"
    assert re.search(r"[+-]\d\d:\d\d$|Z$", body["created_at"])
    assert timezone.now()


def test_the_token_page_creates_shows_once_lists_and_revokes(client, api_client, world):
    client.force_login(world.user("kam_b"))
    url = reverse("integrations:tokens")
    created = client.post(url, {"name": "My BI", "read_only": "on"})
    html = created.content.decode()
    key = re.search(r'id="new-token-key">([^<]+)</code>', html).group(1)
    assert 'data-token="My BI"' in html
    assert key not in client.get(url).content.decode()  # shown once
    token = ApiToken.objects.get(name="My BI")
    assert token.read_only
    assert _token_client(api_client, key).get(reverse("api:account-list")).status_code == 200
    # someone else's token cannot be revoked from here
    other, _key = services.token_create(actor=world.user("kam_a"), name="A's")
    assert client.post(reverse("integrations:token-revoke"), {"token": other.pk}).status_code == 404
    response = client.post(reverse("integrations:token-revoke"), {"token": token.pk})
    assert response.status_code == 302
    assert _token_client(api_client, key).get(reverse("api:account-list")).status_code == 401
    assert "Revoked" in client.get(url).content.decode()


# --- the errors the schema documents ------------------------------------------------------


def test_the_schema_documents_400_and_413_and_a_413_has_that_shape(api_client, world):
    api_client.force_authenticate(world.user("ops"))
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = schema.json()
    with_body = [
        (path, method, operation["responses"])
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    ]
    assert len(with_body) > 50
    for path, method, responses in with_body:
        for code in ("400", "413"):
            content = responses.get(code, {}).get("content", {})
            ref = content.get("application/problem+json", {}).get("schema")
            assert ref == {"$ref": "#/components/schemas/Problem"}, (method, path, code)
    response = api_client.post("/api/v1/visits/", {"summary": "x" * 3_000_000}, format="json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/problem+json")
    jsonschema.validate(response.json(), schema["components"]["schemas"]["Problem"])
