"""Reminder tasks. The sweep is idempotent (the reminder key), so it is safe to
acknowledge late, redeliver when a worker is lost, and retry."""

import os
import time
from pathlib import Path

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction


def _test_pause(stage: str) -> None:
    """Tests only: with KAM_TEST_SWEEP_PAUSE="<stage>:<marker file>" the sweep touches
    the marker and sleeps at ``stage`` ("before_commit": reminders inserted, transaction
    open; "after_commit": committed, message not yet acknowledged) so a test can kill
    the worker there. Unset in every real deployment."""
    setting = os.environ.get("KAM_TEST_SWEEP_PAUSE", "")
    if not setting.startswith(f"{stage}:"):
        return
    Path(setting.split(":", 1)[1]).touch()
    time.sleep(600)


@shared_task(
    name="reminders.tasks.reminders_sweep",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,  # well under the broker's visibility timeout
    retry_jitter=True,
    max_retries=5,
)
def reminders_sweep() -> dict:
    """Every 10 minutes: send the reminders that are due; returns the counts."""
    from reminders.services import reminders_sweep as sweep

    with transaction.atomic():
        result = sweep()
        _test_pause("before_commit")
    _test_pause("after_commit")
    return result.as_dict()
