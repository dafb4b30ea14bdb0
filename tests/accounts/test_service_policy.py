"""The tier service policy and executive-to-executive meetings, on hand-computed cases.

The world's acme (kam_a, team East led by sup_east) is made tier A; sup_east is its
executive sponsor. The policy saved in ``policy`` asks of tier A: no plan, no sponsor, no
contact level, 1 executive meeting a year, first response within 4 hours; tiers B–D ask
nothing (response 24 hours). Each test switches on the rule it checks.
"""

import importlib
from datetime import datetime, timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import AccountTeamRole, ContactLevel, VisitKind
from accounts.health.models import HealthSnapshot
from accounts.health.services import health_check_run
from accounts.models import Account, Visit
from accounts.policy.models import FIELDS, ServicePolicy, TierPolicy
from accounts.policy.selectors import account_policy_card
from accounts.policy.services import service_policy_change
from accounts.service.models import ServiceSettings
from accounts.service.services import complaint_record
from accounts.tiering.models import TierScore
from accounts.tiering.services import accounts_score
from dashboards import selectors as dashboards
from kam.choices import NotificationKind
from kam.models import Notification
from performance import selectors as performance
from reminders.services import reminders_sweep
from tests.browser_forms import page_forms
from tests.factories import (
    AccountFactory,
    AccountTeamMemberFactory,
    ContactFactory,
    PlanFactory,
    VisitFactory,
)

TODAY = timezone.localdate()
NOTHING = {"response_hours": None, "plan_required": False, "sponsor_required": False,
           "contact_levels": [], "contact_within_days": 90, "executive_meetings": 0,
           "credit_review_months": 12}  # fmt: skip


def _save(world, **tier_a):
    tiers = {tier: dict(NOTHING) for tier in "ABCD"}
    tiers["A"].update({"response_hours": 4, "executive_meetings": 1, **tier_a})
    return service_policy_change(actor=world.user("ops"), tiers=tiers, note="test")


@pytest.fixture
def acme(world):
    acme = world.accounts["acme"]
    Account.objects.filter(pk=acme.pk).update(tier="A")
    acme.refresh_from_db()
    AccountTeamMemberFactory(
        account=acme, user=world.user("sup_east"), role=AccountTeamRole.EXECUTIVE_SPONSOR
    )
    _save(world)
    return acme


