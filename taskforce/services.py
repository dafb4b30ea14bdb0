"""Writes of the task forces: assign a task (setting up the task force with the first),
complete it, record the root cause and the improvement, save the departments.

Keyword-only, the actor first, each in a transaction. Who assigns: "taskforce.assign"
held by the complaint's owner or someone who leads them (a supervisor of their team, an
admin). Who completes a task: its assignee, or whoever may assign on the complaint.
The assignee is notified once, when the task is given.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.service.models import Complaint, ComplaintStatus
from kam.capabilities import may
from kam.choices import NotificationKind
from kam.models import User
from kam.scoping import CHANGE, ensure_visible, leads_user
from messaging.notifications import notify
from taskforce.models import Department, DepartmentEvent, Task, TaskForce


def may_assign(actor: User, complaint: Complaint) -> bool:
    """Whether ``actor`` gives the tasks of ``complaint``'s task force (no query for the
    owner; one at most otherwise)."""
    if not may(actor, "taskforce.assign"):
        return False
    return complaint.owner_id == actor.pk or leads_user(actor, complaint.owner_id)


def _complaint_for_change(actor: User, complaint: Complaint) -> Complaint:
    locked = Complaint.objects.select_for_update().filter(pk=complaint.pk).first()
    if locked is None:
        raise ValidationError(_("This complaint no longer exists."))
    ensure_visible(actor, locked, CHANGE)
    if not may_assign(actor, locked):
        raise PermissionDenied(_("The complaint's owner or their supervisor runs its task force."))
    if locked.status == ComplaintStatus.CLOSED:
        raise ValidationError(_("This complaint is closed: its task force is closed too."))
    return locked


@transaction.atomic
def task_assign(
    *,
    actor: User,
    complaint: Complaint,
    department: Department,
    assignee: User,
    description: str,
    due_on,
) -> Task:
    """Give ``assignee`` a task in the complaint's task force (set up with the first task);
    the assignee is notified."""
    complaint = _complaint_for_change(actor, complaint)
    errors = {}
    if department is None or not Department.objects.active().filter(pk=department.pk).exists():
        errors["department"] = _("Choose a department.")
    if assignee is None or not assignee.is_active:
        errors["assignee"] = _("Choose an active colleague.")
    if not (description or "").strip():
        errors["description"] = _("Say what the colleague is to do.")
    if due_on is None:
        errors["due_on"] = _("Give the date the task is due.")
    elif due_on < timezone.localdate():
        errors["due_on"] = _("A new task cannot be due in the past.")
    if errors:
        raise ValidationError(errors)
    task_force, _created = TaskForce.objects.get_or_create(
        complaint=complaint, defaults={"created_by": actor}
    )
    task = Task(
        task_force=task_force,
        department=department,
        assignee=assignee,
        description=description.strip(),
        due_on=due_on,
        assigned_by=actor,
    )
    task.full_clean()
    task.save()
    notify(
        recipients=[assignee],
        kind=NotificationKind.TASK_FORCE_ASSIGNED,
        about=complaint.account,
        url=task.get_absolute_url(),
        by=actor.display_name,
        account=complaint.account.name,
        task=task.description[:200],
        due=date_format(due_on, "Y-m-d"),
    )
    return task


def may_complete(actor: User, task: Task) -> bool:
    return task.assignee_id == actor.pk or may_assign(actor, task.task_force.complaint)


@transaction.atomic
def task_complete(*, actor: User, task: Task, note: str = "") -> Task:
    """Mark ``task`` done (its assignee, or whoever runs the task force), with an internal
    note. Done once: completing it again is refused."""
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("task_force__complaint")
        .filter(pk=task.pk)
        .first()
    )
    if task is None or not Task.objects.visible_to(actor, CHANGE).filter(pk=task.pk).exists():
        raise Http404
    if not may(actor, "records.change") or not may_complete(actor, task):
        raise PermissionDenied(_("Only the assignee or the complaint's owner completes a task."))
    if task.done_at is not None:
        raise ValidationError({"done": _("This task is already done.")})
    if task.task_force.complaint.status == ComplaintStatus.CLOSED:
        raise ValidationError(_("This complaint is closed: its task force is closed too."))
    task.done_at = timezone.now()
    task.done_by = actor
    task.note = (note or "").strip()
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def findings_record(
    *, actor: User, complaint: Complaint, root_cause_detail: str, improvement: str
) -> TaskForce:
    """Record what the task force found and what was changed (customer-facing)."""
    complaint = _complaint_for_change(actor, complaint)
    task_force = TaskForce.objects.select_for_update().filter(complaint=complaint).first()
    if task_force is None:
        raise ValidationError(_("Assign the first task to set up the task force."))
    task_force.root_cause_detail = (root_cause_detail or "").strip()
    task_force.improvement = (improvement or "").strip()
    task_force.full_clean()
    task_force.save()
    return task_force


def departments_save(*, formset) -> list[Department]:
    """Save the configuration page's departments (history: models.DepartmentEvent)."""
    with transaction.atomic():
        return formset.save()


def departments_history_baseline(*, using="default", **kwargs) -> int:
    """Record the creation of the departments that have no history yet (after migrate):
    the seeded ones are inserted by a migration, before ``migrate`` installs the history
    triggers. Each row without an event gets its "created" event once; returns how many."""
    connection = connections[using]
    if Department._meta.db_table not in connection.introspection.table_names():
        return 0
    with transaction.atomic(using=using):
        missing = Department.objects.using(using).exclude(
            pk__in=DepartmentEvent.objects.using(using).values("pgh_obj_id")
        )
        fields = [f.attname for f in Department._meta.concrete_fields]
        events = [
            DepartmentEvent(pgh_label="insert", pgh_obj_id=department.pk,
                            **{name: getattr(department, name) for name in fields})
            for department in missing
        ]  # fmt: skip
        DepartmentEvent.objects.using(using).bulk_create(events)
    return len(events)
