"""Set-based batch statements: one plan shape whatever the table statistics say.

A batch statement (scoring, health checks, reminder sweeps) reads every active
account at once. PostgreSQL chooses its join methods from the table statistics, and
these can be badly stale: a table last analysed while it held only dead rows (after
a rolled-back load, or just before a bulk import) is believed to hold one row, and
the planner then nests loops over what are really tens of thousands of rows, turning
a two-second run into hours. Inside the batch's transaction nested loops are turned
off, so whole-table joins are hashed or merged and the run stays linear.

Batches of upserts by a natural key (accounts, contacts, monthly actuals) write their
rows in key order and run once more after losing a race to a concurrent batch.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.translation import gettext as _
from psycopg.errors import DeadlockDetected, SerializationFailure


def plan_for_whole_tables() -> None:
    """Turn nested-loop joins and JIT compilation off until the current transaction
    ends (one statement).

    JIT because disabling nested loops prices every plan that still has one at
    ``disable_cost`` (10^10), far above ``jit_above_cost``: PostgreSQL would then spend
    seconds compiling a statement that runs in milliseconds (5.4 s of 5.8 s for the
    reminder sweep over 5,000 accounts)."""
    if not connection.in_atomic_block:
        raise RuntimeError("plan_for_whole_tables() needs a transaction (SET LOCAL).")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_nestloop = off; SET LOCAL jit = off")


# --- batches of upserts by a natural key (the API's …/bulk/ routes and the imports) -----


class BatchRejectedError(DjangoValidationError):
    """Wrong rows: nothing was written. ``row_errors``: {index: {field: [messages]}}."""

    def __init__(self, row_errors: dict):
        self.row_errors = row_errors
        super().__init__(
            _("%(count)s rows are wrong: nothing was imported.") % {"count": len(row_errors)}
        )


def in_key_order(rows: list[dict], *names: str) -> list[dict]:
    """``rows`` sorted by their key's columns: every batch that writes rows by this key
    inserts, updates and so locks them in this one order, so two batches over the same
    keys wait for each other instead of deadlocking."""
    return sorted(rows, key=lambda row: tuple(_sortable(row[name]) for name in names))


def _sortable(value):
    return (True,) if value is None else (False, value)  # a missing value last


def _lost_race(error) -> bool:
    """A unique key a concurrent batch committed first, or a deadlock PostgreSQL broke."""
    if isinstance(error, IntegrityError):
        return True
    return isinstance(error.__cause__, DeadlockDetected | SerializationFailure)


def once_more_after_a_lost_race(write):
    """Run ``write`` (read the batch's records, then write them) in a savepoint; when a
    concurrent batch over the same keys got in first, run it once more (its records are
    now there to update). A second loss is a 400 asking to send the batch again, never a
    500, and nothing of the batch is written."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return write()
        except (IntegrityError, OperationalError) as error:
            if not _lost_race(error):
                raise
            if attempt == 2:
                message = _("Another change got in first: send the batch again.")
                raise BatchRejectedError({0: {"non_field_errors": [message]}}) from error
    raise AssertionError("unreachable")
