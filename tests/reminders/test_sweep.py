"""The reminder sweep: what is due, to whom, exactly once, in a fixed number of queries."""

import threading
import time
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import override

from accounts.models import Account, Visit
from accounts.tiering.models import ScoringModel
from kam.choices import NotificationKind as K
from kam.models import Notification, User
from reminders import engine
from reminders.models import Reminder, SubjectType
from reminders.services import reminders_sweep
from tests.factories import UserFactory
from tests.reminders.conftest import build_due, sent
from tests.utils import make_statistics_stale

REMINDER_KINDS = [kind.value for kind in engine.SWEEP_KINDS]


def reminder_notifications():
    return Notification.objects.filter(kind__in=REMINDER_KINDS)


def test_the_sweep_sends_every_due_reminder_once_to_the_right_people(world, due):
    result = reminders_sweep()
    assert set(sent()) == due
    assert len(sent()) == len(due) == result.total
    assert result.breached == 1
    # one notification per reminder, linked, with a link to the object and a message
    notes = list(reminder_notifications().select_related("reminder"))
    assert len(notes) == len(due)
    for note in notes:
        assert note.reminder.recipient_id == note.recipient_id
        assert note.url.startswith("/")
        assert note.url.endswith(f"/{note.reminder.subject_id}/")
        assert note.message != note.get_kind_display()  # the template filled, no fallback
    # running again sends nothing
    assert reminders_sweep().total == 0
    assert reminder_notifications().count() == len(due)
    assert Reminder.objects.count() == len(due)


def test_messages_read_in_each_language(world, due):
    reminders_sweep()
    note = reminder_notifications().get(kind=K.CADENCE_ESCALATED, recipient__username="sup_east")
    with override("en"):
        assert note.message.startswith("globex, owned by ")
        assert "twice its 14-day visit cadence (last visit: none yet)" in note.message
    note = reminder_notifications().get(kind=K.COMPLAINT_OVERDUE)
    with override("en"):
        assert "a normal-severity complaint from initech is overdue" in note.message
    note = reminder_notifications().get(kind=K.REVISIT_DUE)
    assert note.url == f"/accounts/visits/{Reminder.objects.get(kind=K.REVISIT_DUE).subject_id}/"


def test_reminders_are_personal(world, due):
    reminders_sweep()
    kam_a = world.user("kam_a")
    mine = Reminder.objects.visible_to(kam_a)
    assert {row.recipient_id for row in mine} == {kam_a.pk}
    assert Reminder.objects.visible_to(world.user("ops")).filter(recipient=kam_a).count() == 0


def test_a_new_due_date_is_a_new_reminder_and_done_work_stops_reminding(world, due):
    reminders_sweep()
    acme = world.accounts["acme"]
    # the revisit is made: a visit today closes the open revisit, nothing new is due
    from accounts.services import visit_log

    visit_log(actor=world.user("kam_a"), account=acme, summary="Revisit made.")
    assert reminders_sweep().total == 0
    # initech's cadence: a visit 16 days ago moves the due date, then it is overdue again
    Visit.objects.filter(account=world.accounts["initech"]).update(
        occurred_at=timezone.now() - timedelta(days=16)
    )
    result = reminders_sweep()
    assert dict(result.created) == {K.CADENCE_OVERDUE: 1}


def test_an_inactive_recipient_gets_nothing_and_a_plan_without_supervisor_goes_to_admins(
    world, due
):
    User.objects.filter(username="sup_east").update(is_active=False)
    lone = UserFactory(username="lone")
    Account.objects.filter(pk=world.accounts["globex"].pk).update(owner=lone)
    reminders_sweep()
    recipients = {name for kind, _, _, name in sent() if kind == K.PLAN_AWAITING_APPROVAL}
    assert recipients == {"ops"}
    assert "sup_east" not in {name for *_, name in sent()}


def test_the_key_is_a_database_constraint(world):
    kam_a = world.user("kam_a")
    key = {
        "kind": K.REVISIT_DUE,
        "subject_type": SubjectType.VISIT,
        "subject_id": 1,
        "due_on": timezone.localdate(),
        "recipient": kam_a,
    }
    Reminder.objects.create(**key)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(**key)


#: savepoint, lock, SET LOCAL, the breach UPDATE in its savepoint (3), the reminder
#: statement, release (the cadences are read in SQL). (A newly breached complaint adds
#: the webhook outbox's statements, integrations.events; the tests mark the breach first
#: to count ours.)
SWEEP_QUERIES = 8


def _mark_breaches_first():
    from accounts.service.services import complaints_mark_breached

    assert len(complaints_mark_breached()) == 1


