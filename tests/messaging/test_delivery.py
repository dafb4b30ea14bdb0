"""Delivery of notifications: e-mail through a real local SMTP server, team robots
through a local HTTP sink; queued once, sent once, retried with backoff."""

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from kam.choices import NotificationKind
from kam.models import Notification
from messaging.models import Delivery, DeliveryStatus, EmailPreference, TeamChannel
from messaging.notifications import notify, render_message
from messaging.services import deliveries_queue, deliveries_send
from tests.messaging.sinks import HttpSink, SmtpSink


@pytest.fixture
def smtp(settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = False
        settings.SITE_URL = "https://kam.example.com"
        yield sink


@pytest.fixture
def quiet_world(world):
    """The world with its one notification per role made too old to be delivered."""
    Notification.objects.update(created_at=timezone.now() - timedelta(days=7))
    return world


def _plan_approved(world, *recipients):
    return notify(
        recipients=[world.user(name) for name in recipients],
        kind=NotificationKind.PLAN_APPROVED,
        about=world.accounts["acme"],
        url=f"/plans/{world.accounts['acme'].pk}/",
        by="Sue East",
        year=2027,
        account="acme",
    )


def test_email_reaches_recipient_in_their_language(smtp, quiet_world):
    world = quiet_world
    kam_a = world.user("kam_a")
    kam_a.language = "zh-hans"
    kam_a.save(update_fields=["language"])
    [chinese] = _plan_approved(world, "kam_a")
    [english] = _plan_approved(world, "kam_b")

    run = deliveries_send()

    assert (run.queued, run.sent, run.failed) == (2, 2, 0)
    by_recipient = {message["To"]: message for message in smtp.messages}
    assert set(by_recipient) == {"kam_a@example.com", "kam_b@example.com"}
    with translation.override("zh-hans"):
        zh_text, zh_kind = render_message(chinese), str(chinese.get_kind_display())
    with translation.override("en"):
        en_text = render_message(english)
    assert zh_text != en_text  # the catalog really translates this message
    zh = by_recipient["kam_a@example.com"]
    assert zh_kind in zh["Subject"]
    assert zh_text in zh.get_body(("plain",)).get_content()
    assert zh_text in zh.get_body(("html",)).get_content()
    en = by_recipient["kam_b@example.com"]
    assert en["Subject"] == "[KAM] Account plan approved"
    body = en.get_body(("plain",)).get_content()
    assert "Sue East approved the 2027 plan of acme." in body
    assert f"https://kam.example.com/plans/{world.accounts['acme'].pk}/" in body
    assert "https://kam.example.com/notifications/preferences/" in body
    assert Delivery.objects.filter(status=DeliveryStatus.SENT, attempts=1).count() == 2


def test_a_sent_delivery_is_never_sent_again(smtp, quiet_world):
    _plan_approved(quiet_world, "kam_a")
    deliveries_send()
    deliveries_send()
    assert deliveries_queue() == 0  # the unique key: queued once
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(days=1))
    deliveries_send()  # a "sent" row is never due again
    assert len(smtp.messages) == 1
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_preferences_choose_the_kinds_sent_by_email(smtp, quiet_world):
    world = quiet_world
    EmailPreference.objects.create(user=world.user("kam_b"), kinds=[])
    _plan_approved(world, "kam_a", "kam_b")
    # off by default: a comment on a visit
    notify(recipients=[world.user("kam_a")], kind=NotificationKind.VISIT_COMMENTED,
           author="x", account="acme", excerpt="y")  # fmt: skip
    run = deliveries_send()
    assert run.sent == 1
    assert [message["To"] for message in smtp.messages] == ["kam_a@example.com"]


def test_old_notifications_and_users_without_email_get_no_mail(smtp, quiet_world):
    world = quiet_world
    [old] = _plan_approved(world, "kam_a")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    kam_b = world.user("kam_b")
    kam_b.email = ""
    kam_b.save(update_fields=["email"])
    _plan_approved(world, "kam_b")
    assert deliveries_send().queued == 0
    assert smtp.messages == []


def _channel(world, url, provider="wecom", **fields):
    return TeamChannel.objects.create(
        team=world.teams["East"], provider=provider, webhook_url=url,
        kinds=[NotificationKind.PLAN_APPROVED], **fields,
    )  # fmt: skip


