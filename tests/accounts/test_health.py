"""Account health (健康度): the SQL engine against hand-computed scores, thresholds,
the settings and their refusals, daily snapshots, alerts, the account page and list,
the command and task, and a 20,000-account run in a fixed number of queries."""

import sys
import time
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import tasks
from accounts.choices import Attitude, ContactLevel
from accounts.health import services
from accounts.health.models import (
    DEFAULT_WEIGHTS,
    HealthChange,
    HealthSettings,
    HealthSnapshot,
)
from accounts.health.selectors import explain_health
from accounts.models import Account, Contact
from kam.choices import NotificationKind, Role
from kam.models import Notification, TeamMembership
from plans.models import PlanTarget
from tests.accounts.test_account_views import DETAIL_QUERIES, LIST_QUERIES
from tests.accounts.test_tiering import _bulk_accounts
from tests.factories import (
    AccountFactory,
    ActualFactory,
    ComplaintFactory,
    ContactFactory,
    PlanFactory,
    RiskEventFactory,
    SurveyFactory,
    TeamFactory,
    TeamMembershipFactory,
    UserFactory,
    VisitFactory,
)
from tests.utils import make_statistics_stale


def _d(value):
    return Decimal(str(value))


def _parts(account):
    snapshot = HealthSnapshot.objects.get(account=account, taken_on=timezone.localdate())
    return snapshot, {key: _d(part["score"]) for key, part in snapshot.components.items()}


@pytest.fixture
def owner(db):
    team = TeamFactory()
    kam = UserFactory(role=Role.ACCOUNT_MANAGER)
    TeamMembershipFactory(team=team, user=kam)
    return kam


@pytest.fixture
def busy(owner):
    """An account with something in every component; see test_components_match…"""
    now = timezone.now()
    today = timezone.localdate()
    months = today.month - 1
    account = AccountFactory(name="busy", owner=owner, tier="B")  # cadence 30 days
    boss = ContactFactory(
        account=account, level=ContactLevel.EXECUTIVE, attitude=Attitude.SUPPORTER
    )
    decider = ContactFactory(account=account, level=ContactLevel.DECISION)
    ContactFactory(account=account, level=ContactLevel.DECISION, has_left=True)
    visit = VisitFactory(account=account, occurred_at=now - timedelta(days=45))
    visit.contacts.set([boss, decider])
    VisitFactory(account=account, occurred_at=now - timedelta(days=5), archived_at=now)
    plan = PlanFactory(account=account, year=today.year, status="approved")
    for quarter in (1, 2, 3, 4):
        PlanTarget.objects.create(plan=plan, quarter=quarter, revenue=300)
    ActualFactory(account=account, year=today.year, month=1, revenue=50 * months)
    ActualFactory(account=account, year=today.year - 1, month=1, revenue=40 * months)
    ActualFactory(account=account, year=today.year - 1, month=12, revenue=10**6)  # not to date
    SurveyFactory(account=account, taken_on=today - timedelta(days=3), nps=7, csat=4)
    SurveyFactory(account=account, taken_on=today - timedelta(days=30), nps=0, csat=1)
    ComplaintFactory(account=account)  # open: −20
    ComplaintFactory(  # breached 10 days ago: −15
        account=account, status="closed", breached=True, received_at=now - timedelta(days=10)
    )
    ComplaintFactory(  # breached, but 100 days ago
        account=account, status="closed", breached=True, received_at=now - timedelta(days=100)
    )
    RiskEventFactory(account=account, level="high")  # −40
    RiskEventFactory(account=account, level="low", status="mitigating")  # −10
    RiskEventFactory(account=account, level="medium", status="closed")
    return account


# --- the engine -------------------------------------------------------------------------


