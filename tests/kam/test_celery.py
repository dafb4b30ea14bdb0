"""Celery for real: a worker process takes a task from the real Redis broker."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from kam.tasks import ping
from tests.utils import database_url

pytestmark = pytest.mark.worker


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real `celery worker` in its own process, on the test queue and database."""
    app.control.purge()
    celery = Path(sys.executable).parent / "celery"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
    }
    process = subprocess.Popen(
        [str(celery), "-A", "config", "worker", "--pool", "solo", "--loglevel", "warning",
         "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=settings.BASE_DIR,
        env=environment,
    )  # fmt: skip
    yield process
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_a_task_round_trips_through_broker_and_worker(celery_worker_process):
    result = ping.delay("hello")
    answer = result.get(timeout=60)
    assert answer == {"value": "hello", "database": connection.settings_dict["NAME"]}
    assert celery_worker_process.poll() is None


def test_beat_schedule_is_kept_in_the_database_for_ops(transactional_db):
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    DatabaseScheduler(app=app)  # what `celery beat` does at start-up
    task = PeriodicTask.objects.get(name="clear-expired-sessions")
    assert task.task == "kam.tasks.sessions_clear_expired"
    assert task.enabled
