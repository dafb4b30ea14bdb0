"""Sign-in protection: a user and address pair is locked after repeated failures and
lifts by itself after the cool-off; strong passwords; sessions expire."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD

LIMIT = settings.AXES_FAILURE_LIMIT
HOME = "10.1.1.1"
ELSEWHERE = "10.2.2.2"


def sign_in(client, password, username="kam_a", address=HOME, **extra):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def fail(client, times, **kwargs):
    return [sign_in(client, "wrong-password", **kwargs).status_code for _ in range(times)]


def test_the_limit_is_configured_and_not_the_library_default():
    assert LIMIT == 5
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_locked_after_the_set_number_of_failures(client, world):
    # the failures before the limit are ordinary wrong passwords
    assert fail(client, LIMIT - 1) == [200] * (LIMIT - 1)
    locked = sign_in(client, "wrong-password")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed sign-in attempts" in page
    assert "15 minutes" in page
    assert locked["Retry-After"] == str(15 * 60)
    # now even the right password is refused, and no session is opened
    right = sign_in(client, PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_only_for_that_user_from_that_address(client, world):
    fail(client, LIMIT)
    assert sign_in(client, PASSWORD).status_code == 429
    # the same user from another address, another user from the same address: not locked
    assert sign_in(client, PASSWORD, address=ELSEWHERE).status_code == 302
    client.logout()
    assert sign_in(client, PASSWORD, username="kam_b").status_code == 302


def test_the_lock_lifts_by_itself_after_the_cool_off(client, world):
    fail(client, LIMIT)
    assert sign_in(client, PASSWORD).status_code == 429
    # 14 minutes later: still locked (and trying again does not extend it)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert sign_in(client, "wrong-password").status_code == 429
    assert sign_in(client, PASSWORD).status_code == 429
    # past the cool-off since the failure that locked it: the right password gets in
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.user("kam_a").pk)
    # and a success clears the count: the next mistakes start from zero
    client.logout()
    assert fail(client, LIMIT - 1) == [200] * (LIMIT - 1)


def test_a_success_resets_the_count(client, world):
    fail(client, LIMIT - 1)
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()
    assert fail(client, LIMIT - 1) == [200] * (LIMIT - 1)
    assert sign_in(client, PASSWORD).status_code == 302


def test_the_lockout_message_in_chinese(client, world):
    fail(client, LIMIT - 1)
    response = sign_in(client, "wrong-password", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_the_api_token_exchange_shares_the_lock(api_client, world):
    url = reverse("api:auth-token")

    def token(password):
        return api_client.post(
            url, {"username": "kam_a", "password": password}, format="json", REMOTE_ADDR=HOME
        )

    assert [token("wrong-password").status_code for _ in range(LIMIT - 1)] == [400] * (LIMIT - 1)
    locked = token("wrong-password")
    assert locked.status_code == 429
    body = locked.json()
    assert locked["Content-Type"] == "application/problem+json"
    assert body["status"] == 429
    assert body["code"] == "locked_out"
    assert int(body["retry_after"]) == 15 * 60
    assert token(PASSWORD).status_code == 429


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Short-1x!", "too short"),
        ("password1234", "too common"),
        ("839201746503", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused(world, password, problem):
    user = world.user("kam_a")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert problem in " ".join(refused.value.messages)


def test_a_long_passphrase_is_accepted(world):
    validate_password("harbour-lantern-violet-42", world.user("kam_a"))


def test_sessions_expire_and_cookies_are_not_readable_by_scripts():
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY is True