def test_components_match_hand_computed_scores(busy, owner):
    if timezone.localdate().month == 1:
        pytest.skip("no complete month of this year yet")
    empty = AccountFactory(name="empty", owner=owner)
    drafted = AccountFactory(name="drafted", owner=owner, tier="A")
    plan = PlanFactory(account=drafted, year=timezone.localdate().year)  # a draft: ignored
    PlanTarget.objects.create(plan=plan, quarter=1, revenue=1000)
    archived = AccountFactory(name="gone", owner=owner, archived_at=timezone.now())

    run = services.health_check_run()
    assert run.checked == 3
    assert run.alerts == []
    assert run.notifications == []

    snapshot, parts = _parts(busy)
    assert parts == {
        "engagement": Decimal(50),  # 45 days against 30: 200 − 150
        "relationship": Decimal(75),  # a supporter 50 + one decision-maker met 25
        "commercial": Decimal(65),  # 0.7 × 50 % of plan + 0.3 × 100 (above last year)
        "satisfaction": Decimal("72.5"),  # (7 × 10 + (4 − 1) × 25) / 2
        "service": Decimal(65),  # 100 − 20 open − 15 breached
        "risk": Decimal(50),  # 100 − 40 high − 10 low
    }
    # 12.5 + 11.25 + 13 + 10.875 + 9.75 + 5 = 62.375
    assert snapshot.score == Decimal("62.38")
    assert snapshot.status == "amber"
    inputs = snapshot.components["commercial"]["inputs"]
    months = timezone.localdate().month - 1
    assert _d(inputs["target_to_date"]) == 100 * months
    assert _d(inputs["revenue_to_date"]) == 50 * months
    assert snapshot.components["engagement"]["inputs"]["days"] == 45
    assert {key: part["weight"] for key, part in snapshot.components.items()} == DEFAULT_WEIGHTS

    _, empty_parts = _parts(empty)
    assert empty_parts == {
        "engagement": 0,  # never visited
        "relationship": 0,
        "commercial": 50,  # no data: neutral
        "satisfaction": 50,
        "service": 100,
        "risk": 100,
    }
    snapshot, drafted_parts = _parts(drafted)
    assert drafted_parts["commercial"] == 50
    assert snapshot.score == Decimal("42.50")
    assert snapshot.status == "amber"
    assert not HealthSnapshot.objects.filter(account=archived).exists()

    busy.refresh_from_db()
    assert busy.health_score == Decimal("62.38")
    assert busy.health_status == "amber"
    assert busy.health_checked_at is not None
    assert not HealthChange.objects.exists()  # a first check is not a change


def test_engagement_scale_and_cadence_of_untiered(owner):
    now = timezone.now()
    expected = {}
    for days, tier, score in [
        (10, "A", 100),  # within 14
        (21, "A", 50),  # 200 − 150
        (28, "A", 0),  # twice the cadence
        (60, "", 100),  # no tier: tier D's 90 days
        (135, "", 50),
    ]:
        account = AccountFactory(owner=owner, tier=tier)
        VisitFactory(account=account, occurred_at=now - timedelta(days=days))
        expected[account.pk] = Decimal(score)
    services.health_check_run()
    got = {
        pk: _d(components["engagement"]["score"])
        for pk, components in HealthSnapshot.objects.values_list("account_id", "components")
    }
    assert got == expected


def test_thresholds_set_the_status(busy):
    services.health_check_run()
    admin = UserFactory(role=Role.ADMIN)
    services.health_settings_update(actor=admin, green_from=60, amber_from=30)
    services.health_check_run()
    busy.refresh_from_db()
    assert busy.health_status == "green"  # 62.38 ≥ 60
    services.health_settings_update(actor=admin, green_from=90, amber_from=70)
    services.health_check_run()
    busy.refresh_from_db()
    assert busy.health_status == "red"


def test_weights_change_the_score(busy):
    admin = UserFactory(role=Role.ADMIN)
    weights = {**dict.fromkeys(DEFAULT_WEIGHTS, 0), "satisfaction": 100}
    config = services.health_settings_update(actor=admin, weights=weights)
    assert config.updated_by == admin
    services.health_check_run()
    busy.refresh_from_db()
    assert busy.health_score == Decimal("72.50")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weights": {**DEFAULT_WEIGHTS, "risk": 11}}, "weights"),  # adds up to 101
        ({"weights": {"engagement": 100}}, "weights"),
        ({"weights": {**DEFAULT_WEIGHTS, "risk": "10"}}, "weights"),
        ({"weights": {**DEFAULT_WEIGHTS, "risk": -10, "service": 35}}, "weights"),
        ({"green_from": 40, "amber_from": 40}, "amber_from"),  # overlap
        ({"green_from": 30, "amber_from": 50}, "amber_from"),
        ({"green_from": 101}, "amber_from"),
        ({"amber_from": 0}, "amber_from"),
        ({"alert_drop": 0}, "alert_drop"),
        ({"alert_drop": "x"}, "alert_drop"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_saved(db, changes, field):
    admin = UserFactory(role=Role.ADMIN)
    with pytest.raises(ValidationError) as excinfo:
        services.health_settings_update(actor=admin, **changes)
    assert field in excinfo.value.message_dict
    assert HealthSettings.current().as_dict() == HealthSettings().as_dict()


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.SUPERVISOR, Role.EXECUTIVE])
def test_only_an_admin_changes_settings_or_starts_a_run(db, role):
    user = UserFactory(role=role)
    with pytest.raises(PermissionDenied):
        services.health_settings_update(actor=user, alert_drop=5)
    with pytest.raises(PermissionDenied):
        services.health_check_run(actor=user)
    assert services.health_check_run(actor=UserFactory(role=Role.ADMIN)).checked == 0


