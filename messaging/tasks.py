from celery import shared_task


@shared_task(name="messaging.tasks.deliveries_send", acks_late=True)
def deliveries_send() -> dict:
    """Every minute: queue deliveries for new notifications and send what is due."""
    from messaging.services import deliveries_send as run

    return vars(run())


@shared_task(name="messaging.tasks.digests_send", acks_late=True)
def digests_send() -> dict:
    """Monday 08:00: one digest per supervisor for the ISO week, then send them."""
    from messaging.services import deliveries_send as run
    from messaging.services import digests_queue

    queued = digests_queue()
    return {"digests": queued, **vars(run())}