def _meeting(account, *, by, colleagues=(), days_ago=1):
    visit = VisitFactory(
        account=account, logged_by=by, kind=VisitKind.EXECUTIVE_MEETING,
        occurred_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip
    visit.colleagues.set(colleagues)
    return visit


def _shortfalls(account):
    return account_policy_card(account=account).shortfalls


def test_an_executive_meeting_counts_with_the_sponsor_only_and_is_reminded_once(world, acme):
    assert _shortfalls(acme) == ["executive_meetings"]
    for _ in range(2):
        reminders_sweep()
    notes = Notification.objects.filter(kind=NotificationKind.POLICY_EXECUTIVE_MEETINGS)
    assert [(n.recipient.username, n.account_id) for n in notes] == [("kam_a", acme.pk)]
    assert "0 executive meetings" in notes.get().message
    # the owner alone: not an executive-to-executive meeting
    visit = _meeting(acme, by=world.user("kam_a"), colleagues=[world.user("kam_b")])
    assert Visit.objects.executive_meetings().count() == 0
    assert _shortfalls(acme) == ["executive_meetings"]
    # the sponsor joins it: it counts, the shortfall clears
    visit.colleagues.add(world.user("sup_east"))
    assert list(Visit.objects.executive_meetings()) == [visit]
    card = account_policy_card(account=acme)
    assert (card.shortfalls, card.account.executive_meetings_this_year) == ([], 1)
    # a meeting the sponsor logged counts too; last year's does not
    _meeting(acme, by=world.user("sup_east"))
    _meeting(acme, by=world.user("sup_east"), days_ago=TODAY.timetuple().tm_yday + 1)
    assert account_policy_card(account=acme).account.executive_meetings_this_year == 2


def test_the_first_response_is_due_by_the_stricter_of_tier_and_severity(world, acme):
    ServiceSettings.objects.update_or_create(pk=1, defaults={"response_hours_critical": 2})
    received = datetime(TODAY.year, 1, 5, 9, 0, tzinfo=timezone.get_current_timezone())
    cases = [
        (acme, "normal", received + timedelta(hours=4)),  # tier A 4 h < normal 24 h
        (acme, "critical", received + timedelta(hours=2)),  # critical 2 h < tier A 4 h
        (world.accounts["globex"], "normal", received + timedelta(hours=24)),  # no tier: D 24
    ]
    for account, severity, due in cases:
        complaint = complaint_record(
            actor=world.user("sup_east") if account == acme else world.user("kam_b"),
            account=account, severity=severity, category="quality",
            description="late delivery", received_at=received,
        )  # fmt: skip
        assert complaint.response_due == due, (account.name, severity)


def test_contact_levels_not_met_within_the_window(world, acme):
    _save(world, contact_levels=["executive", "decision"], contact_within_days=90)
    boss = ContactFactory(account=acme, level=ContactLevel.EXECUTIVE)
    buyer = ContactFactory(account=acme, level=ContactLevel.DECISION)
    old = VisitFactory(account=acme, occurred_at=timezone.now() - timedelta(days=91))
    old.contacts.set([boss])
    recent = VisitFactory(account=acme, occurred_at=timezone.now() - timedelta(days=10))
    recent.contacts.set([buyer])
    card = account_policy_card(account=acme)
    assert "contacts" in card.shortfalls
    assert [str(level) for level in card.missing_levels] == ["Executive level"]
    # the executive met 89 days ago: covered
    Visit.objects.filter(pk=old.pk).update(occurred_at=timezone.now() - timedelta(days=89))
    assert "contacts" not in _shortfalls(acme)


def test_plan_and_sponsor_required(world, acme):
    _save(world, plan_required=True, sponsor_required=True, executive_meetings=0)
    assert _shortfalls(acme) == ["plan"]  # sup_east is the sponsor
    acme.team_members.all().delete()
    assert _shortfalls(acme) == ["plan", "sponsor"]
    PlanFactory(account=acme, year=TODAY.year)
    assert _shortfalls(acme) == ["sponsor"]


def test_my_day_and_the_team_dashboard_count_the_cards_shortfalls(world, acme):
    _save(world, plan_required=True)
    other = AccountFactory(name="umbrella", owner=world.user("kam_a"), tier="A")
    PlanFactory(account=other, year=TODAY.year)
    _meeting(other, by=world.user("kam_a"), colleagues=[world.user("sup_east")])
    AccountTeamMemberFactory(account=other, user=world.user("sup_east"),
                             role=AccountTeamRole.EXECUTIVE_SPONSOR)  # fmt: skip
    globex = world.accounts["globex"]
    cards = {a.name: len(_shortfalls(a)) for a in (acme, other, globex)}
    assert cards == {"acme": 2, "umbrella": 0, "globex": 0}
    day = dashboards.my_day(user=world.user("kam_a"))
    assert day["policy_shortfalls"] == 2
    period = dashboards.period_from({})
    team = dashboards.team_dashboard(user=world.user("sup_east"), team=world.teams["East"],
                                     period=period)  # fmt: skip
    assert (team["policy"]["shortfalls"], team["policy"]["no_meeting"]) == (2, 1)
    # the scorecard's executive-meeting measure over the year: 1 of 2 A accounts met (the
    # measures as their migration seeds them: a transactional test may have flushed them)
    importlib.import_module("performance.migrations.0002_default_measures_and_rule").seed(
        apps, None
    )
    year = performance.period_from({"year": str(TODAY.year), "quarter": ""})
    cards = performance.scorecards(user=world.user("sup_east"), kams=[world.user("kam_a")],
                                   period=year, team=world.teams["East"])  # fmt: skip
    assert cards[0].figure("executive_meetings").value == 50
    # the drill-down lists exactly acme
    client_rows = dashboards.link("accounts:policy-shortfalls", team=world.teams["East"].pk,
                                  no_meeting=1)  # fmt: skip
    assert team["policy"]["links"]["no_meeting"] == client_rows


def test_tiering_relationship_depth_reads_the_executive_meetings(world, acme):
    def relationship():
        run = accounts_score(actor=world.user("ops"))
        return TierScore.objects.get(run=run, account=acme).breakdown["relationship_depth"]

    # no cooperation years, no contacts: 0; + 10 per meeting with the sponsor this year
    assert relationship()["score"] == 0
    _meeting(acme, by=world.user("kam_a"))  # without the sponsor: no change
    assert relationship()["score"] == 0
    _meeting(acme, by=world.user("sup_east"))
    part = relationship()
    assert (part["score"], part["inputs"]["executive_meetings_this_year"]) == (10, 1)


def test_health_relationship_reads_the_executive_meetings(world, acme):
    def relationship():
        health_check_run()
        snapshot = HealthSnapshot.objects.get(account=acme, taken_on=TODAY)
        return snapshot.components["relationship"]

    assert relationship()["score"] == 0
    _meeting(acme, by=world.user("sup_east"))
    part = relationship()
    assert (part["score"], part["inputs"]["executive_meetings_this_year"]) == (25, 1)


def _post(client, url, **chosen):
    html = client.get(url).content.decode()
    form = next(f for f in page_forms(html, method="post") if f.id == "policy-form")
    data = {}
    for name, value in form.entries(**chosen):
        data.setdefault(name, []).append(value)
    return client.post(url, data)


def test_the_policy_page_saves_a_version_and_the_api_reads_it(client, api_client, world, acme):
    client.force_login(world.user("ops"))
    url = reverse("accounts:policy-edit")
    response = _post(client, url, A_executive_meetings="3", A_cadence_days="10",
                     note="more executive meetings")  # fmt: skip
    assert response.status_code == 302
    latest = ServicePolicy.objects.current()
    assert (latest.version, latest.note) == (2, "more executive meetings")
    row = TierPolicy.objects.get(policy=latest, tier="A")
    assert (row.executive_meetings, row.response_hours, row.contact_levels) == (3, 4, [])
    api_client.force_authenticate(world.user("kam_a"))
    body = api_client.get("/api/v1/service-policy/").json()
    assert body["version"] == 2
    assert set(body["tiers"]["A"]) == {"cadence_days", *FIELDS}
    assert (body["tiers"]["A"]["executive_meetings"], body["tiers"]["A"]["cadence_days"]) == (3, 10)
    # an account's shortfalls, and bad input
    listed = api_client.get("/api/v1/policy-shortfalls/", {"kind": "executive_meetings"})
    assert [row["name"] for row in listed.json()["results"]] == ["acme"]
    detail = api_client.get(f"/api/v1/policy-shortfalls/{acme.pk}/").json()
    assert (detail["shortfalls"], detail["executive_meetings_target"]) == (
        ["executive_meetings"],
        3,
    )
    bad = api_client.get("/api/v1/policy-shortfalls/", {"kind": "golf"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"kind"}
    # a KAM reads the policy and cannot change it
    client.force_login(world.user("kam_a"))
    page = client.get(reverse("accounts:policy")).content.decode()
    assert 'id="policy-table"' in page
    assert "policy-edit" not in page
    assert client.post(url, {"note": "x"}).status_code == 404
    # a bad value: the page again with the field's error, no new version
    client.force_login(world.user("ops"))
    assert _post(client, url, B_response_hours="0", note="x").status_code == 400
    assert ServicePolicy.objects.current().version == 2


def _grow(world, size):
    for index in range(Account.objects.filter(owner=world.user("kam_a")).count(), size):
        account = AccountFactory(name=f"a-{index:02}", owner=world.user("kam_a"), tier="A")
        _meeting(account, by=world.user("kam_a"))
        ContactFactory(account=account)


def _counts(client, api_client, world):
    counts = []
    for fetch, url in (
        (client, reverse("accounts:policy-shortfalls") + f"?team={world.teams['East'].pk}"),
        (client, reverse("dashboards:my-day")),
        (api_client, "/api/v1/policy-shortfalls/"),
    ):
        with CaptureQueriesContext(connection) as context:
            assert fetch.get(url).status_code == 200, url
        counts.append(len(context.captured_queries))
    with CaptureQueriesContext(connection) as context:
        reminders_sweep()
    return [*counts, len(context.captured_queries)]


def test_fixed_query_counts_for_3_and_30_accounts(client, api_client, world, acme):
    client.force_login(world.user("kam_a"))
    api_client.force_authenticate(world.user("kam_a"))
    _grow(world, 3)
    three = _counts(client, api_client, world)
    _grow(world, 30)
    assert _counts(client, api_client, world) == three
    assert (
        Notification.objects.filter(
            kind=NotificationKind.POLICY_EXECUTIVE_MEETINGS, recipient=world.user("kam_a")
        ).count()
        == 30
    )
