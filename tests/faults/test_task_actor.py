"""A task started by a person records that person in the history: "Score now" pressed by
an admin, run by a real Celery worker, writes account history naming the admin."""

import time

import pytest
from django.urls import reverse

from accounts.models import Account
from accounts.tiering.models import ScoringRun
from audit.models import AccountEvent
from tests.faults.conftest import figure
from tests.kam.test_celery import celery_worker_process  # noqa: F401 - the fixture

pytestmark = [pytest.mark.faults, pytest.mark.worker]


def test_score_now_run_by_the_worker_names_the_admin_in_the_history(
    client,
    world,
    celery_worker_process,  # noqa: F811
):
    ops = world.user("ops")
    Account.objects.update(tier="")  # scoring sets every tier: one history row each
    client.force_login(ops)
    assert client.post(reverse("accounts:tiering-score")).status_code == 302
    deadline = time.monotonic() + 60
    while not ScoringRun.objects.filter(finished_at__isnull=False).exists():
        assert celery_worker_process.poll() is None, "the worker died"
        assert time.monotonic() < deadline, "the worker did not score within a minute"
        time.sleep(0.2)
    events = AccountEvent.objects.filter(
        pgh_label="update", pgh_context__metadata__task="accounts.tasks.accounts_score"
    ).select_related("pgh_context")
    assert {event.pgh_obj_id for event in events} == {a.pk for a in world.accounts.values()}
    assert {event.pgh_context.metadata.get("user") for event in events} == {ops.pk}
    figure(f"Score now on a real worker: {len(events)} history rows, each naming the admin")
