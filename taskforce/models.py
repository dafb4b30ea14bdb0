"""The task force of a serious complaint (专项小组): the departments admins configure, the
task force of a complaint with its root cause and improvement, and each colleague's task.

Who sees a task force and its tasks: those who see the complaint's account, and each
assignee (``kam.scoping`` rule "assigned"): an assignee from another department sees
the complaint and their own task, not the account. Who assigns: the capability
"taskforce.assign" held by the complaint's owner or someone who leads them
(``taskforce.services``). Changes are kept (pghistory) and listed on the task force page.
"""

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.scoping import ScopedQuerySet
from opportunities.models import BilingualName


class DepartmentQuerySet(ScopedQuerySet):
    scope = "configuration"  # everyone reads the departments, admins change them

    def active(self):
        return self.filter(active=True)


class Department(BilingualName):
    """A department a task force draws colleagues from (售后, 产品, 质量, 法务, 财务)."""

    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["order", "pk"]


#: every change to a department, shown on the configuration page
DepartmentEvent = pghistory.create_event_model(
    Department,
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="DepartmentEvent",
    abstract=False,
    meta={"verbose_name": _("history event")},
    level=pgtrigger.Statement,
)


class TaskForceQuerySet(ScopedQuerySet):
    scope = "assigned"
    account_path = "complaint__account"
    assignee_path = "tasks__assignee"


class TaskForce(models.Model):
    """The task force of one complaint: its tasks, and what it found and changed."""

    complaint = models.OneToOneField(
        "accounts.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="task_force",
    )
    root_cause_detail = models.TextField(
        _("root cause found"),
        blank=True,
        help_text=_("What caused the complaint, as the customer may read it."),
    )
    improvement = models.TextField(
        _("improvement made"),
        blank=True,
        help_text=_(
            "What we changed so that it does not happen again, as the customer may read it."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set up by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("set up at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TaskForceQuerySet.as_manager()

    class Meta:
        verbose_name = _("task force")
        verbose_name_plural = _("task forces")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return str(self.complaint)

    def get_absolute_url(self):
        return reverse("taskforce:complaint", args=[self.complaint_id])


TaskForceEvent = pghistory.create_event_model(
    TaskForce,
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    model_name="TaskForceEvent",
    abstract=False,
    meta={"verbose_name": _("history event")},
    exclude=["updated_at"],
)


class TaskQuerySet(ScopedQuerySet):
    scope = "assigned"
    account_path = "task_force__complaint__account"
    assignee_path = "assignee"

    def open(self):
        return self.filter(done_at__isnull=True)


class Task(models.Model):
    """One colleague's task in a task force, with its due date."""

    task_force = models.ForeignKey(
        TaskForce, verbose_name=_("task force"), on_delete=models.CASCADE, related_name="tasks"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="task_force_tasks",
    )
    description = models.TextField(_("task"))
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(
        _("internal note"),
        blank=True,
        help_text=_("For colleagues only: never on the customer report."),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task force task")
        verbose_name_plural = _("task force tasks")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["assignee", "due_on"], name="taskforce_task_assignee_due"),
            models.Index(
                fields=["due_on"], condition=Q(done_at__isnull=True), name="taskforce_task_open_due"
            ),
        ]

    def __str__(self):
        return self.description[:60]

    def get_absolute_url(self):
        return (
            reverse("taskforce:complaint", args=[self.task_force.complaint_id]) + f"#task-{self.pk}"
        )

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


TaskEvent = pghistory.create_event_model(
    Task,
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="TaskEvent",
    abstract=False,
    meta={"verbose_name": _("history event")},
)
