"""A hung broker (Redis stopped with SIGSTOP: connections open, no answer) never holds a
request: every write answers within 2 s and is kept, and the webhook deliveries it
queued in the outbox are sent once Redis runs again (SIGCONT)."""

import time

import httpx
import pytest
from django.utils import timezone

from accounts.models import Visit
from integrations.choices import DeliveryStatus, EventKind
from integrations.delivery import deliveries_send
from integrations.models import WebhookDelivery
from opportunities.models import Opportunity
from tests.conftest import build_world
from tests.factories import OpportunityFactory, default_stages
from tests.faults.conftest import api_token, figure, gunicorn, server_environment
from tests.integrations.test_webhooks import Receiver, _subscribe

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

WRITES = 6
LIMIT_SECONDS = 2.0


def test_every_write_answers_within_2_s_and_is_kept_while_redis_hangs(private_redis):
    world = build_world()
    token = api_token(world.user("kam_a"))
    stages = default_stages()
    deals = [OpportunityFactory(account=world.accounts["acme"]) for _ in range(WRITES)]
    with Receiver() as receiver:
        _subscribe(world, receiver.url, kinds=(EventKind.OPPORTUNITY_WON,))
        headers = {"Authorization": f"Token {token}"}
        with (
            gunicorn(server_environment(private_redis.url), workers=2) as server,
            httpx.Client(base_url=server.url, headers=headers, timeout=60) as client,
        ):
            # each worker has its broker and cache connections open before Redis hangs
            for _ in range(4):
                assert client.get("/api/v1/accounts/").status_code == 200
            private_redis.pause()
            timings = []
            try:
                for number, deal in enumerate(deals):
                    started = time.monotonic()
                    moved = client.post(
                        f"/api/v1/opportunities/{deal.pk}/stage/",
                        json={"stage": stages["Won"].pk, "reason": "price"},
                    )
                    timings.append(time.monotonic() - started)
                    started = time.monotonic()
                    visit = client.post(
                        "/api/v1/visits/",
                        json={
                            "account": world.accounts["acme"].pk,
                            "kind": "call",
                            "occurred_at": timezone.now().isoformat(),
                            "summary": f"hung-{number}",
                        },
                    )
                    timings.append(time.monotonic() - started)
                    assert (moved.status_code, visit.status_code) == (200, 201), (
                        moved.text,
                        visit.text,
                    )
            finally:
                private_redis.resume()
        assert max(timings) < LIMIT_SECONDS, timings
        assert Opportunity.objects.filter(stage=stages["Won"]).count() == WRITES
        assert Visit.objects.filter(summary__startswith="hung-").count() == WRITES
        # what the hung broker could not dispatch waits in the outbox; the scheduled run
        # (beat, every minute) sends it
        assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == WRITES
        deliveries_send()
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == WRITES
    assert sorted(m["body"]["data"]["opportunity"] for m in receiver.received) == sorted(
        deal.pk for deal in deals
    )
    timings.sort()
    figure(
        f"hung Redis (SIGSTOP): {len(timings)} writes, all kept, slowest {timings[-1]:.2f} s, "
        f"median {timings[len(timings) // 2]:.2f} s; {len(receiver.received)} webhooks "
        "sent after SIGCONT"
    )
