"""Reads of the task forces: whether a complaint needs one, the refusal of a step it is
not ready for, the timeline's events, the reminder sweep's candidates, the pages' reads
and the customer report."""

from dataclasses import dataclass

from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.service.models import Complaint, ComplaintStatus, Severity
from accounts.tiering.models import Tier
from kam.models import User
from taskforce.models import Department, Task, TaskForce

#: a complaint of these severities, or on an account of this tier, needs a task force
SERIOUS = (Severity.HIGH, Severity.CRITICAL)
KEY_TIER = Tier.A


def needs_task_force(complaint: Complaint) -> bool:
    """High or critical, or on an A account (reads the account if not loaded)."""
    return complaint.severity in SERIOUS or complaint.account.tier == KEY_TIER


def complaint_refusal(*, complaint: Complaint, target: str):
    """Why ``complaint`` may not move to ``target`` now, or None (the guard registered in
    accounts.service.services): a complaint that needs a task force is resolved only
    once its task force has a task; any complaint with a task force closes only when
    every task is done."""
    if target not in (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED):
        return None
    counts = Task.objects.filter(task_force__complaint=complaint).values_list("done_at", flat=True)
    done = [when is not None for when in counts]
    if not done and needs_task_force(complaint):
        return _(
            "This complaint needs a task force: assign at least one task to a colleague "
            "before resolving or closing it."
        )
    if target == ComplaintStatus.CLOSED and not all(done):
        still_open = done.count(False)
        return ngettext(
            "%(count)d task of the task force is still open: the complaint closes when "
            "every task is done.",
            "%(count)d tasks of the task force are still open: the complaint closes when "
            "every task is done.",
            still_open,
        ) % {"count": still_open}
    return None


def assignee_choices():
    """Colleagues of any department: every active user (names only). A task force draws
    on people outside the sales teams, so the choice is not limited to one's teams."""
    return User.objects.filter(is_active=True).order_by("full_name", "username")


def department_choices():
    return Department.objects.active()


# --- the timeline and the reminder sweep ------------------------------------------------


def timeline_events(rows):
    from accounts.selectors import TimelineEvent

    events = []
    for task in rows:
        events.append(TimelineEvent(task.created_at, "task_force_assigned", task))
        if task.done_at:
            events.append(TimelineEvent(task.done_at, "task_force_done", task))
    return events


def due_tasks_sql() -> str:
    """The reminder sweep's candidates (reminders.engine's eight columns): an open task
    whose due date has come, to its assignee, on its due date; the link is the task
    force page."""
    quote = connection.ops.quote_name
    task = quote(Task._meta.db_table)
    force = quote(TaskForce._meta.db_table)
    complaint = quote(Complaint._meta.db_table)
    account = quote(apps.get_model("accounts.Account")._meta.db_table)
    return f"""
    SELECT %(k_task_force_task_due)s::text, %(s_task_force_task)s::text, t.id, t.due_on,
           t.assignee_id, c.account_id,
           %(u_taskforce_0)s::text || c.id || %(u_taskforce_1)s::text || '#task-' || t.id,
           jsonb_build_object('account', a.name, 'task', left(t.description, 200),
                              'due', to_char(t.due_on, 'YYYY-MM-DD'))
    FROM {task} t JOIN {force} f ON f.id = t.task_force_id
         JOIN {complaint} c ON c.id = f.complaint_id JOIN {account} a ON a.id = c.account_id
    WHERE t.done_at IS NULL AND t.due_on <= %(today)s"""  # noqa: S608 - table names only


def due_tasks_params(context) -> dict:
    before, after = reverse("taskforce:complaint", args=[987654321]).split("987654321")
    return {"u_taskforce_0": before, "u_taskforce_1": after}


# --- pages ------------------------------------------------------------------------------


def tasks_for(*, actor, task_force):
    """The tasks of ``task_force`` the actor sees (all of them with the account; an
    assignee without it: their own)."""
    if task_force is None:
        return []
    return list(
        Task.objects.visible_to(actor)
        .filter(task_force=task_force)
        .select_related("department", "assignee", "done_by")
        .order_by("due_on", "pk")
    )


def my_tasks(*, actor):
    """The tasks assigned to ``actor``, open first by due date, with their complaint."""
    return (
        Task.objects.visible_to(actor)
        .filter(assignee=actor)
        .select_related("department", "task_force__complaint__account")
        .order_by("done_at", "due_on", "pk")
    )


@dataclass
class Report:
    """The one-page report for the customer: what they complained of, what we found and
    changed, and what the task force did when. No internal notes, no names."""

    account: str
    received_at: object
    category: str
    description: str
    resolution: str
    root_cause: str
    root_cause_detail: str
    improvement: str
    actions: list  # (department, task, due on, done on)
    verified_on: object
    closed_on: object


def customer_report(*, task_force: TaskForce) -> Report:
    """Read in the active language (the caller chooses it)."""
    complaint = task_force.complaint
    tasks = task_force.tasks.select_related("department").order_by("due_on", "pk")
    return Report(
        account=complaint.account.name,
        received_at=complaint.received_at,
        category=complaint.get_category_display(),
        description=complaint.description,
        resolution=complaint.resolution,
        root_cause=complaint.get_root_cause_display() if complaint.root_cause else "",
        root_cause_detail=task_force.root_cause_detail,
        improvement=task_force.improvement,
        actions=[
            (task.department.local_name, task.description, task.due_on, task.done_at)
            for task in tasks
        ],
        verified_on=complaint.verified_at,
        closed_on=complaint.closed_at,
    )
