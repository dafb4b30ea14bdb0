"""The reads the dashboards added to the apps that own the data, and the filters added to
their FilterSets for the drill-down URLs."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from accounts.selectors import visits_per_week
from accounts.tiering.models import ScoringRun, TierScore
from dashboards.reports import REPORTS, filters_from
from opportunities.selectors import contracts_to_renew, pipeline_by_stage
from plans.selectors import team_attainment_by_quarter
from tests.dashboards.seed import seed_team
from tests.factories import AccountFactory, ContractFactory, VisitFactory


def test_past_cadence_counts_from_the_last_visit_and_the_tier(world):
    kam = world.user("kam_a")
    today = timezone.localdate()
    on_time = AccountFactory(name="on-time", owner=kam, tier="A")  # 14 days
    late = AccountFactory(name="late", owner=kam, tier="A")
    never = AccountFactory(name="never", owner=kam, tier="D")  # due 90 days after creation
    Account.objects.filter(pk=never.pk).update(created_at=timezone.now() - timedelta(days=95))
    AccountFactory(name="new", owner=kam, tier="A")  # never visited, created today: not due
    untiered = AccountFactory(name="untiered", owner=kam, tier="")  # counts as D: 90 days
    VisitFactory(account=on_time, occurred_at=timezone.now() - timedelta(days=14))
    VisitFactory(account=late, occurred_at=timezone.now() - timedelta(days=15))
    VisitFactory(account=untiered, occurred_at=timezone.now() - timedelta(days=89))
    archived_visit = VisitFactory(account=on_time, occurred_at=timezone.now())
    archived_visit.archived_at = timezone.now()
    archived_visit.save()
    names = ["on-time", "late", "never", "new", "untiered"]
    mine = Account.objects.filter(owner=kam, name__in=names)
    names = [account.name for account in mine.past_cadence(today=today)]
    assert names == ["never", "late"]  # the most overdue first


def test_past_cadence_filter_and_revisit_filters_on_the_lists(client, world):
    seed_team(world)
    client.force_login(world.user("sup_east"))
    kam_a = world.user("kam_a")
    page = client.get(reverse("accounts:list"), {"past_cadence": "true"}).content.decode()
    assert ">hooli<" in page
    assert ">globex<" in page
    assert ">acme<" not in page
    page = client.get(reverse("accounts:list"), {"past_cadence": "false"}).content.decode()
    assert ">acme<" in page
    assert ">hooli<" not in page
    visits = reverse("accounts:visit-list")
    due = client.get(visits, {"who": "all", "follow_up": "due"}).content.decode()
    assert "acme-recent" in due
    assert "globex-visit" in due  # due today
    overdue = client.get(visits, {"who": "all", "follow_up": "overdue"}).content.decode()
    assert "acme-recent" in overdue
    assert "globex-visit" not in overdue
    mine = client.get(visits, {"who": "all", "next_visit_owner": kam_a.pk}).content.decode()
    assert "acme-recent" in mine
    assert "globex-visit" not in mine
    complaints = reverse("accounts:complaint-list")
    owned = client.get(complaints, {"account_owner": world.user("kam_b").pk}).content.decode()
    assert "globex-ok" in owned
    assert "acme-breached" not in owned


def test_complaint_owner_filter_offers_only_visible_people(client, world):
    seed_team(world)
    client.force_login(world.user("kam_c"))
    page = client.get(reverse("accounts:complaint-list"), {"account_owner": world.user("kam_a").pk})
    assert "acme-breached" not in page.content.decode()


def test_pipeline_by_stage_and_renewals_follow_visibility(world):
    seed_team(world)
    kam_c = world.user("kam_c")
    stages = {row["stage"].name: row for row in pipeline_by_stage(user=kam_c)}
    assert stages["Negotiation"]["amount"] == Decimal("999000.00")
    assert stages["Negotiation"]["weighted"] == Decimal("749250.00")
    assert stages["Proposal"]["count"] == 0
    today = timezone.localdate()
    ContractFactory(account=world.accounts["acme"], number="HT-late", status="active",
                    ends_on=today + timedelta(days=91))  # fmt: skip
    ContractFactory(account=world.accounts["acme"], number="HT-draft", status="draft",
                    ends_on=today + timedelta(days=10))  # fmt: skip
    numbers = [c.number for c in contracts_to_renew(user=world.user("sup_east"), today=today)]
    assert numbers == ["HT-acme"]
    assert list(contracts_to_renew(user=kam_c, today=today)) == []


def test_team_attainment_by_quarter_and_visits_per_week(world):
    seed_team(world)
    today = timezone.localdate()
    sup = world.user("sup_east")
    quarters = team_attainment_by_quarter(user=sup, team=world.teams["East"], year=today.year)
    index = (today.month - 1) // 3
    assert quarters["actual"][index] == Decimal(750)
    assert sum(quarters["actual"]) == Decimal(750)
    assert quarters["target"] == [Decimal(600)] * 4
    south = team_attainment_by_quarter(user=sup, team=world.teams["South"], year=today.year)
    assert sum(south["actual"]) == 0  # not sup_east's to see
    weeks = visits_per_week(
        user=sup, loggers=[world.user("kam_a").pk], since=today - timedelta(weeks=11)
    )
    assert sum(week["count"] for week in weeks) == 2
    assert all(week["week"].weekday() == 0 for week in weeks)


def test_tier_movements_report_between_the_last_two_runs(world):
    ops = world.user("ops")
    now = timezone.now()
    old = ScoringRun.objects.create(started_at=now - timedelta(days=1), finished_at=now)
    new = ScoringRun.objects.create(started_at=now, finished_at=now)
    for name, before, after in (("acme", "B", "A"), ("globex", "A", "C"), ("initech", "C", "B")):
        account = world.accounts[name]
        TierScore.objects.create(run=old, account=account, tier=before, total=50, breakdown={})
        TierScore.objects.create(run=new, account=account, tier=after, total=50, breakdown={})
    report = REPORTS["tier-movements"]
    rows = report.rows(user=ops, filters=filters_from({}, ops))
    assert [(row["account"], row["old"], row["new"], row["direction"]) for row in rows] == [
        ("acme", "B", "A", "Up"), ("initech", "C", "B", "Up"), ("globex", "A", "C", "Down"),
    ]  # fmt: skip
    kam_c = world.user("kam_c")
    assert [row["account"] for row in report.rows(user=kam_c, filters=filters_from({}, kam_c))] == [
        "initech"
    ]
    east = filters_from({"team": world.teams["East"].pk}, ops)
    assert {row["account"] for row in report.rows(user=ops, filters=east)} == {"acme", "globex"}


def test_graded_and_health_checked_filters(client, world):
    seed_team(world)
    client.force_login(world.user("sup_east"))
    ungraded = client.get(reverse("accounts:list"), {"graded": "false"})
    assert [a.name for a in ungraded.context["paginator"].object_list] == ["hooli"]
    graded = client.get(reverse("accounts:list"), {"graded": "true"})
    assert sorted(a.name for a in graded.context["paginator"].object_list) == ["acme", "globex"]
    Account.objects.filter(name="globex").update(health_status="")
    unchecked = client.get(reverse("accounts:list"), {"health_checked": "false"})
    assert [a.name for a in unchecked.context["paginator"].object_list] == ["globex"]