def test_a_rerun_on_the_same_day_replaces_the_snapshot(busy):
    services.health_check_run()
    first = HealthSnapshot.objects.get(account=busy)
    RiskEventFactory(account=busy, level="high")  # risk 50 → 10: −4 points
    services.health_check_run()
    again = HealthSnapshot.objects.get(account=busy)  # still one row for the day
    assert again.pk == first.pk
    assert again.score == Decimal("58.38")
    assert again.computed_at > first.computed_at
    # an earlier day's snapshot is kept for the trend
    HealthSnapshot.objects.filter(pk=again.pk).update(taken_on=timezone.localdate() - timedelta(1))
    services.health_check_run()
    assert HealthSnapshot.objects.filter(account=busy).count() == 2


# --- alerts -----------------------------------------------------------------------------


def _supervisor_of(owner):
    return TeamMembership.objects.select_related("team__supervisor").get(user=owner).team.supervisor


def test_turning_red_alerts_owner_and_supervisor_once(busy, owner):
    supervisor = _supervisor_of(owner)
    services.health_check_run()  # amber, first check: no alert
    admin = UserFactory(role=Role.ADMIN)
    services.health_settings_update(actor=admin, green_from=90, amber_from=70)
    run = services.health_check_run()
    assert [(a["id"], a["alert"]) for a in run.alerts] == [(busy.pk, "red")]
    notes = Notification.objects.filter(kind=NotificationKind.HEALTH_RED)
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted([owner.pk, supervisor.pk])
    assert "busy" in notes.first().message
    assert "red" in notes.first().message
    change = HealthChange.objects.get(account=busy)
    assert (change.old_status, change.new_status, change.alert) == ("amber", "red", "red")
    # again: still red, nobody is told twice
    assert services.health_check_run().alerts == []
    assert Notification.objects.filter(kind=NotificationKind.HEALTH_RED).count() == 2
    assert HealthChange.objects.count() == 1


def test_a_drop_larger_than_the_set_amount_alerts(busy, owner):
    services.health_check_run()
    # yesterday it looked far better: 62.38 is 27.62 points lower than 90
    Account.objects.filter(pk=busy.pk).update(health_score=90, health_status="green")
    run = services.health_check_run()
    assert [a["alert"] for a in run.alerts] == ["drop"]
    notes = Notification.objects.filter(kind=NotificationKind.HEALTH_DROPPED)
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted(
        [owner.pk, _supervisor_of(owner).pk]
    )
    note = notes.get(recipient=owner)
    assert "90" in note.message
    assert "62.38" in note.message
    change = HealthChange.objects.get()
    assert (change.old_status, change.new_status, change.alert) == ("green", "amber", "drop")


def test_a_small_drop_or_a_rise_does_not_alert(busy):
    """A drop of exactly the set amount (15) is not "more than" it."""
    services.health_check_run()
    Account.objects.filter(pk=busy.pk).update(health_score=Decimal("77.38"))  # drop of 15
    assert services.health_check_run().alerts == []
    Account.objects.filter(pk=busy.pk).update(health_score=20, health_status="red")
    assert services.health_check_run().alerts == []  # red → amber: logged, no alert
    change = HealthChange.objects.get()
    assert (change.old_status, change.new_status, change.alert) == ("red", "amber", "")
    assert not Notification.objects.exists()


# --- explanations, page, list, timeline -------------------------------------------------


