from celery import shared_task


@shared_task(name="credit.tasks.credit_check", acks_late=True)
def credit_check_task() -> int:
    """Nightly and after each load of actuals: the credit check over every active account
    (credit.engine.credit_check; idempotent). Returns how many warnings it raised."""
    from credit.engine import credit_check

    return credit_check()["raised"]
