"""With Redis stopped, the web still serves and saves; the next sweep finds what is due.

A real server process (``manage.py runserver``) runs with ``REDIS_URL`` pointing at a
port where nothing listens, so the Celery broker, the result store and the cache are
all down for it. Nothing is mocked.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Visit
from kam.choices import NotificationKind as K
from reminders.models import Reminder
from reminders.services import reminders_sweep
from tests.conftest import build_world
from tests.factories import PASSWORD
from tests.utils import database_url

pytestmark = pytest.mark.django_db(transaction=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server_without_redis(tmp_path):
    dead = free_port()  # bound and released: nothing listens there now
    port = free_port()
    log = tmp_path / "server.log"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": f"redis://127.0.0.1:{dead}/0",
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/login/", timeout=2)
            break
        except httpx.TransportError:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
    yield base, log
    process.terminate()
    process.wait(20)


def signed_in(base, username):
    client = httpx.Client(base_url=base, timeout=10)
    client.get("/login/")
    response = client.post(
        "/login/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
    )
    assert response.status_code == 302, response.text[:500]
    return client


def test_pages_and_writes_work_with_redis_stopped_and_the_sweep_catches_up(
    server_without_redis,
):
    base, log = server_without_redis
    world = build_world()
    acme = world.accounts["acme"]
    kam_a = signed_in(base, "kam_a")
    for path in ("/", "/accounts/", f"/accounts/{acme.pk}/", "/accounts/visits/",
                 "/notifications/", "/api/v1/accounts/"):  # fmt: skip
        started = time.monotonic()
        response = kam_a.get(path)
        assert response.status_code == 200, path
        assert time.monotonic() - started < 5, path
    # log a visit with a revisit planned for today: saved, redirected
    today = timezone.localdate()
    response = kam_a.post(
        "/accounts/visits/new/",
        data={
            "account": acme.pk,
            "kind": "onsite",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "summary": "Logged while Redis was down.",
            "next_visit_on": today.isoformat(),
            "client_key": str(uuid.uuid4()),
            "csrfmiddlewaretoken": kam_a.cookies["csrftoken"],
        },
    )
    assert response.status_code == 302, response.text[:2000]
    visit = Visit.objects.get(summary="Logged while Redis was down.")
    assert visit.next_visit_on == today
    # an admin's "score now" enqueues after commit: the broker is down, so the error is
    # logged, the request still answers at once, and the nightly run scores later
    ops = signed_in(base, "ops")
    started = time.monotonic()
    response = ops.post(
        "/accounts/tiering/score/", data={"csrfmiddlewaretoken": ops.cookies["csrftoken"]}
    )
    assert response.status_code == 302
    assert time.monotonic() - started < 5
    assert ops.get("/accounts/tiering/").status_code == 200
    # the load balancer's health check says the broker is down
    health = httpx.get(f"{base}/healthz", timeout=10)
    assert health.status_code == 503
    assert health.json()["checks"] == {"database": "ok", "broker": "error"}
    time.sleep(0.5)
    assert "broker unavailable: accounts.tasks.accounts_score not enqueued" in log.read_text()
    # the next sweep (here in-process, on a working Redis) finds the revisit due
    result = reminders_sweep(now=timezone.now() + timedelta(minutes=1))
    assert result.created[K.REVISIT_DUE] == 1
    reminder = Reminder.objects.get(kind=K.REVISIT_DUE)
    assert reminder.subject_id == visit.pk
    assert reminder.recipient == world.user("kam_a")


def test_the_cache_treats_a_stopped_redis_as_a_miss(settings):
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    started = time.monotonic()
    cache.set("key", "value")
    assert cache.get("key", "missing") == "missing"
    assert cache.add("key", "value") is False
    assert cache.get_many(["key"]) == {}
    # API throttling lets requests in rather than failing them
    assert cache.sliding_window("key", now=time.time(), length=60, limit=1) == (True, 0.0)
    assert time.monotonic() - started < 5
