"""Writes of the reminders app: the sweep, and the escalation of breached complaints.

Both go through ``reminders.engine.remind``: one statement that inserts the reminder
keys with ON CONFLICT DO NOTHING and the notifications of the rows it inserted, so
each reminder reaches each recipient exactly once whatever runs twice or dies.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from kam.batch import plan_for_whole_tables
from reminders import engine

#: serialises sweeps (pg_advisory_xact_lock); exactly-once rests on the unique key,
#: the lock only spares a second sweep the work (and lock waits) of the first
_LOCK_KEY = 0x4B414D_0008


@dataclass
class SweepResult:
    created: Counter = field(default_factory=Counter)
    breached: int = 0

    @property
    def total(self) -> int:
        return sum(self.created.values())

    def as_dict(self) -> dict:
        return {"created": dict(self.created), "total": self.total, "breached": self.breached}


@transaction.atomic
def reminders_sweep(*, now=None) -> SweepResult:
    """Find every reminder that is due and send those not sent before; mark late
    complaints breached and escalate them. A fixed number of statements whatever the
    data: the lock, the planner setting, the breach UPDATE and the one reminder
    statement."""
    from accounts.service.services import complaints_mark_breached

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    plan_for_whole_tables()
    now = now or timezone.now()
    breached = complaints_mark_breached(now=now, escalate=False)
    context = engine.Context(now=now, today=timezone.localdate(now), breached=tuple(breached))
    kinds = engine.remind(kinds=engine.sweep_kinds(), context=context)
    return SweepResult(created=Counter(kinds), breached=len(breached))


def reminders_for_breaches(*, ids, now=None) -> list[str]:
    """Escalate complaints just marked breached: the owner's supervisors and the owner
    (while unanswered), under the reminder key. One statement; call it inside the
    transaction that marked them."""
    now = now or timezone.now()
    context = engine.Context(now=now, today=timezone.localdate(now), breached=tuple(ids))
    return engine.remind(kinds=engine.BREACH_KINDS, context=context)