def test_explanations_say_why(busy):
    services.health_check_run()
    lines = {line.key: line.explanation for line in explain_health(busy.health_snapshots.get())}
    assert lines["engagement"] == "Last visit 45 days ago: 15 days past the 30-day cadence."
    assert lines["relationship"] == (
        "An executive-level supporter; 1 decision-level contact met in 90 days."
    )
    assert lines["satisfaction"].endswith("NPS 7, CSAT 4.")
    assert lines["service"] == "1 open complaint(s); 1 breached in 90 days."
    assert lines["risk"] == "Open risk events: 1 high, 0 medium, 1 low."
    assert "50%" in lines["commercial"]


def test_account_page_shows_the_card_trend_and_timeline(
    client, busy, owner, django_assert_num_queries
):
    services.health_check_run()
    HealthSnapshot.objects.filter(account=busy).update(taken_on=timezone.localdate() - timedelta(1))
    Account.objects.filter(pk=busy.pk).update(health_score=20, health_status="red")
    services.health_check_run()
    client.force_login(owner)
    url = busy.get_absolute_url()
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(url)
    html = response.content.decode()
    assert 'id="health-card"' in html
    assert 'data-health="amber"' in html
    assert html.count("<rect ") == 2  # two days of trend
    assert "15 days past the 30-day cadence" in html
    assert "Health changed from At risk to Watch" in html
    assert "style=" not in html.split('id="health-card"')[1].split("</section>")[0]


def test_list_filters_by_health_in_a_fixed_number_of_queries(client, owner):
    client.force_login(owner)
    url = reverse("accounts:list")
    counts = []
    for rows in (3, 30):
        for index in range(len(counts) * 3, rows):
            AccountFactory(
                name=f"acct {index:02}", owner=owner, health_status="red", health_score=10
            )
            AccountFactory(
                name=f"fine {index:02}", owner=owner, health_status="green", health_score=90
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"health": "red"})
        counts.append(len(queries))
        names = [account.name for account in response.context["object_list"]]
        assert names
        assert all(name.startswith("acct") for name in names)
    assert counts == [LIST_QUERIES - 1] * 2  # no owner filter to check
    assert 'data-health="red"' in response.content.decode()
    response = client.get(url, {"ordering": "-health"})
    assert response.context["object_list"][0].health_status == "green"


# --- command, task, schedule ------------------------------------------------------------


def test_command_and_task_run_the_same_code(busy):
    out = StringIO()
    call_command("run_health_checks", stdout=out)
    assert "1 accounts checked (green: 0, amber: 1, red: 0), 0 alerts" in out.getvalue()
    assert tasks.health_check_run.apply().get() == 1
    assert tasks.health_check_run.acks_late
    assert HealthSnapshot.objects.count() == 1
    entry = settings.CELERY_BEAT_SCHEDULE["health-checks-nightly"]
    assert entry["task"] == "accounts.tasks.health_check_run"
    assert entry["schedule"].hour == {1}
    assert entry["schedule"].minute == {30}


# --- 20,000 accounts --------------------------------------------------------------------


def _measured_run():
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run = services.health_check_run()
        seconds = time.perf_counter() - started
    return run, len(queries), seconds


def _bulk_activity(ids):
    """A visit on most accounts, a survey on every third, an open complaint on every
    fifth and a high risk on every seventh, in four INSERT … SELECTs."""
    from tests.accounts.test_tiering import _insert_select

    account = connection.ops.quote_name(Account._meta.db_table)
    source = f"{account} a WHERE a.id = ANY(%(ids)s)"
    from accounts.models import Visit
    from accounts.service.models import Complaint, RiskEvent, Survey

    _insert_select(
        Visit,
        {
            "account_id": "a.id",
            "logged_by_id": "a.owner_id",
            "kind": "'onsite'",
            "occurred_at": "now() - make_interval(days => mod(a.id, 200)::int)",
            "summary": "'bulk'",
        },
        source + " AND mod(a.id, 10) <> 0",
        {"ids": ids},
    )
    _insert_select(
        Survey,
        {"account_id": "a.id", "recorded_by_id": "a.owner_id", "taken_on": "current_date",
         "nps": "mod(a.id, 11)", "csat": "1 + mod(a.id, 5)"},
        source + " AND mod(a.id, 3) = 0",
        {"ids": ids},
    )  # fmt: skip
    _insert_select(
        Complaint,
        {"account_id": "a.id", "owner_id": "a.owner_id", "created_by_id": "a.owner_id",
         "received_at": "now()", "response_due": "now() + interval '1 day'",
         "category": "'quality'", "severity": "'normal'", "status": "'open'",
         "channel": "'phone'"},
        source + " AND mod(a.id, 5) = 0",
        {"ids": ids},
    )  # fmt: skip
    _insert_select(
        RiskEvent,
        {"account_id": "a.id", "owner_id": "a.owner_id", "created_by_id": "a.owner_id",
         "type": "'credit'", "level": "'high'", "status": "'open'"},
        source + " AND mod(a.id, 7) = 0",
        {"ids": ids},
    )  # fmt: skip


