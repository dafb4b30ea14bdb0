"""Webhooks out: events written to the outbox in the change's transaction, signed
deliveries to a local receiver, retries with backoff, the log, and no event for a
change that rolled back."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from integrations import services
from integrations.choices import DeliveryStatus, EventKind
from integrations.delivery import SIGNATURE_HEADER, deliveries_send
from integrations.models import OutboxEvent, WebhookDelivery
from plans import services as plan_services
from plans.choices import PlanStatus
from tests.factories import PlanFactory

SECRET = "s3cret-for-tests"


class Receiver:
    """A local HTTP endpoint that verifies each signature as a real receiver would."""

    def __init__(self, fail_first=0):
        self.received = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                header = self.headers[SIGNATURE_HEADER]
                parts = dict(item.split("=", 1) for item in header.split(","))
                expected = hmac.new(
                    SECRET.encode(), parts["t"].encode() + b"." + body, hashlib.sha256
                ).hexdigest()
                valid = hmac.compare_digest(expected, parts["v1"])
                receiver.received.append({"body": json.loads(body), "valid": valid})
                if receiver.fail_first > 0:
                    receiver.fail_first -= 1
                    self.send_response(503)
                else:
                    self.send_response(200 if valid else 401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _subscribe(world, url, kinds=(EventKind.PLAN_APPROVED,)):
    return services.subscription_create(
        actor=world.user("ops"), name="ERP", url=url, event_kinds=list(kinds), secret=SECRET
    )


def _approve(world):
    plan = PlanFactory(account=world.accounts["acme"], status=PlanStatus.SUBMITTED)
    return plan_services.plan_approve(actor=world.user("sup_east"), plan=plan)


def test_an_approved_plan_is_delivered_signed_to_the_receiver(
    world, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        _subscribe(world, receiver.url)
        with django_capture_on_commit_callbacks() as callbacks:
            plan = _approve(world)
        assert len(callbacks) >= 1  # a dispatch is queued once the change commits
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING
        deliveries_send()
    assert len(receiver.received) == 1
    message = receiver.received[0]
    assert message["valid"] is True
    assert message["body"]["type"] == "plan.approved"
    assert message["body"]["data"]["plan"] == plan.pk
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(world, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    with Receiver(fail_first=2) as receiver:
        _subscribe(world, receiver.url)
        _approve(world)
        delivery = WebhookDelivery.objects.get()
        before = timezone.now()
        deliveries_send()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            DeliveryStatus.PENDING,
            1,
            503,
        )
        assert delivery.last_error == "HTTP 503"
        assert delivery.next_attempt_at >= before + timedelta(seconds=30)
        assert deliveries_send() == []  # not due yet
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        deliveries_send()
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=55)  # doubled
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        deliveries_send()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.SUCCEEDED,
        3,
        "",
    )
    assert len(receiver.received) == 3
    assert len({json.dumps(m["body"]) for m in receiver.received}) == 1  # the same event


def test_a_delivery_gives_up_after_the_last_attempt_and_can_be_redelivered(world, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    with Receiver(fail_first=5) as receiver:
        _subscribe(world, receiver.url)
        _approve(world)
        for _ in range(2):
            WebhookDelivery.objects.update(next_attempt_at=timezone.now())
            deliveries_send()
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
        receiver.fail_first = 0
        services.delivery_redeliver(actor=world.user("ops"), delivery=delivery)
        deliveries_send()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_no_event_is_written_or_sent_when_the_change_rolls_back(
    world, django_capture_on_commit_callbacks
):
    class RolledBackError(Exception):
        pass

    def approve_then_fail(plan):
        with transaction.atomic():
            plan_services.plan_approve(actor=world.user("sup_east"), plan=plan)
            assert OutboxEvent.objects.count() == 1  # written with the change …
            raise RolledBackError

    with Receiver() as receiver:
        _subscribe(world, receiver.url)
        plan = PlanFactory(account=world.accounts["acme"], status=PlanStatus.SUBMITTED)
        with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RolledBackError):
            approve_then_fail(plan)
        assert callbacks == []  # … and no dispatch was queued
        assert OutboxEvent.objects.count() == 0
        assert WebhookDelivery.objects.count() == 0
        deliveries_send()
    assert receiver.received == []
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED


def test_subscriptions_only_get_their_event_kinds(world):
    from accounts.tiering.services import tier_override_set

    with Receiver() as receiver:
        _subscribe(world, receiver.url, kinds=[EventKind.ACCOUNT_TIER_CHANGED])
        _approve(world)  # not subscribed
        from accounts.models import Account

        Account.objects.filter(pk=world.accounts["acme"].pk).update(tier="C")
        tier_override_set(
            actor=world.user("ops"), account=world.accounts["acme"], tier="A", reason="x"
        )
        deliveries_send()
    assert [m["body"]["type"] for m in receiver.received] == ["account.tier_changed"]
    assert receiver.received[0]["body"]["data"]["new"] == "A"


def test_admins_see_the_delivery_log_and_redeliver_from_the_page(client, world):
    with Receiver(fail_first=1) as receiver:
        subscription = _subscribe(world, receiver.url)
        _approve(world)
        deliveries_send()
        client.force_login(world.user("ops"))
        page = client.get(reverse("integrations:webhook-detail", args=[subscription.pk]))
        html = page.content.decode()
        assert page.status_code == 200
        assert "HTTP 503" in html
        delivery = WebhookDelivery.objects.get()
        response = client.post(reverse("integrations:delivery-redeliver", args=[delivery.pk]))
        assert response.status_code == 302
        deliveries_send()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    client.force_login(world.user("kam_a"))
    assert (
        client.get(reverse("integrations:webhook-detail", args=[subscription.pk])).status_code
        == 404
    )
