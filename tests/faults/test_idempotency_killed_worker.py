"""A web worker SIGKILLed mid-request loses nothing and writes nothing twice.

Four clients POST visits to gunicorn (2 sync workers), each visit with its own
``Idempotency-Key``, retrying the same key on a dropped connection or a 409, while a
random worker is SIGKILLed every 0.6-1.6 s. Every key ends as exactly one visit.
"""

import os
import random
import signal
import threading
import time
import uuid

import httpx
import pytest
from django.utils import timezone

from accounts.models import Visit
from tests.conftest import build_world
from tests.faults.conftest import api_token, figure, gunicorn, server_environment

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

CLIENTS = 4
KEYS_PER_CLIENT = 25
KILLING_SECONDS = 14


def _client(base, token, account_id, prefix, keys, outcomes, stop_at, keep_on_until):
    """Post ``keys`` visits at least, and more until ``keep_on_until`` (a monotonic time),
    so the workers are killed under load however fast the machine answers."""
    headers = {"Authorization": f"Token {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        number = 0
        while number < keys or time.monotonic() < keep_on_until:
            key = f"{prefix}-{number}"
            number += 1
            body = {
                "account": account_id,
                "kind": "call",
                "occurred_at": timezone.now().isoformat(),
                "summary": key,
            }
            while True:
                try:
                    response = client.post(
                        "/api/v1/visits/", json=body, headers={"Idempotency-Key": key}
                    )
                except httpx.HTTPError:
                    time.sleep(0.05)
                    continue  # the worker died: the same key again
                if response.status_code in (201, 200) or time.monotonic() > stop_at:
                    outcomes[key] = response.status_code
                    break
                if response.status_code not in (409, 502, 503):
                    outcomes[key] = response.status_code
                    break
                time.sleep(0.1)  # still being processed: ask again


def test_every_key_is_one_visit_while_workers_are_killed(tmp_path):
    world = build_world()
    token = api_token(world.user("kam_a"))
    account_id = world.accounts["acme"].pk
    # the broker is not under test here: an unreachable one answers at once
    environment = server_environment("redis://127.0.0.1:9/0")
    outcomes = {}
    with gunicorn(environment, workers=2) as server:
        stop_killing = threading.Event()
        kills = []

        def killer():
            rng = random.Random(27)  # noqa: S311 - timing, not secrets
            end = time.monotonic() + KILLING_SECONDS
            while time.monotonic() < end and not stop_killing.is_set():
                time.sleep(rng.uniform(0.6, 1.6))
                pids = server.worker_pids()
                if pids:
                    pid = rng.choice(pids)
                    try:
                        os.kill(pid, signal.SIGKILL)
                        kills.append(pid)
                    except ProcessLookupError:
                        pass

        killing = threading.Thread(target=killer)
        killing.start()
        killing_ends = time.monotonic() + KILLING_SECONDS
        give_up_at = killing_ends + 15
        clients = [
            threading.Thread(
                target=_client,
                args=(
                    server.url,
                    token,
                    account_id,
                    f"k{n}-{uuid.uuid4().hex[:8]}",
                    KEYS_PER_CLIENT,
                    outcomes,
                    give_up_at,
                    killing_ends,
                ),
            )
            for n in range(CLIENTS)
        ]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        stop_killing.set()
        killing.join()
    keys = set(outcomes)
    assert len(keys) >= CLIENTS * KEYS_PER_CLIENT
    assert len(kills) >= 5
    stuck = {key: code for key, code in outcomes.items() if code not in (200, 201)}
    summaries = list(Visit.objects.filter(summary__in=keys).values_list("summary", flat=True))
    assert stuck == {}
    assert len(summaries) == len(set(summaries)) == len(keys)
    figure(
        f"killed workers: {len(kills)} SIGKILLs in {KILLING_SECONDS} s, {CLIENTS} clients, "
        f"{len(keys)} keys, {len(summaries)} visits, {len(set(summaries))} distinct"
    )
