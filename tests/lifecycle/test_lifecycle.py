"""The account lifecycle on hand-placed data: each rule moves a stage once (on the
timeline, in the history, notified once), a second run moves nothing, an override holds,
a fixed number of statements, and the customer lifetime value hand-computed and equal on
the account page, in the report and in the API.

Rules in force: the defaults (red for 30 days, silent for 12 months, mature after 12
months with actuals)."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import AccountStatus as S
from accounts.health.models import HealthAlert, HealthChange, HealthStatus
from accounts.models import Account
from accounts.selectors import account_timeline
from audit.models import AccountEvent
from kam.choices import NotificationKind
from kam.models import Notification
from lifecycle.engine import run
from lifecycle.models import LifecycleMove, LifecycleOverride, MoveRule
from opportunities.choices import ContractStatus, OpportunityType
from plans.choices import PlanStatus
from plans.lifetime import with_lifetime_value
from plans.models import PlanTarget
from tests.browser_forms import page_forms
from tests.factories import (
    AccountFactory,
    ActualFactory,
    ContractFactory,
    OpportunityFactory,
    PlanFactory,
    default_stages,
)

TODAY = timezone.localdate()
YEAR = TODAY.year


def _months_back(n):
    """(year, month) ``n`` months before this month."""
    number = YEAR * 12 + TODAY.month - 1 - n
    return divmod(number, 12)[0], divmod(number, 12)[1] + 1


def _red_since(account, days):
    Account.objects.filter(pk=account.pk).update(health_status=HealthStatus.RED)
    HealthChange.objects.create(
        account=account, changed_at=timezone.now() - timedelta(days=days),
        old_status=HealthStatus.AMBER, new_status=HealthStatus.RED, old_score=60, new_score=30,
        alert=HealthAlert.TURNED_RED,
    )  # fmt: skip


def _stages(world):
    return dict(Account.objects.values_list("name", "status"))


def _notes():
    rows = Notification.objects.filter(kind=NotificationKind.LIFECYCLE_MOVED)
    return sorted(rows.values_list("account__name", "recipient__username"))


@pytest.fixture
def placed(world):
    """One account per rule, each owned by kam_a, kam_b or kam_c."""
    kam_a, kam_b, kam_c = (world.user(n) for n in ("kam_a", "kam_b", "kam_c"))
    acme, globex, initech = (world.accounts[n] for n in ("acme", "globex", "initech"))
    # a prospect with its first actual -> developing
    Account.objects.filter(pk=acme.pk).update(status=S.PROSPECT)
    ActualFactory(account=acme, year=YEAR, month=1, gross_profit=1000)
    # a prospect with its first signed contract -> developing
    signed = AccountFactory(name="signed", owner=kam_a, status=S.PROSPECT)
    ContractFactory(account=signed, status=ContractStatus.SIGNED)
    # a prospect with a draft contract only stays a prospect
    draft = AccountFactory(name="draft", owner=kam_a, status=S.PROSPECT)
    ContractFactory(account=draft, status=ContractStatus.DRAFT)
    # red for 31 days -> at risk; red for 10 days: not yet
    _red_since(globex, 31)
    recent_red = AccountFactory(name="recent-red", owner=kam_b)
    _red_since(recent_red, 10)
    # created 13 months ago, no actuals, no visits -> dormant
    Account.objects.filter(pk=initech.pk).update(created_at=timezone.now() - timedelta(days=400))
    # a lost renewal -> lost
    renewing = AccountFactory(name="renewing", owner=kam_c)
    OpportunityFactory(
        account=renewing, type=OpportunityType.RENEWAL, stage=default_stages()["Lost"],
        probability=0,
    )  # fmt: skip
    # 12 months with actuals -> mature (11: still developing)
    mature = AccountFactory(name="steady", owner=kam_c)
    for n in range(12):
        ActualFactory(account=mature, year=_months_back(n)[0], month=_months_back(n)[1])
    young = AccountFactory(name="young", owner=kam_c)
    for n in range(11):
        ActualFactory(account=young, year=_months_back(n)[0], month=_months_back(n)[1])
    return world


def test_each_rule_moves_a_stage_once(placed):
    world = placed
    result = run()
    assert result == {"moved": 6, "notified": 6}
    assert _stages(world) == {
        "acme": S.DEVELOPING, "signed": S.DEVELOPING, "draft": S.PROSPECT,
        "globex": S.AT_RISK, "recent-red": S.DEVELOPING, "initech": S.DORMANT,
        "renewing": S.LOST, "steady": S.MATURE, "young": S.DEVELOPING,
    }  # fmt: skip
    moves = {
        m.account.name: (m.from_stage, m.to_stage, m.rule, m.moved_by)
        for m in LifecycleMove.objects.select_related("account")
    }
    assert moves == {
        "acme": (S.PROSPECT, S.DEVELOPING, MoveRule.FIRST_BUSINESS, None),
        "signed": (S.PROSPECT, S.DEVELOPING, MoveRule.FIRST_BUSINESS, None),
        "globex": (S.DEVELOPING, S.AT_RISK, MoveRule.HEALTH_RED, None),
        "initech": (S.DEVELOPING, S.DORMANT, MoveRule.SILENT, None),
        "renewing": (S.DEVELOPING, S.LOST, MoveRule.LOST_RENEWAL, None),
        "steady": (S.DEVELOPING, S.MATURE, MoveRule.SUSTAINED, None),
    }
    # notified once each, to the owner
    assert _notes() == [
        ("acme", "kam_a"), ("globex", "kam_b"), ("initech", "kam_c"), ("renewing", "kam_c"),
        ("signed", "kam_a"), ("steady", "kam_c"),
    ]  # fmt: skip
    note = Notification.objects.get(kind=NotificationKind.LIFECYCLE_MOVED, account__name="globex")
    assert note.message == "globex moved from Developing to At risk: health red for too long."
    assert note.url == world.accounts["globex"].get_absolute_url()
    # on the timeline and in the history
    events = account_timeline(account=world.accounts["globex"])
    assert [e.obj.to_stage for e in events if e.kind == "lifecycle_move"] == [S.AT_RISK]
    history = AccountEvent.objects.filter(pgh_obj_id=world.accounts["globex"].pk)
    assert list(history.order_by("pgh_id").values_list("status", flat=True)) == [
        S.DEVELOPING,
        S.AT_RISK,  # created, moved
    ]
    # a second run moves nothing
    assert run() == {"moved": 0, "notified": 0}
    assert LifecycleMove.objects.count() == 6
    assert len(_notes()) == 6


def test_recovery_and_renewal_won_after_the_loss(world):
    globex = world.accounts["globex"]
    Account.objects.filter(pk=globex.pk).update(status=S.AT_RISK, health_status=HealthStatus.GREEN)
    renewing = AccountFactory(name="renewing", owner=world.user("kam_a"))
    stages = default_stages()
    OpportunityFactory(
        account=renewing, type=OpportunityType.RENEWAL, stage=stages["Lost"], probability=0,
        stage_entered_at=timezone.now() - timedelta(days=400),
    )  # fmt: skip
    OpportunityFactory(account=renewing, type=OpportunityType.RENEWAL, stage=stages["Won"])
    assert run()["moved"] == 1
    move = LifecycleMove.objects.get()
    assert (move.account, move.to_stage, move.rule) == (globex, S.DEVELOPING, MoveRule.RECOVERED)
    assert _stages(world)["renewing"] == S.DEVELOPING


def _override_form(client, account):
    html = client.get(reverse("lifecycle:override", args=[account.pk])).content.decode()
    return next(f for f in page_forms(html, method="post") if f.id == "lifecycle-override-form")


def test_an_override_holds_until_lifted(client, world):
    globex = world.accounts["globex"]
    _red_since(globex, 40)
    client.force_login(world.user("sup_east"))
    # the account page links to the form
    page = client.get(globex.get_absolute_url()).content.decode()
    assert reverse("lifecycle:override", args=[globex.pk]) in page
    form = _override_form(client, globex)
    chosen = {"stage": S.MATURE, "reason": "Long-standing partner, red on a one-off"}
    response = client.post(
        reverse("lifecycle:override", args=[globex.pk]), dict(form.entries(**chosen))
    )
    assert response.status_code == 302
    globex.refresh_from_db()
    assert globex.status == S.MATURE
    move = LifecycleMove.objects.get()
    assert (move.to_stage, move.rule, move.moved_by, move.reason) == (
        S.MATURE, MoveRule.OVERRIDE, world.user("sup_east"), chosen["reason"],
    )  # fmt: skip
    assert _notes() == [("globex", "kam_b")]
    # the rule (red for 40 days) does not move it while the override holds
    assert run()["moved"] == 0
    globex.refresh_from_db()
    assert globex.status == S.MATURE
    # a reason is required; an end date in the past is refused
    bad = client.post(
        reverse("lifecycle:override", args=[globex.pk]),
        dict(form.entries(stage=S.LOST, reason="", until="2000-01-01")),
    )
    assert bad.status_code == 400
    # lifted: the next run moves it
    response = client.post(reverse("lifecycle:override", args=[globex.pk]), {"lift": "1"})
    assert response.status_code == 302
    assert LifecycleOverride.objects.holding().count() == 0
    assert run()["moved"] == 1
    globex.refresh_from_db()
    assert globex.status == S.AT_RISK
    assert len(_notes()) == 2
    # a KAM may not override
    client.force_login(world.user("kam_b"))
    assert client.get(reverse("lifecycle:override", args=[globex.pk])).status_code == 404


def test_an_override_expires(world):
    globex = world.accounts["globex"]
    _red_since(globex, 40)
    LifecycleOverride.objects.create(
        account=globex, stage=S.DEVELOPING, reason="until yesterday",
        until=TODAY - timedelta(days=1), created_by=world.user("ops"),
    )  # fmt: skip
    assert run()["moved"] == 1


@pytest.mark.parametrize("count", [3, 30])
def test_the_run_takes_a_fixed_number_of_statements(world, django_assert_num_queries, count):
    for n in range(count):
        account = AccountFactory(name=f"p{n}", owner=world.user("kam_a"), status=S.PROSPECT)
        ActualFactory(account=account, year=YEAR, month=1)
    with django_assert_num_queries(2):  # the rules in force, the move
        result = run()
    assert result == {"moved": count, "notified": count}


def test_lifetime_value_hand_computed(db):
    account = AccountFactory(name="valued")
    ActualFactory(account=account, year=YEAR - 1, month=12, gross_profit=Decimal("1000.50"))
    ActualFactory(account=account, year=YEAR, month=1, gross_profit=Decimal("2500"))
    plan = PlanFactory(account=account, year=YEAR, status=PlanStatus.APPROVED)
    for quarter in (1, 2, 3, 4):
        PlanTarget.objects.create(plan=plan, quarter=quarter, revenue=30000, gross_margin=20)
    # a draft plan of another account counts nothing
    other = AccountFactory(name="draft-plan")
    draft = PlanFactory(account=other, year=YEAR, status=PlanStatus.DRAFT)
    PlanTarget.objects.create(plan=draft, quarter=4, revenue=30000, gross_margin=20)
    # on 10 February: Q1's March (30,000 x 20 % / 3 = 2,000) and Q2-Q4 (6,000 each)
    rows = {
        a.name: (a.profit_to_date, a.plan_remaining, a.lifetime_value)
        for a in with_lifetime_value(Account.objects.all(), today=date(YEAR, 2, 10))
    }
    assert rows == {
        "valued": (Decimal("3500.50"), Decimal("20000.00"), Decimal("23500.50")),
        "draft-plan": (Decimal("0"), Decimal("0"), Decimal("0")),
    }
    # on 20 November: December only (30,000 x 20 % / 3)
    row = with_lifetime_value(Account.objects.filter(pk=account.pk), today=date(YEAR, 11, 20))
    assert row.get().lifetime_value == Decimal("5500.50")


def _money(text):
    return Decimal(text.strip().replace(",", ""))


def test_lifetime_value_equal_on_page_report_and_api(client, world):
    acme = world.accounts["acme"]
    ActualFactory(account=acme, year=YEAR - 1, month=12, gross_profit=Decimal("1000.50"))
    ActualFactory(account=acme, year=YEAR, month=1, gross_profit=Decimal("2500"))
    plan = PlanFactory(account=acme, year=YEAR, status=PlanStatus.APPROVED)
    PlanTarget.objects.create(plan=plan, quarter=4, revenue=30000, gross_margin=20)
    # this month's remaining months of Q4, as the definition counts them
    remaining = Decimal(30000 * 20 / 100 * max(0, min(3, 12 - TODAY.month)) / 3).quantize(
        Decimal("0.01")
    )
    expected = Decimal("3500.50") + remaining
    client.force_login(world.user("sup_east"))
    page = client.get(acme.get_absolute_url()).content.decode()
    on_page = re.search(r"data-lifetime-value>([^<]+)<", page).group(1)
    report = client.get(reverse("lifecycle:report")).content.decode()
    in_report = re.search(
        rf'data-account="{acme.pk}">.*?data-lifetime-value>([^<]+)<', report, re.S
    ).group(1)
    team_row = re.search(
        rf'data-team="{world.teams["East"].pk}">.*?data-lifetime-value>([^<]+)<', report, re.S
    ).group(1)
    api = client.get(reverse("api:lifecycle-detail", args=[acme.pk])).json()
    assert _money(on_page) == _money(in_report) == _money(team_row) == Decimal(
        api["lifetime_value"]
    ) == expected  # fmt: skip
    assert api["stage"] == S.DEVELOPING
    assert api["last_move"] is None


def test_api_override_and_its_error_shape(api_client, world):
    acme = world.accounts["acme"]
    api_client.force_authenticate(world.user("sup_east"))
    url = reverse("api:lifecycle-override", args=[acme.pk])
    bad = api_client.post(url, {"stage": S.LOST}, format="json")
    assert bad.status_code == 400
    assert "reason" in str(bad.json())
    ok = api_client.post(url, {"stage": S.LOST, "reason": "Plant closed"}, format="json")
    assert ok.status_code == 200
    body = ok.json()
    assert body["stage"] == S.LOST
    assert (body["last_move"]["to_stage"], body["last_move"]["rule"]) == (S.LOST, "override")
    assert body["override"]["reason"] == "Plant closed"
    lifted = api_client.post(url, {"lift": True}, format="json")
    assert lifted.status_code == 200
    assert lifted.json()["override"] is None
    api_client.force_authenticate(world.user("kam_a"))
    assert api_client.post(url, {"lift": True}, format="json").status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_the_report_and_the_api_list_take_fixed_queries(
    client, world, django_assert_num_queries, count
):
    for n in range(count):
        account = AccountFactory(name=f"v{n}", owner=world.user("kam_a"))
        ActualFactory(account=account, year=YEAR, month=1, gross_profit=100)
        LifecycleMove.objects.create(
            account=account, from_stage=S.PROSPECT, to_stage=S.DEVELOPING,
            rule=MoveRule.FIRST_BUSINESS, moved_at=timezone.now(),
        )  # fmt: skip
    client.force_login(world.user("exec"))
    with django_assert_num_queries(7):
        assert client.get(reverse("lifecycle:report")).status_code == 200
    with django_assert_num_queries(6):
        assert client.get(reverse("api:lifecycle-list") + "?page_size=100").status_code == 200


def test_rules_page_versions(client, world):
    client.force_login(world.user("ops"))
    html = client.get(reverse("lifecycle:rules")).content.decode()
    assert "health has been red for 30 days" in html
    form = next(f for f in page_forms(html, method="post") if f.id == "lifecycle-rules-form")
    response = client.post(
        reverse("lifecycle:rules"), dict(form.entries(red_days="45", note="Slower trigger"))
    )
    assert response.status_code == 302
    html = client.get(reverse("lifecycle:rules")).content.decode()
    assert "health has been red for 45 days" in html
    assert 'data-version="1"' in html
    client.force_login(world.user("sup_east"))
    assert client.get(reverse("lifecycle:rules")).status_code == 404
