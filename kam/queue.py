"""The one way a web request enqueues a Celery task.

``enqueue_on_commit(task, *args, **kwargs)`` publishes after the request's
transaction commits (a worker never looks for a row that is not there yet, and a
rolled-back write enqueues nothing). Publishing is best effort: if the broker is
down, the error is logged and the request carries on (the broker's connection
timeouts and publish retry policy in settings keep that under a few seconds). Work
that matters is never *only* in the queue: the periodic sweeps over the database
(reminders, breaches, scoring, health) pick up whatever could not be enqueued.
"""

import logging
from functools import partial

from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

BROKER_DOWN = (KombuOperationalError, RedisError, OSError)


def publish(task, *args, **kwargs) -> bool:
    """Send ``task`` now; False (and a logged error) when the broker cannot be reached."""
    try:
        task.delay(*args, **kwargs)
    except BROKER_DOWN:
        logger.exception("broker unavailable: %s not enqueued", task.name)
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send ``task`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(publish, task, *args, **kwargs))