def test_the_sweep_takes_a_fixed_number_of_queries(world, due, django_assert_num_queries):
    ScoringModel.current()
    _mark_breaches_first()
    with django_assert_num_queries(SWEEP_QUERIES):
        assert reminders_sweep().total == len(due) - 2  # the breach escalated already
    with django_assert_num_queries(SWEEP_QUERIES):
        assert reminders_sweep().total == 0
    assert set(sent()) == due


def _days_ago(cadence, i):
    return (1, cadence + 1, 2 * cadence + 1, cadence // 2)[i % 4]


def _bulk_world(world, n):
    """n accounts with a visit each: a quarter overdue, a quarter twice overdue (owner and
    supervisor), a fifth with a revisit due today."""
    now = timezone.now()
    owners = [world.user(name) for name in ("kam_a", "kam_b", "kam_c")]
    accounts = Account.objects.bulk_create(
        Account(name=f"bulk {i}", owner=owners[i % 3], tier="ABCD"[i % 4]) for i in range(n)
    )
    cadence = {"A": 14, "B": 30, "C": 60, "D": 90}
    Visit.objects.bulk_create(
        Visit(
            account=account,
            logged_by=account.owner,
            occurred_at=now - timedelta(days=_days_ago(cadence[account.tier], i)),
            summary="bulk",
            next_visit_on=timezone.localdate(now) if i % 5 == 0 else None,
            next_visit_owner=account.owner if i % 5 == 0 else None,
        )
        for i, account in enumerate(accounts)
    )


def test_five_thousand_accounts_take_the_same_queries_and_seconds(
    world, due, django_assert_num_queries
):
    _bulk_world(world, 5000)
    make_statistics_stale("accounts", "kam", "plans", "opportunities", "reminders")
    ScoringModel.current()
    _mark_breaches_first()
    started = time.perf_counter()
    with django_assert_num_queries(SWEEP_QUERIES):
        result = reminders_sweep()
    seconds = time.perf_counter() - started
    print(f"\nsweep of 5,003 accounts: {result.total} reminders in {seconds:.2f} s")  # noqa: T201
    assert result.total > 5000
    assert Reminder.objects.count() == result.total + 2 == reminder_notifications().count()
    assert seconds < 10
    started = time.perf_counter()
    with django_assert_num_queries(SWEEP_QUERIES):
        assert reminders_sweep().total == 0
    print(f"second sweep: nothing new in {time.perf_counter() - started:.2f} s")  # noqa: T201


def test_the_command_prints_a_summary(world, due):
    out = StringIO()
    with override("en"):
        call_command("send_reminders", stdout=out)
    assert f"{len(due)} reminders sent (" in out.getvalue()
    assert "Revisit due: 1" in out.getvalue()
    assert "1 complaints marked breached" in out.getvalue()
    out = StringIO()
    with override("en"):
        call_command("send_reminders", stdout=out)
    assert out.getvalue().startswith("0 reminders sent (none due)")


@pytest.mark.django_db(transaction=True)
def test_two_statements_racing_without_the_lock_send_each_reminder_once():
    """The unique key alone: two connections run the reminder statement at the same
    moment (no advisory lock); the second waits on the first's keys, then skips them."""
    from tests.conftest import build_world

    world = build_world()
    due = build_due(world)
    now = timezone.now()
    context = engine.Context(now=now, today=timezone.localdate(now))
    kinds = [kind for kind in engine.SWEEP_KINDS if kind not in engine.BREACH_KINDS]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            with transaction.atomic():
                barrier.wait(timeout=30)
                results.append(engine.remind(kinds=kinds, context=context))
                time.sleep(0.5)  # hold the keys while the other statement runs
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    expected = len([key for key in due if key[0] not in engine.BREACH_KINDS])
    assert sorted(len(kinds) for kinds in results) == [0, expected]
    assert Reminder.objects.count() == expected == reminder_notifications().count()
    assert Counter(kind for kind, *_ in sent()) == Counter(
        key[0] for key in due if key[0] not in engine.BREACH_KINDS
    )


def test_the_task_runs_the_sweep_and_is_safe_to_redeliver(world, due):
    from reminders.tasks import reminders_sweep as task

    assert task.acks_late
    assert task.reject_on_worker_lost
    assert task.max_retries == 5
    assert task.retry_backoff_max < 3600  # never beyond the broker's visibility timeout
    assert task()["total"] == len(due)
    assert task() == {"created": {}, "total": 0, "breached": 0}


def test_beat_sweeps_every_ten_minutes(transactional_db):
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from config.celery import app

    DatabaseScheduler(app=app)  # what `celery beat` does at start-up
    task = PeriodicTask.objects.get(name="send-reminders")
    assert task.task == "reminders.tasks.reminders_sweep"
    assert task.interval.every * {"seconds": 1, "minutes": 60}[task.interval.period] == 600
    assert task.enabled
