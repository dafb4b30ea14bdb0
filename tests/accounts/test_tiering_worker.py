"""The "Score now" button on the tiering page: the request enqueues, a real worker scores."""

import time

import pytest
from django.urls import reverse

from accounts.tiering.models import ScoringRun, TierScore
from tests.kam.test_celery import celery_worker_process  # noqa: F401 - the fixture

pytestmark = pytest.mark.worker


def test_score_now_is_run_by_the_worker(client, world, celery_worker_process):  # noqa: F811
    ops = world.user("ops")
    client.force_login(ops)
    response = client.post(reverse("accounts:tiering-score"))
    assert response.status_code == 302

    deadline = time.monotonic() + 60
    while not ScoringRun.objects.filter(finished_at__isnull=False).exists():
        assert celery_worker_process.poll() is None, "the worker died"
        assert time.monotonic() < deadline, "the worker did not score within a minute"
        time.sleep(0.2)
    run = ScoringRun.objects.get()
    assert run.triggered_by == ops
    assert run.account_count == len(world.accounts)
    assert TierScore.objects.filter(run=run).count() == len(world.accounts)
