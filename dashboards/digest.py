"""The weekly supervisor digest's rows, scoped to what the supervisor sees; messaging
sends it (this app plugs ``supervisor_digest`` into ``messaging.services`` when ready)."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F
from django.utils import timezone

from accounts.health.models import HealthStatus
from accounts.models import Account, Visit
from accounts.service.models import Complaint
from kam.models import User
from messaging.services import iso_week
from plans.choices import PlanStatus
from plans.models import AccountPlan

#: at most this many rows per section; the digest links to the full lists
DIGEST_ROWS = 20


@dataclass
class OverdueRevisits:
    kam: User
    count: int


@dataclass
class Digest:
    week: str
    red_accounts: list = field(default_factory=list)
    red_total: int = 0
    overdue_revisits: list[OverdueRevisits] = field(default_factory=list)
    breached_complaints: list = field(default_factory=list)
    breached_total: int = 0
    plans_waiting: list = field(default_factory=list)
    plans_total: int = 0

    @property
    def is_empty(self):
        return not (
            self.red_total or self.overdue_revisits or self.breached_total or self.plans_total
        )


def supervisor_digest(*, actor: User, today: date | None = None) -> Digest:
    """Red accounts, overdue revisits per KAM, breached complaints and plans waiting for
    approval, among what ``actor`` sees. Eight queries whatever the size."""
    today = today or timezone.localdate()
    digest = Digest(week=iso_week(today))

    red = Account.objects.visible_to(actor).active().filter(health_status=HealthStatus.RED)
    digest.red_total = red.count()
    digest.red_accounts = list(
        red.select_related("owner").order_by("health_score", "name")[:DIGEST_ROWS]
    )

    overdue = (
        Visit.objects.visible_to(actor)
        .open_follow_ups()
        .filter(next_visit_on__lt=today)
        .annotate(kam_id=F("next_visit_owner_id"))  # Visit.revisit_owner_for
        .values("kam_id")
        .annotate(count=Count("id"))
        .order_by("-count", "kam_id")
    )
    counts = {row["kam_id"]: row["count"] for row in overdue}
    kams = User.objects.in_bulk(list(counts))
    digest.overdue_revisits = [
        OverdueRevisits(kam=kams[pk], count=count) for pk, count in counts.items() if pk in kams
    ]

    breached = Complaint.objects.visible_to(actor).not_closed().breached_effectively()
    digest.breached_total = breached.count()
    digest.breached_complaints = list(
        breached.select_related("account", "owner").order_by("response_due")[:DIGEST_ROWS]
    )

    waiting = AccountPlan.objects.visible_to(actor).filter(status=PlanStatus.SUBMITTED)
    digest.plans_total = waiting.count()
    digest.plans_waiting = list(
        waiting.select_related("account", "account__owner").order_by("year", "account__name")[
            :DIGEST_ROWS
        ]
    )
    return digest
