"""Reminder fixtures: one of every kind of due work on the ``world`` accounts.

acme (kam_a, tier A): visited 5 days ago with a revisit planned yesterday; an
    action item due 2 days ago (plus one done and one due tomorrow); a complaint
    answered due in 2 hours; a signed contract ending in 60 days (90-day window)
globex (kam_b, tier A): created 40 days ago, never visited (overdue and twice
    overdue); an active contract ending in 20 days (30-day window); its plan
    submitted 4 days ago
initech (kam_c, tier A): visited 20 days ago (overdue, not twice); a complaint 30
    hours old never answered (breached); a draft contract (no reminder)
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Account, Visit
from kam.choices import NotificationKind as K
from opportunities.choices import ContractStatus
from plans.choices import ActionStatus, PlanEvent, PlanStatus
from plans.models import AccountPlan, PlanTransition
from tests.factories import (
    ActionItemFactory,
    ComplaintFactory,
    ContractFactory,
    PlanFactory,
    VisitFactory,
)


def build_due(world):
    now = timezone.now()
    today = timezone.localdate(now)
    acme, globex, initech = (world.accounts[name] for name in ("acme", "globex", "initech"))
    Account.objects.filter(pk__in=[acme.pk, globex.pk, initech.pk]).update(tier="A")
    Account.objects.filter(pk=globex.pk).update(created_at=now - timedelta(days=40))
    due = {}
    revisit = VisitFactory(
        account=acme,
        occurred_at=now - timedelta(days=5),
        next_visit_on=today - timedelta(days=1),
        next_visit_owner=world.user("kam_a"),
    )
    VisitFactory(account=initech, occurred_at=now - timedelta(days=20))
    plan = PlanFactory(account=acme, year=today.year)
    item = ActionItemFactory(plan=plan, due_on=today - timedelta(days=2))
    ActionItemFactory(plan=plan, due_on=today - timedelta(days=1), status=ActionStatus.DONE)
    ActionItemFactory(plan=plan, due_on=today + timedelta(days=1))
    due_soon = ComplaintFactory(account=acme, received_at=now - timedelta(hours=22))
    breached = ComplaintFactory(account=initech, received_at=now - timedelta(hours=30))
    in_90 = ContractFactory(
        account=acme, ends_on=today + timedelta(days=60), status=ContractStatus.SIGNED
    )
    in_30 = ContractFactory(
        account=globex, ends_on=today + timedelta(days=20), status=ContractStatus.ACTIVE
    )
    ContractFactory(account=initech, ends_on=today + timedelta(days=60))  # a draft
    submitted = PlanFactory(account=globex, year=today.year, status=PlanStatus.SUBMITTED)
    step = PlanTransition.objects.create(
        plan=submitted,
        event=PlanEvent.SUBMITTED,
        from_status=PlanStatus.DRAFT,
        to_status=PlanStatus.SUBMITTED,
        revision=1,
        actor=world.user("kam_b"),
    )
    PlanTransition.objects.filter(pk=step.pk).update(created_at=now - timedelta(days=4))
    since_globex = timezone.localdate(now - timedelta(days=40))
    since_initech = timezone.localdate(now - timedelta(days=20))
    due_on_complaint = timezone.localdate(breached.response_due)
    due = {
        (K.REVISIT_DUE, revisit.pk, today - timedelta(days=1), "kam_a"),
        (K.CADENCE_OVERDUE, globex.pk, since_globex + timedelta(days=14), "kam_b"),
        (K.CADENCE_ESCALATED, globex.pk, since_globex + timedelta(days=28), "kam_b"),
        (K.CADENCE_ESCALATED, globex.pk, since_globex + timedelta(days=28), "sup_east"),
        (K.CADENCE_OVERDUE, initech.pk, since_initech + timedelta(days=14), "kam_c"),
        (K.ACTION_ITEM_DUE, item.pk, item.due_on, "kam_a"),
        (K.COMPLAINT_DUE_SOON, due_soon.pk, timezone.localdate(due_soon.response_due), "kam_a"),
        (K.COMPLAINT_BREACHED, breached.pk, due_on_complaint, "sup_south"),
        (K.COMPLAINT_OVERDUE, breached.pk, due_on_complaint, "kam_c"),
        (K.CONTRACT_RENEWAL, in_90.pk, in_90.ends_on - timedelta(days=90), "kam_a"),
        (K.CONTRACT_RENEWAL, in_30.pk, in_30.ends_on - timedelta(days=30), "kam_b"),
        (K.PLAN_AWAITING_APPROVAL, submitted.pk, today - timedelta(days=1), "sup_east"),
    }
    assert Visit.objects.count() == 2
    assert AccountPlan.objects.count() == 2
    return due


def sent(queryset=None):
    """The reminders sent so far, as (kind, subject id, due date, recipient username)."""
    from reminders.models import Reminder

    queryset = queryset if queryset is not None else Reminder.objects.all()
    return [
        (row.kind, row.subject_id, row.due_on, row.recipient.username)
        for row in queryset.select_related("recipient")
    ]


@pytest.fixture
def due(world):
    return build_due(world)
