from celery import shared_task


@shared_task(name="lifecycle.tasks.lifecycle_run", acks_late=True)
def lifecycle_run_task() -> int:
    """Nightly (after the health check): the lifecycle rules over every account
    (lifecycle.engine.run; idempotent). Returns how many accounts moved."""
    from lifecycle.engine import run

    return run()["moved"]
