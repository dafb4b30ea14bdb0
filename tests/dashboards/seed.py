"""A small seeded team whose dashboard figures are known by heart.

On top of ``world`` (East: kam_a, kam_b led by sup_east; South: kam_c led by sup_south):

    acme    kam_a  tier A (14 days), red;   visits 5 and 40 days ago; revisit 2 days overdue
    hooli   kam_a  no tier (90 days), amber; created 100 days ago, never visited -> past cadence
    globex  kam_b  tier B (30 days), green; visit 35 days ago, revisit today -> past cadence
    initech kam_c  tier A, red; visit today; revisit 3 days overdue (South: never in East's figures)

    opportunities: acme Proposal 100,000 (50% -> 50,000 weighted), acme Won 40,000 this
    quarter, globex Qualify 200,000 (10% -> 20,000), initech Negotiation 999,000
    plans: acme and globex 300 a quarter this year; actuals this month acme 150, globex 600
    complaints: acme breached, globex answered on time, initech breached
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Account
from plans.models import PlanTarget
from tests.factories import (
    AccountFactory,
    ActionItemFactory,
    ActualFactory,
    ComplaintFactory,
    ContractFactory,
    OpportunityFactory,
    PlanFactory,
    ProductLineFactory,
    VisitFactory,
    default_stages,
)


def _days_ago(days):
    return timezone.now() - timedelta(days=days)


def seed_team(world):
    today = timezone.localdate()
    kam_a, kam_b, kam_c = world.user("kam_a"), world.user("kam_b"), world.user("kam_c")
    acme, globex, initech = (world.accounts[name] for name in ("acme", "globex", "initech"))
    hooli = AccountFactory(name="hooli", owner=kam_a)
    world.accounts["hooli"] = hooli
    Account.objects.filter(pk=acme.pk).update(tier="A", health_status="red", health_score=30)
    Account.objects.filter(pk=hooli.pk).update(
        tier="", health_status="amber", health_score=55,
        created_at=timezone.now() - timedelta(days=100),  # never visited: due from creation
    )  # fmt: skip
    Account.objects.filter(pk=globex.pk).update(tier="B", health_status="green", health_score=80)
    # no complete month of actuals yet: the Pareto reads the estimates
    Account.objects.filter(pk=acme.pk).update(annual_revenue_estimate=Decimal(1000))
    Account.objects.filter(pk=globex.pk).update(annual_revenue_estimate=Decimal(5000))
    Account.objects.filter(pk=initech.pk).update(tier="A", health_status="red", health_score=20)

    VisitFactory(account=acme, logged_by=kam_a, occurred_at=_days_ago(40), summary="acme-old")
    VisitFactory(
        account=acme, logged_by=kam_a, occurred_at=_days_ago(5), summary="acme-recent",
        next_visit_on=today - timedelta(days=2), next_visit_owner=kam_a,
    )  # fmt: skip
    VisitFactory(
        account=globex, logged_by=kam_b, occurred_at=_days_ago(35), summary="globex-visit",
        next_visit_on=today, next_visit_owner=kam_b,
    )  # fmt: skip
    VisitFactory(
        account=initech, logged_by=kam_c, occurred_at=timezone.now(), summary="initech-visit",
        next_visit_on=today - timedelta(days=3), next_visit_owner=kam_c,
    )  # fmt: skip

    stages = default_stages()
    line = ProductLineFactory(name="line-x", code="line-x")
    OpportunityFactory(
        account=acme, name="acme-proposal", stage=stages["Proposal"], amount=Decimal(100000),
        product_line=line,
    )  # fmt: skip
    OpportunityFactory(
        account=acme, name="acme-won", stage=stages["Won"], amount=Decimal(40000),
        closed_on=today, product_line=line,
    )  # fmt: skip
    OpportunityFactory(
        account=globex, name="globex-qualify", stage=stages["Qualify"], amount=Decimal(200000),
        product_line=line,
    )  # fmt: skip
    OpportunityFactory(
        account=initech, name="initech-negotiation", stage=stages["Negotiation"],
        amount=Decimal(999000), product_line=line,
    )  # fmt: skip

    for account, revenue in ((acme, 150), (globex, 600)):
        plan = PlanFactory(account=account, year=today.year)
        for quarter in (1, 2, 3, 4):
            PlanTarget.objects.create(plan=plan, quarter=quarter, revenue=Decimal(300))
        ActualFactory(account=account, year=today.year, month=today.month, revenue=revenue)
    ActionItemFactory(plan=PlanFactory(account=hooli, year=today.year), title="hooli-action")

    ComplaintFactory(
        account=acme, description="acme-breached", received_at=_days_ago(3),
        response_due=_days_ago(2), breached=True,
    )  # fmt: skip
    ComplaintFactory(
        account=globex, description="globex-ok", received_at=_days_ago(3),
        response_due=_days_ago(2), first_response_at=_days_ago(2.5), status="responded",
    )  # fmt: skip
    ComplaintFactory(
        account=initech, description="initech-breached", received_at=_days_ago(3),
        response_due=_days_ago(2), breached=True,
    )  # fmt: skip
    ContractFactory(account=acme, number="HT-acme", status="active",
                    ends_on=today + timedelta(days=30))  # fmt: skip
    return world
