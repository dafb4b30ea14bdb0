"""The one way a web request enqueues a Celery task.

``enqueue_on_commit(task, *args, **kwargs)`` publishes after the request's
transaction commits (a worker never looks for a row that is not there yet, and a
rolled-back write enqueues nothing). Publishing never holds a request: each publish
uses a connection of its own whose connect and read timeouts are
``BROKER_PUBLISH_TIMEOUT`` (half a second), without retries; a broker that is down,
refusing or hung (stopped, not answering) costs one timeout, then this process skips
publishing for ``BROKER_RETRY_AFTER`` seconds, logging each skipped task. Work that
matters is never *only* in the queue: the outbox of webhook deliveries and the periodic
sweeps over the database (reminders, breaches, scoring, health) pick up whatever could
not be enqueued.
"""

import logging
import threading
import time
from functools import partial

from django.conf import settings
from django.db import transaction
from kombu.exceptions import KombuError
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

BROKER_DOWN = (KombuOperationalError, KombuError, RedisError, OSError)

_state = threading.Lock()
_down_until = 0.0


def broker_down() -> bool:
    """True while this process skips publishing after a failed publish."""
    return time.monotonic() < _down_until


def _mark_down() -> None:
    global _down_until
    with _state:
        _down_until = time.monotonic() + getattr(settings, "BROKER_RETRY_AFTER", 10)


def _send(task, args, kwargs) -> None:
    timeout = getattr(settings, "BROKER_PUBLISH_TIMEOUT", 0.5)
    app = task.app
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    with app.connection_for_write(connect_timeout=timeout, transport_options=options) as connection:
        # nobody waits on a web request's task: no result subscription (a round trip to
        # the result store with its own, long, timeout)
        task.apply_async(
            args,
            kwargs,
            connection=connection,
            retry=False,
            ignore_result=True,
        )


def publish(task, *args, **kwargs) -> bool:
    """Send ``task`` now; False (and a logged error) when the broker cannot take it."""
    if broker_down():
        logger.error("broker unavailable (recently failed): %s not enqueued", task.name)
        return False
    try:
        _send(task, args, kwargs)
    except BROKER_DOWN:
        _mark_down()
        logger.exception("broker unavailable: %s not enqueued", task.name)
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send ``task`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(publish, task, *args, **kwargs))
