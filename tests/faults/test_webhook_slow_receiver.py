"""A receiver so slow that one run's deliveries outlast a lease gets each event once, and
the delivery log says exactly what happened.

A run starts sending eight events to a receiver answering in 1 s; the lease of a claim
is 4.5 s (2 x the 2 s timeout + 0.5 s). When the next scheduled run starts, 5 s later,
the first is still sending: the second takes what nobody holds, and no event is sent
twice (a run that leased the whole batch up front had lost the last ones' lease by then,
and the second run sent them again).
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection

from integrations import outbox
from integrations.choices import DeliveryStatus, EventKind
from integrations.delivery import deliveries_send
from integrations.models import WebhookDelivery
from tests.conftest import build_world
from tests.faults.conftest import figure
from tests.integrations.test_webhooks import _subscribe

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

EVENTS = 8
ANSWER_SECONDS = 1.0


class SlowReceiver:
    def __init__(self, seconds):
        self.posts = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                self.rfile.read(length)
                receiver.posts.append(self.headers["X-KAM-Delivery"])
                time.sleep(seconds)
                self.send_response(200)
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


def _run(sent):
    try:
        sent.append(len(deliveries_send()))
    finally:
        connection.close()


def test_a_slow_receiver_gets_each_event_once_and_the_log_matches(settings):
    settings.WEBHOOK_HTTP_TIMEOUT = 2
    settings.WEBHOOK_LEASE_MARGIN_SECONDS = 0.5
    world = build_world()
    with SlowReceiver(ANSWER_SECONDS) as receiver:
        _subscribe(world, receiver.url, kinds=(EventKind.PLAN_APPROVED,))
        outbox.emit(
            EventKind.PLAN_APPROVED,
            [(world.accounts["acme"].pk, {"n": number}) for number in range(EVENTS)],
        )
        sent_by_first, sent_by_second = [], []
        first = threading.Thread(target=_run, args=(sent_by_first,))
        first.start()
        time.sleep(5)  # past the lease of anything claimed at the start
        second = threading.Thread(target=_run, args=(sent_by_second,))
        second.start()
        first.join(60)
        second.join(60)
        deliveries_send()  # a third run finds nothing due
    deliveries = list(WebhookDelivery.objects.order_by("pk"))
    assert len(deliveries) == EVENTS
    assert sorted(receiver.posts) == sorted(str(d.pk) for d in deliveries)  # once each
    assert {(d.status, d.attempts) for d in deliveries} == {(DeliveryStatus.SUCCEEDED, 1)}
    # each delivery is claimed just before it is sent, so the second run took some of
    # what the first had not reached (a run that claims its whole batch up front holds
    # the rest past their lease, and another run sends them again)
    assert sent_by_first[0] + sent_by_second[0] == EVENTS
    assert sent_by_first[0] > 0
    assert sent_by_second[0] > 0
    figure(
        f"slow receiver ({ANSWER_SECONDS:g} s an answer, lease 4.5 s, two runs): {EVENTS} "
        f"events, {len(receiver.posts)} posts ({sent_by_first[0]} by the first run, "
        f"{sent_by_second[0]} by the second), {len(deliveries)} deliveries of 1 attempt"
    )
