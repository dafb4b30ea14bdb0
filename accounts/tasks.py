from celery import shared_task


@shared_task(name="accounts.tasks.accounts_score", acks_late=True)
def accounts_score(actor_id: int | None = None) -> int:
    """Score every active account (nightly, or on an admin's request); returns the run id."""
    from accounts.tiering.services import accounts_score as score
    from kam.models import User

    actor = User.objects.get(pk=actor_id) if actor_id is not None else None
    return score(actor=actor).pk


@shared_task(name="accounts.tasks.complaints_mark_breached", acks_late=True)
def complaints_mark_breached() -> int:
    """Every 5 minutes: mark late complaints breached and escalate; returns how many."""
    from accounts.service.services import complaints_mark_breached as mark

    return len(mark())


@shared_task(name="accounts.tasks.health_check_run", acks_late=True)
def health_check_run() -> int:
    """Nightly: check every active account's health; returns how many were checked."""
    from accounts.health.services import health_check_run as run

    return run().checked


@shared_task(name="accounts.tasks.import_run", acks_late=True)
def import_run_task(*, staged_id: int, actor_id: int) -> None:
    """A large file import of accounts or contacts (accounts.imports.import_run;
    idempotent)."""
    from accounts.imports import import_run

    import_run(staged_id=staged_id, actor_id=actor_id)
