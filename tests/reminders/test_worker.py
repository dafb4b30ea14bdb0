"""Exactly once with real workers on the real Redis broker and PostgreSQL.

Each test commits one of every kind of due work (tests.reminders.conftest), then
drives ``reminders.tasks.reminders_sweep`` through real ``celery worker`` processes:
twice in a row, twice at once on two workers, and killed (SIGKILL) mid-run, before
its commit (waiting on the sweep's advisory lock, which the test holds) and after it
(storing its result in a result store that never answers), with the message
redelivered to a fresh worker after a short visibility timeout.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings

from config.celery import app
from kam.models import Notification
from reminders.engine import SWEEP_KINDS
from reminders.models import Reminder
from reminders.services import _LOCK_KEY
from reminders.tasks import reminders_sweep
from tests.conftest import build_world
from tests.reminders.conftest import build_due, sent
from tests.utils import database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

VISIBILITY_TIMEOUT = 5


@pytest.fixture
def start_worker():
    """Start real workers (solo pool, test queue, test database); stops them after."""
    app.control.purge()
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("unacked", "unacked_index", "unacked_mutex")  # no leftovers of a past run
    celery = Path(sys.executable).parent / "celery"
    processes = []

    def start(**env):
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            **env,
        }
        process = subprocess.Popen(
            [str(celery), "-A", "config", "worker", "--pool", "solo", "--loglevel", "warning",
             "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"rem{len(processes)}@%h"],
            cwd=settings.BASE_DIR,
            env=environment,
        )  # fmt: skip
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    broker.delete("unacked", "unacked_index", "unacked_mutex")
    broker.close()


@pytest.fixture
def due_committed():
    return build_due(build_world())


def notification_count():
    return Notification.objects.filter(kind__in=[kind.value for kind in SWEEP_KINDS]).count()


def wait_until_older_than_visibility_timeout():
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        delivered = broker.zrange("unacked_index", 0, -1, withscores=True)
        assert delivered, "the killed worker's message is not held unacknowledged"
        newest = max(score for _tag, score in delivered)
        time.sleep(max(0.0, newest + VISIBILITY_TIMEOUT + 0.5 - time.time()))
    finally:
        broker.close()


def test_a_sweep_run_twice_sends_each_reminder_once(start_worker, due_committed):
    start_worker()
    first = reminders_sweep.delay().get(timeout=120)
    second = reminders_sweep.delay().get(timeout=120)
    assert first["total"] == len(due_committed)
    assert second["total"] == 0
    assert set(sent()) == due_committed
    assert Reminder.objects.count() == notification_count() == len(due_committed)


def test_two_sweeps_at_once_on_two_workers_send_each_reminder_once(start_worker, due_committed):
    start_worker()
    start_worker()
    results = [reminders_sweep.delay(), reminders_sweep.delay()]
    totals = sorted(result.get(timeout=120)["total"] for result in results)
    assert totals == [0, len(due_committed)]
    assert set(sent()) == due_committed
    assert Reminder.objects.count() == notification_count() == len(due_committed)


@contextmanager
def sweep_lock_held():
    """Hold the sweep's advisory lock from outside: a sweep started meanwhile waits on
    it inside its transaction, before it writes anything."""
    with psycopg.connect(database_url(), autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
        yield lambda: holder.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND objid = %s AND database = (SELECT oid FROM pg_database"
            " WHERE datname = current_database())",
            [_LOCK_KEY & 0xFFFFFFFF],
        ).fetchone()[0]


@contextmanager
def silent_result_store():
    """A result store that accepts connections and never answers: a worker whose
    results go there has committed its sweep and hangs storing the result, before it
    acknowledges the message. Yields (its URL, whether a worker has connected)."""
    server = socket.create_server(("127.0.0.1", 0))
    connected = threading.Event()
    held = []

    def accept():
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            held.append(client)
            connected.set()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0", connected
    finally:
        server.close()
        for client in held:
            client.close()


def wait_until(condition, seconds=120):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the worker never got there"
        time.sleep(0.2)


def kill_and_redeliver(doomed, start_worker):
    doomed.send_signal(signal.SIGKILL)  # the machine dies: no ack, no reject
    doomed.wait(20)
    # the message stays unacknowledged in Redis; a worker that starts once it is older than
    # the visibility timeout restores it at once and runs the sweep again (a worker already
    # running restores on kombu's own slower cycle, every 100 s: not what is tested here)
    wait_until_older_than_visibility_timeout()
    start_worker()


def test_a_worker_killed_before_its_commit_is_redelivered_and_sends_each_once(
    start_worker, due_committed
):
    with sweep_lock_held() as waiting:
        doomed = start_worker()
        result = reminders_sweep.delay()
        wait_until(lambda: waiting() == 1)  # in its transaction, waiting on the lock
        assert Reminder.objects.count() == notification_count() == 0
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(20)
    # the killed worker's transaction is gone with its connection; the redelivery does it all
    wait_until_older_than_visibility_timeout()
    start_worker()
    outcome = result.get(timeout=180)
    assert outcome["total"] == len(due_committed)
    assert set(sent()) == due_committed
    assert Reminder.objects.count() == notification_count() == len(due_committed)


def test_a_worker_killed_after_its_commit_is_redelivered_and_sends_nothing_twice(
    start_worker, due_committed
):
    with silent_result_store() as (url, connected):
        doomed = start_worker(CELERY_RESULT_BACKEND=url)
        result = reminders_sweep.delay()
        wait_until(connected.is_set)  # committed; storing its result, not yet acknowledged
        assert Reminder.objects.count() == notification_count() == len(due_committed)
        kill_and_redeliver(doomed, start_worker)
    outcome = result.get(timeout=180)
    assert outcome["total"] == 0
    assert set(sent()) == due_committed
    assert Reminder.objects.count() == notification_count() == len(due_committed)
