from celery import shared_task


def _countdown(seconds: float) -> float:
    """Never later than half the broker's visibility timeout: a message due later would
    be redelivered early (the scheduled run every minute sends what is due anyway)."""
    from django.conf import settings

    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    return max(0.0, min(seconds, visibility / 2))


@shared_task(name="integrations.tasks.webhook_deliveries_send", acks_late=True)
def webhook_deliveries_send() -> int:
    """Send the due webhook deliveries; retries are due later with backoff, and the
    next scheduled run (every minute) or the countdown queued here sends them."""
    from integrations.delivery import deliveries_send

    attempted = deliveries_send()
    waits = [
        (d.next_attempt_at - d.last_attempt_at).total_seconds()
        for d in attempted
        if d.next_attempt_at is not None and d.last_attempt_at is not None
    ]
    if waits:
        webhook_deliveries_send.apply_async(countdown=_countdown(min(waits)))
    return len(attempted)
