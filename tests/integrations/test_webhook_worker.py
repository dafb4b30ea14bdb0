"""Webhooks through a real Celery worker: the change commits, the on-commit hook
queues the dispatch, the worker posts to a local receiver, and a failure is retried
by the worker itself after its backoff."""

import os
import time

import pytest

from integrations.choices import DeliveryStatus
from integrations.models import WebhookDelivery
from tests.conftest import build_world
from tests.integrations.test_webhooks import Receiver, _approve, _subscribe
from tests.kam.test_celery import celery_worker_process  # noqa: F401 - the fixture

pytestmark = pytest.mark.worker


def _wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setitem(os.environ, "WEBHOOK_RETRY_BASE_SECONDS", "1")


def test_the_worker_delivers_and_retries_a_failed_delivery(
    fast_retries,
    celery_worker_process,  # noqa: F811
):
    world = build_world()
    with Receiver(fail_first=1) as receiver:
        _subscribe(world, receiver.url)
        _approve(world)  # commits: the dispatch is queued on commit

        def delivered():
            delivery = WebhookDelivery.objects.first()
            return delivery is not None and delivery.status == DeliveryStatus.SUCCEEDED

        assert _wait_for(delivered), list(WebhookDelivery.objects.values())
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 2  # the first answer was a 503
    assert [m["valid"] for m in receiver.received] == [True, True]
    assert celery_worker_process.poll() is None
