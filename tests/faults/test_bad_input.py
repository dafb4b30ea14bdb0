"""No input answers 500: each case another system sent that did (issue: "the API answers
500 where it should answer 400") now answers a 4xx in the API's error shape, and nothing
is saved."""

import pytest
from django.urls import reverse

from accounts.models import Visit
from integrations.models import ApiToken
from kam.choices import Role
from tests.faults.conftest import api_token

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

NESTED = "[" * 100_000 + "]" * 100_000


def _problem(response, *codes):
    assert response.status_code in codes, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == response.status_code
    assert body["title"]
    return body


@pytest.fixture
def api(world):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(world.user('kam_a'))}")
    return client


def _visit(world, **fields):
    return {
        "account": world.accounts["acme"].pk,
        "kind": "call",
        "occurred_at": "2026-03-01T10:00:00+08:00",
        "summary": "bad input",
        **fields,
    }


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/visits/"])
def test_deeply_nested_json_is_a_400(api, path):
    response = api.post(path, NESTED, content_type="application/json")
    _problem(response, 400)


def test_a_body_over_the_upload_limit_is_refused_with_or_without_a_key(api, world):
    text = "x" * 3_000_000
    _problem(api.post("/api/v1/visits/", _visit(world, summary=text), format="json"), 413)
    response = api.post(
        "/api/v1/visits/",
        _visit(world, summary=text),
        format="json",
        HTTP_IDEMPOTENCY_KEY="big-one",
    )
    _problem(response, 400, 413)
    assert not Visit.objects.filter(summary__startswith="xxx").exists()


def test_text_fields_have_a_limit(api, world):
    body = _problem(
        api.post("/api/v1/visits/", _visit(world, summary="x" * 20_001), format="json"), 400
    )
    assert "summary" in body["errors"]
    response = api.patch(
        f"/api/v1/accounts/{world.accounts['acme'].pk}/",
        {"description": "y" * 20_001},
        format="json",
    )
    assert "description" in _problem(response, 400)["errors"]


def test_a_username_longer_than_any_is_a_400_without_signing_in(client):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "u" * 300, "password": "whatever-it-is"},
        content_type="application/json",
    )
    assert "username" in _problem(response, 400)["errors"]


@pytest.mark.parametrize("latitude", ["1e30", "12345678901234567890123", "NaN", "-1e30"])
def test_a_coordinate_out_of_all_range_is_a_400(api, world, latitude):
    response = api.post("/api/v1/visits/", _visit(world, latitude=latitude), format="json")
    assert "latitude" in _problem(response, 400)["errors"]
    assert not Visit.objects.filter(summary="bad input").exists()


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00", "0001-01-01T07:59:59"])
def test_a_naive_date_time_at_the_calendars_edge_is_a_400(api, world, moment):
    response = api.post("/api/v1/visits/", _visit(world, occurred_at=moment), format="json")
    assert "occurred_at" in _problem(response, 400)["errors"]


@pytest.mark.django_db(transaction=True)  # as a server runs: no transaction around the request
def test_options_with_if_match_answers(api, world):
    acme = world.accounts["acme"]
    response = api.options(f"/api/v1/accounts/{acme.pk}/", HTTP_IF_MATCH='"abc"')
    assert response.status_code == 200
    response = api.options("/api/v1/scoring-model/current/", HTTP_IF_MATCH='"abc"')
    assert response.status_code == 200


@pytest.mark.parametrize("zero", ["٠", "０", "۰", "०"])
def test_an_id_in_other_digits_is_not_an_alias(api, world, zero):
    # kam_a sees acme: its id written in Arabic-Indic, full-width, Persian or Devanagari
    # digits reaches nothing (it reached acme)
    acme = world.accounts["acme"]
    digits = "".join(chr(ord(zero) + int(digit)) for digit in str(acme.pk))
    assert api.get(f"/api/v1/accounts/{acme.pk}/").status_code == 200
    _problem(api.get(f"/api/v1/accounts/{digits}/"), 404)
    _problem(api.get(f"/api/v1/accounts/{acme.pk}²/"), 404)


@pytest.mark.parametrize("value", ["abc", "1.5", "١", "99999999999999999999999"])
def test_revoking_a_token_by_something_not_an_id_is_a_404(client, world, value):
    api_token(world.user("kam_a"))
    client.force_login(world.user("kam_a"))
    response = client.post(reverse("integrations:token-revoke"), {"token": value})
    assert response.status_code == 404
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1


def test_the_last_active_admin_cannot_be_deactivated_or_demoted(world):
    from rest_framework.test import APIClient

    ops = world.user("ops")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(ops)}")
    url = f"/api/v1/users/{ops.pk}/"
    body = _problem(client.patch(url, {"is_active": False}, format="json"), 400)
    assert list(body["errors"]) == ["is_active"]
    body = _problem(client.patch(url, {"role": Role.ACCOUNT_MANAGER}, format="json"), 400)
    assert list(body["errors"]) == ["role"]
    ops.refresh_from_db()
    assert (ops.is_active, ops.role) == (True, Role.ADMIN)
    # with a second active admin, either may go
    other = world.user("exec")
    response = client.patch(f"/api/v1/users/{other.pk}/", {"role": Role.ADMIN}, format="json")
    assert response.status_code == 200
    assert client.patch(url, {"is_active": False}, format="json").status_code == 200
