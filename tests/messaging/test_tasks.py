"""The tasks: thin wrappers over the services, scheduled by beat, run by a real worker."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kam.choices import NotificationKind
from kam.models import Notification
from messaging import tasks
from messaging.models import Delivery, TeamChannel
from messaging.notifications import notify
from tests.kam.test_celery import celery_worker_process  # noqa: F401 (a fixture)
from tests.messaging.sinks import HttpSink


def _robot_event(world, url):
    Notification.objects.update(created_at=timezone.now() - timedelta(days=7))
    TeamChannel.objects.create(
        team=world.teams["East"], provider="wecom", webhook_url=url,
        kinds=[NotificationKind.HEALTH_RED],
    )  # fmt: skip
    notify(recipients=[world.user("kam_a")], kind=NotificationKind.HEALTH_RED,
           about=world.accounts["acme"], account="acme", old=60, new=30)  # fmt: skip


def test_tasks_call_the_services(world):
    with HttpSink() as sink:
        _robot_event(world, f"{sink.url}/hook")
        # kam_a also gets health_red by e-mail (locmem backend in tests)
        assert tasks.deliveries_send() == {"queued": 2, "sent": 2, "retrying": 0, "failed": 0}
        result = tasks.digests_send()
    assert result["digests"] == 2  # sup_east and sup_south
    assert result["sent"] == 2
    assert len(sink.hits) == 1


def test_beat_runs_the_sweep_every_minute_and_the_digest_on_monday_morning(transactional_db):
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from config.celery import app

    DatabaseScheduler(app=app)
    sweep = PeriodicTask.objects.get(name="send-deliveries")
    assert sweep.task == "messaging.tasks.deliveries_send"
    assert sweep.interval.every == 60
    digest = PeriodicTask.objects.get(name="supervisor-digest-weekly")
    assert digest.task == "messaging.tasks.digests_send"
    crontab = digest.crontab
    assert (crontab.day_of_week, crontab.hour, crontab.minute) == ("mon", "8", "0")
    assert str(digest.crontab.timezone) == "Asia/Shanghai"


@pytest.mark.worker
def test_a_real_worker_delivers_to_the_robot(world, celery_worker_process):  # noqa: F811
    with HttpSink() as sink:
        _robot_event(world, f"{sink.url}/hook")
        result = tasks.deliveries_send.delay().get(timeout=60)
    assert result["sent"] == 2
    assert len(sink.hits) == 1
    assert Delivery.objects.filter(status="sent").count() == 2
