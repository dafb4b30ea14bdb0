"""The demo data a KA manager looks at first (`make run`, both DEMO_LANGs) holds together:
industries that match the names, visits on working days in working hours whose kind fits
their purpose, titles that match the contact's level, approved plans with their SWOT and
actions, lifecycle status that agrees with health, addresses in the company's region."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.choices import AccountStatus, Industry, VisitKind
from accounts.health.models import HealthStatus
from accounts.models import Account, Contact, Visit
from config.management.commands.seed_demo import NAMES, PEOPLE
from plans.choices import PlanStatus
from plans.models import AccountPlan

pytestmark = pytest.mark.django_db

#: words in a company's name and the industry they belong to
NAME_INDUSTRY = {
    "Telecom": Industry.TELECOM, "通信": Industry.TELECOM,
    "Automotive": Industry.AUTOMOTIVE, "汽车": Industry.AUTOMOTIVE,
    "Pharmaceuticals": Industry.HEALTHCARE, "制药": Industry.HEALTHCARE,
    "Medical": Industry.HEALTHCARE, "医疗": Industry.HEALTHCARE,
    "Semiconductors": Industry.ELECTRONICS, "半导体": Industry.ELECTRONICS,
    "Electronics": Industry.ELECTRONICS, "电子": Industry.ELECTRONICS,
    "Logistics": Industry.LOGISTICS, "物流": Industry.LOGISTICS,
    "Shipping": Industry.LOGISTICS, "航运": Industry.LOGISTICS,
    "Energy": Industry.ENERGY, "能源": Industry.ENERGY,
    "Construction": Industry.CONSTRUCTION, "建设": Industry.CONSTRUCTION,
    "Chemicals": Industry.CHEMICALS, "化工": Industry.CHEMICALS,
    "Retail": Industry.RETAIL, "零售": Industry.RETAIL,
}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_demo_data_holds_together(lang):
    call_command("seed_demo", lang=lang, verbosity=0)
    accounts = list(Account.objects.all())
    assert {account.name for account in accounts} == set(NAMES[lang]["companies"])
    for account in accounts:
        for word, industry in NAME_INDUSTRY.items():
            if word in account.name:
                assert account.industry == industry, account.name
        assert account.address, account.name
        assert account.industry != Industry.PUBLIC
    assert sum(account.latitude is not None for account in accounts) >= len(accounts) // 2

    visits = list(Visit.objects.all())
    assert len(visits) > 100
    for visit in visits:
        local = timezone.localtime(visit.occurred_at)
        assert local.weekday() < 5, visit
        assert 9 <= local.hour < 18, local
        if "lunch" in visit.purpose.lower() or "午餐" in visit.purpose:
            assert visit.kind == VisitKind.EXECUTIVE_MEETING
    assert not Visit.objects.filter(purpose__icontains="dinner").exists()

    titles = PEOPLE[lang]["titles"]
    for contact in Contact.objects.all():
        assert contact.title in titles[contact.level], (contact.title, contact.level)

    approved = list(AccountPlan.objects.filter(status=PlanStatus.APPROVED))
    assert len(approved) >= 3
    for plan in approved:
        for field in ("strengths", "weaknesses", "opportunities", "threats"):
            assert getattr(plan, field), (plan, field)
        assert plan.action_items.count() >= 2

    at_risk = Account.objects.filter(status=AccountStatus.AT_RISK)
    assert not at_risk.exclude(health_status=HealthStatus.RED).exists()
    red = Account.objects.filter(health_status=HealthStatus.RED)
    assert not red.filter(status__in=[AccountStatus.DEVELOPING, AccountStatus.MATURE]).exists()