def test_wecom_robot_gets_one_markdown_post_per_event(settings, quiet_world):
    world = quiet_world
    settings.SITE_URL = "https://kam.example.com"
    with HttpSink() as sink:
        _channel(world, f"{sink.url}/cgi-bin/webhook/send?key=abc")
        _plan_approved(world, "kam_a", "sup_east")  # one event, two recipients
        _plan_approved(world, "kam_c")  # South: not this team's channel
        deliveries_send()
        deliveries_send()
    assert len(sink.hits) == 1
    hit = sink.hits[0]
    assert hit.path == "/cgi-bin/webhook/send"
    assert hit.query == {"key": ["abc"]}
    assert set(hit.body) == {"msgtype", "markdown"}
    assert hit.body["msgtype"] == "markdown"
    content = hit.body["markdown"]["content"]
    assert content.startswith("**Account plan approved**\n")
    assert "Sue East approved the 2027 plan of acme." in content
    assert f"(https://kam.example.com/plans/{world.accounts['acme'].pk}/)" in content
    robot = Delivery.objects.get(team_channel__isnull=False)
    assert robot.status == DeliveryStatus.SENT


def test_dingtalk_robot_signs_with_the_secret(quiet_world):
    world = quiet_world
    secret = "SEC0123456789abcdef"
    with HttpSink() as sink:
        _channel(world, f"{sink.url}/robot/send?access_token=t0k", provider="dingtalk",
                 secret=secret, language="zh-hans")  # fmt: skip
        _plan_approved(world, "kam_b")
        before = int(timezone.now().timestamp() * 1000)
        deliveries_send()
    [hit] = sink.hits
    assert hit.body["msgtype"] == "markdown"
    assert set(hit.body["markdown"]) == {"title", "text"}
    with translation.override("zh-hans"):
        title = str(NotificationKind.PLAN_APPROVED.label)
    assert hit.body["markdown"]["title"] == title
    assert hit.query["access_token"] == ["t0k"]
    timestamp = hit.query["timestamp"][0]
    assert int(timestamp) >= before
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert hit.query["sign"] == [expected]  # parse_qs undid the URL encoding


def test_a_failing_robot_is_retried_with_backoff_then_sent_once(settings, quiet_world):
    world = quiet_world
    settings.MESSAGING_RETRY_BASE_SECONDS = 60
    with HttpSink(answers=[(500, {"oops": True}), (200, {"errcode": 0})]) as sink:
        _channel(world, f"{sink.url}/hook")
        _plan_approved(world, "kam_a")
        first = deliveries_send()
        delivery = Delivery.objects.get(team_channel__isnull=False)
        assert (first.retrying, delivery.status, delivery.attempts) == (1, "pending", 1)
        assert delivery.last_error.startswith("HTTP 500")
        wait = delivery.next_attempt_at - timezone.now()
        assert timedelta(seconds=50) < wait <= timedelta(seconds=60)
        assert deliveries_send().sent == 0  # not due yet
        later = timezone.now() + timedelta(minutes=2)
        assert deliveries_send(now=later).sent == 1
        deliveries_send(now=later + timedelta(days=1))
    assert len(sink.hits) == 2
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")


def test_errcode_in_a_200_body_is_a_failure_until_failed(settings, quiet_world, caplog):
    world = quiet_world
    settings.MESSAGING_MAX_ATTEMPTS = 3
    settings.MESSAGING_RETRY_BASE_SECONDS = 10
    with HttpSink(answers=[(200, {"errcode": 310000, "errmsg": "sign not match"})]) as sink:
        _channel(world, f"{sink.url}/hook")
        _plan_approved(world, "kam_a")
        now = timezone.now()
        for step in range(5):
            deliveries_send(now=now + timedelta(hours=step))
    assert len(sink.hits) == 3
    delivery = Delivery.objects.get(team_channel__isnull=False)
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert "310000" in delivery.last_error
    assert "failed for good" in caplog.text


def test_an_unreachable_smtp_server_is_retried(settings, quiet_world):
    from tests.messaging.sinks import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nobody listens
    settings.EMAIL_TIMEOUT = 2
    _plan_approved(quiet_world, "kam_a")
    run = deliveries_send()
    assert run.retrying == 1
    delivery = Delivery.objects.get()
    assert delivery.status == "pending"
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()


@pytest.mark.django_db(transaction=True)
def test_a_row_claimed_by_another_worker_is_skipped(quiet_world, smtp):
    """SELECT … FOR UPDATE SKIP LOCKED: while one worker holds a delivery, another
    worker's sweep passes over it instead of sending it too."""
    import threading

    from django.db import connections, transaction

    _plan_approved(quiet_world, "kam_a", "kam_b")
    deliveries_queue()
    held = Delivery.objects.order_by("id").first()
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        with transaction.atomic():
            Delivery.objects.select_for_update().get(pk=held.pk)
            locked.set()
            release.wait(30)
        connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert locked.wait(10)
    try:
        run = deliveries_send()
    finally:
        release.set()
        thread.join()
    assert run.sent == 1
    held.refresh_from_db()
    assert held.status == DeliveryStatus.PENDING
    assert len(smtp.messages) == 1
