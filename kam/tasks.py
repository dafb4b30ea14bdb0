from celery import shared_task
from django.core import management


@shared_task(name="kam.tasks.ping")
def ping(value: str = "pong") -> dict:
    """Round-trip check: proves a worker took the task from the broker."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (database,) = cursor.fetchone()
    return {"value": value, "database": database}


@shared_task(name="kam.tasks.sessions_clear_expired", acks_late=True)
def sessions_clear_expired() -> None:
    management.call_command("clearsessions")
