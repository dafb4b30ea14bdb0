"""Behind a reverse proxy (AXES_PROXY_COUNT=1) the sign-in lockout is keyed on the
client's address, the one the proxy appended to X-Forwarded-For: five wrong passwords
from one address lock the user from that address only, and a client cannot dodge the
lock by sending an X-Forwarded-For of its own."""

import httpx
import pytest

from tests.conftest import build_world
from tests.factories import PASSWORD
from tests.faults.conftest import figure, gunicorn, server_environment

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

ATTACKER = "8.8.4.4"
COLLEAGUE = "1.0.0.1"


def _token(client, address, password):
    return client.post(
        "/api/v1/auth/token/",
        json={"username": "kam_a", "password": password},
        headers={"X-Forwarded-For": address},
    )


def test_a_lockout_through_the_proxy_locks_the_attacking_address_only(private_redis):
    build_world()
    environment = server_environment(private_redis.url, AXES_PROXY_COUNT="1")
    with (
        gunicorn(environment, workers=1) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        codes = [_token(client, ATTACKER, "wrong-password").status_code for _ in range(5)]
        assert codes == [400, 400, 400, 400, 429]  # the fifth failure locks
        locked = _token(client, ATTACKER, PASSWORD)
        assert locked.status_code == 429
        assert locked.headers["Content-Type"].startswith("application/problem+json")
        # what the attacker writes in the header is not the address: the proxy's entry is
        assert _token(client, f"{COLLEAGUE}, {ATTACKER}", PASSWORD).status_code == 429
        # the same user from anywhere else signs in
        assert _token(client, COLLEAGUE, PASSWORD).status_code in (200, 201)
        assert _token(client, f"{ATTACKER}, {COLLEAGUE}", PASSWORD).status_code in (200, 201)
    figure(
        f"lockout behind 1 proxy: 5 failures from {ATTACKER} answer {codes}; "
        f"{ATTACKER} then 429 (a forged X-Forwarded-For too), {COLLEAGUE} signs in"
    )
