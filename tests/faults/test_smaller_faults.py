"""The smaller faults, each against the real thing: "Score now" with the broker refusing
(through gunicorn), the retry countdown a worker publishes (read back from Redis), an
idempotent replay (every statement it sends succeeds, so PostgreSQL logs no error), the
workers' setting for a broker loss, and the webhook verifiers (the shipped one and the
README's) given malformed headers."""

import json
import re
import textwrap
import time
from datetime import datetime

import httpx
import pytest
import redis
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from config.celery import app
from integrations import delivery
from integrations.models import WebhookDelivery
from integrations.tasks import webhook_deliveries_send
from tests.conftest import build_world
from tests.factories import PASSWORD
from tests.faults.conftest import api_token, free_port, gunicorn, server_environment
from tests.integrations.test_webhooks import SECRET, Receiver, _approve, _subscribe

pytestmark = [pytest.mark.faults]


def _csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


@pytest.mark.django_db(transaction=True)
def test_score_now_says_so_when_the_broker_refuses():
    build_world()
    refusing = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with (
        gunicorn(server_environment(refusing), workers=1) as server,
        httpx.Client(base_url=server.url, timeout=30, headers={"Accept-Language": "en"}) as client,
    ):
        login = client.get("/login/").text
        signed_in = client.post(
            "/login/",
            data={"username": "ops", "password": PASSWORD, "csrfmiddlewaretoken": _csrf(login)},
        )
        assert signed_in.status_code == 302, signed_in.text[:500]
        overview = client.get("/accounts/tiering/").text
        started = time.monotonic()
        pressed = client.post(
            "/accounts/tiering/score/", data={"csrfmiddlewaretoken": _csrf(overview)}
        )
        elapsed = time.monotonic() - started
        assert pressed.status_code == 302
        page = client.get(pressed.headers["Location"]).text
    assert "Scoring could not be started: the task queue is not answering." in page
    assert "Scoring started" not in page
    assert elapsed < 10, elapsed  # no wait for gunicorn's 30 s worker timeout


@pytest.mark.django_db
def test_a_retry_countdown_stays_under_half_the_visibility_timeout(settings):
    """A receiver failing with a retry due in 10^6 s: the wake-up the task queues on the
    real broker is due within half the visibility timeout (1 h), or Redis would hand it
    to a second worker before it ran."""
    settings.WEBHOOK_RETRY_BASE_SECONDS = 1_000_000
    half = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] / 2
    world = build_world()
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    app.control.purge()
    with Receiver(fail_first=1) as receiver:
        _subscribe(world, receiver.url)
        _approve(world)
        before = time.time()
        assert webhook_deliveries_send() == 1  # what a worker runs
    assert WebhookDelivery.objects.get().attempts == 1
    messages = [json.loads(raw) for raw in broker.lrange(queue, 0, -1)]
    app.control.purge()
    [message] = [m for m in messages if m["headers"]["task"] == webhook_deliveries_send.name]
    eta = datetime.fromisoformat(message["headers"]["eta"]).timestamp()
    assert 0 < eta - before <= half + 5, eta - before


@pytest.mark.django_db
def test_an_idempotent_replay_sends_no_statement_that_fails(world):
    """A replay used to insert the key again and catch the unique violation, which
    PostgreSQL logs as an ERROR each time; every statement now succeeds."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(world.user('kam_a'))}")
    body = {
        "account": world.accounts["acme"].pk,
        "kind": "call",
        "occurred_at": "2026-03-01T10:00:00+08:00",
        "summary": "once",
    }
    failed = []

    def watch(execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except Exception as error:
            failed.append((sql, error))
            raise

    first = client.post("/api/v1/visits/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    with connection.execute_wrapper(watch):
        replay = client.post("/api/v1/visits/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert failed == []


def test_workers_cancel_late_acknowledged_tasks_when_they_lose_the_broker():
    # the broker redelivers them after a reconnection; running on would do them twice
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is True
    assert app.conf.task_acks_late is True


def _readme_verify():
    """The ``verify`` the README gives receivers, run as written there."""
    readme = (settings.BASE_DIR / "README.md").read_text()
    [block] = [
        code for code in re.findall(r"```python\n(.*?)```", readme, re.S) if "def verify(" in code
    ]
    namespace = {}
    exec(textwrap.dedent(block), namespace)  # noqa: S102 - the project's own README
    return namespace["verify"]


@pytest.mark.parametrize("verify", [delivery.verify, _readme_verify()], ids=["shipped", "readme"])
def test_a_webhook_verifier_answers_false_on_a_malformed_header(verify):
    body = b'{"id": 1}'
    now = int(time.time())
    good = delivery.sign(SECRET, now, body)
    assert verify(SECRET, good, body) is True
    assert verify(SECRET, delivery.sign(SECRET, now - 1000, body), body) is False  # a replay
    assert verify("another secret", good, body) is False
    malformed = [
        "",
        "garbage",
        "t=",
        "v1=00",
        f"t={now}",
        "t=abc,v1=00",
        f"t={now},v1=é",  # compare_digest refuses non-ASCII strings with a TypeError
        f"t={now}é,v1=00",
        f"t={'9' * 400},v1=00",  # too large for a float: OverflowError
        "t=١٢٣,v1=00",  # digits, but not ASCII ones
        f"t=-{now},v1=00",
        f"t={now},,v1",
    ]
    for header in malformed:
        assert verify(SECRET, header, body) is False, header
