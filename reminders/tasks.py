"""Reminder tasks. The sweep is idempotent (the reminder key), so it is safe to
acknowledge late, redeliver when a worker is lost, and retry."""

from celery import shared_task
from django.db import InterfaceError, OperationalError


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

    return sweep().as_dict()  # one transaction (reminders.services.reminders_sweep)
