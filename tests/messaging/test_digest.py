"""The weekly digest: one e-mail per supervisor per ISO week, about what they see."""

from datetime import date, timedelta

import pytest
from django.utils import timezone, translation

from accounts.service.services import complaint_record
from dashboards.digest import supervisor_digest
from kam.models import Notification
from messaging.models import Delivery, DeliveryStatus, EmailPreference
from messaging.services import deliveries_send, digests_queue, iso_week
from plans.choices import PlanStatus
from tests.factories import PlanFactory, VisitFactory
from tests.messaging.sinks import SmtpSink


@pytest.fixture
def smtp(settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.SITE_URL = "https://kam.example.com"
        yield sink


@pytest.fixture
def digest_world(world):
    Notification.objects.update(created_at=timezone.now() - timedelta(days=7))
    accounts, users = world.accounts, world.users
    for name in ("acme", "initech"):  # East's acme and South's initech turn red
        account = accounts[name]
        account.health_status, account.health_score = "red", 31
        account.save(update_fields=["health_status", "health_score"])
    long_ago = timezone.localdate() - timedelta(days=10)
    for _ in range(2):
        VisitFactory(account=accounts["acme"], next_visit_on=long_ago)
    VisitFactory(
        account=accounts["globex"], next_visit_on=long_ago, next_visit_owner=users["kam_a"]
    )
    VisitFactory(account=accounts["globex"], next_visit_on=timezone.localdate() + timedelta(1))
    VisitFactory(account=accounts["initech"], next_visit_on=long_ago)
    late = complaint_record(
        actor=users["ops"], account=accounts["globex"], category="delivery",
        description="late pallets", received_at=timezone.now() - timedelta(days=3),
    )  # fmt: skip
    assert late.response_due < timezone.now()
    PlanFactory(account=accounts["acme"], year=2027, status=PlanStatus.SUBMITTED)
    PlanFactory(account=accounts["initech"], year=2027, status=PlanStatus.SUBMITTED)
    # only the digest is under test here: what the set-up notified is old news
    Notification.objects.update(created_at=timezone.now() - timedelta(days=7))
    return world


def test_digest_holds_only_what_the_supervisor_sees(digest_world, django_assert_num_queries):
    sup = digest_world.user("sup_east")
    with django_assert_num_queries(8):
        digest = supervisor_digest(actor=sup)
    assert [account.name for account in digest.red_accounts] == ["acme"]
    assert {(row.kam.username, row.count) for row in digest.overdue_revisits} == {("kam_a", 3)}
    assert [complaint.description for complaint in digest.breached_complaints] == ["late pallets"]
    assert [plan.account.name for plan in digest.plans_waiting] == ["acme"]
    south = supervisor_digest(actor=digest_world.user("sup_south"))
    assert [account.name for account in south.red_accounts] == ["initech"]
    assert south.breached_total == 0


def test_digest_query_count_does_not_grow(digest_world, django_assert_num_queries):
    accounts = digest_world.accounts
    for _ in range(10):
        VisitFactory(account=accounts["globex"], next_visit_on=date(2020, 1, 1))
        PlanFactory(account=accounts["acme"], year=2030 + _, status=PlanStatus.SUBMITTED)
    with django_assert_num_queries(8):
        digest = supervisor_digest(actor=digest_world.user("sup_east"))
    assert digest.plans_total == 11


def test_one_digest_per_supervisor_per_week_in_their_language(smtp, digest_world):
    sup_east = digest_world.user("sup_east")
    sup_east.language = "zh-hans"
    sup_east.save(update_fields=["language"])
    EmailPreference.objects.create(user=digest_world.user("sup_south"), weekly_digest=False)

    assert digests_queue() == 1
    assert digests_queue() == 0  # the same ISO week: nothing new
    run = deliveries_send()
    assert run.sent == 1
    deliveries_send(now=timezone.now() + timedelta(days=1))
    assert digests_queue() == 0
    [message] = smtp.messages
    assert message["To"] == "sup_east@example.com"
    week = iso_week(timezone.localdate())
    assert week in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    acme = digest_world.accounts["acme"]
    assert f"https://kam.example.com{acme.get_absolute_url()}" in text
    assert "late pallets" not in text  # complaints are listed by account, not by text
    assert "globex" in text
    assert "initech" not in text
    assert "initech" not in html
    with translation.override("zh-hans"):
        severity = str(digest_world.accounts["globex"].complaints.get().get_severity_display())
    assert severity in text
    delivery = Delivery.objects.get()
    assert (delivery.digest_week, delivery.status) == (week, DeliveryStatus.SENT)

    # next week: a new digest
    assert digests_queue(today=timezone.localdate() + timedelta(days=7)) == 1