def test_checking_20000_accounts_takes_a_fixed_number_of_queries(db, capsys):
    team = TeamFactory(supervisor=UserFactory(role=Role.SUPERVISOR))
    owners = [UserFactory(role=Role.ACCOUNT_MANAGER) for _ in range(10)]
    for owner in owners:
        TeamMembershipFactory(team=team, user=owner)
    HealthSettings.current()

    small = _bulk_accounts(owners, 1, 10)
    _bulk_activity(small)
    small_run, small_queries, _ = _measured_run()
    assert small_run.checked == 10
    Account.objects.filter(pk__in=small).update(archived_at=timezone.now())

    setup = time.perf_counter()
    ids = _bulk_accounts(owners, 11, 20_010)
    _bulk_activity(ids)
    setup = time.perf_counter() - setup
    assert len(ids) == 20_000
    assert make_statistics_stale("accounts", "plans") > 10  # the planner's worst case
    run, queries, seconds = _measured_run()
    # the next night things look worse: every account alerts (turned red or dropped)
    Account.objects.filter(pk__in=ids).update(health_score=100, health_status="green")
    rerun, requeries, reseconds = _measured_run()
    report = (
        f"20,000 accounts: set up in {setup:.2f} s; first check {seconds:.2f} s in {queries} "
        f"queries; re-check with {len(rerun.alerts)} alerts and "
        f"{len(rerun.notifications)} notifications {reseconds:.2f} s in {requeries} "
        f"queries; 10 accounts: {small_queries} queries"
    )
    with capsys.disabled():
        sys.stdout.write(f"\n{report}\n")

    assert run.checked == rerun.checked == 20_000, report
    today = timezone.localdate()
    assert HealthSnapshot.objects.filter(taken_on=today, account_id__in=ids).count() == 20_000
    statuses = set(Account.objects.filter(pk__in=ids).values_list("health_status", flat=True))
    assert statuses >= {"amber", "red"}, statuses
    assert len(rerun.alerts) == 20_000, report
    assert len(rerun.notifications) == 40_000, report  # owner and supervisor
    assert queries == small_queries, report
    assert queries <= 7, (
        report
    )  # savepoint, lock, plan, settings, insert, update, release (the cadences are SQL)
    # two reads, 40 inserts of 1,000 rows, and one for the webhooks' outbox (integrations)
    assert requeries == queries + 2 + 40 + 1, report
    assert seconds < 20, report
    assert reseconds < 30, report
    assert Contact.objects.filter(account_id__in=ids).exists()


# --- the settings page ------------------------------------------------------------------


def test_admin_edits_the_settings_on_a_page(client, db):
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)
    url = reverse("accounts:health-settings")
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="health-settings-form"' in page.content.decode()
    data = {f"weight_{key}": value for key, value in DEFAULT_WEIGHTS.items()}
    data.update(green_from=75, amber_from=45, alert_drop=10)
    response = client.post(url, {**data, "weight_risk": 20})  # adds up to 110
    assert response.status_code == 200
    assert "add up to 100; they add up to 110" in response.content.decode()
    response = client.post(url, {**data, "green_from": 45})  # overlaps amber
    assert "Overlapping thresholds" in response.content.decode()
    assert HealthSettings.current().green_from == 70  # nothing saved
    response = client.post(url, data)
    assert response.status_code == 302
    config = HealthSettings.current()
    assert (config.green_from, config.amber_from, config.alert_drop) == (75, 45, 10)


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.SUPERVISOR, Role.EXECUTIVE])
def test_only_admins_open_the_settings_page(client, db, role):
    client.force_login(UserFactory(role=role))
    url = reverse("accounts:health-settings")
    assert client.get(url).status_code == 404
    assert client.post(url, {"green_from": 1}).status_code == 404
