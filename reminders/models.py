"""Reminders: each one is sent exactly once, enforced by the database.

A reminder's natural key is (kind, subject, due date, recipient). The unique
constraint ``reminder_once`` on it is what makes a sweep that runs twice, two
sweeps racing, or a sweep killed and retried send nothing twice: the sweep inserts
with ``ON CONFLICT DO NOTHING`` and creates notifications only for the rows it
inserted, in the same transaction.

The subject is named by a type code and an id rather than one nullable foreign key
per subject model: one plain unique index (no NULLs in the key), one INSERT shape
for every kind, and no ContentType look-ups in the sweep's SQL. Subjects are
archived, never deleted, and a reminder must outlive its subject anyway: it is the
record that the reminder went out.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.choices import NotificationKind
from kam.scoping import ScopedQuerySet


class SubjectType(models.TextChoices):
    ACCOUNT = "account", _("key account")
    VISIT = "visit", _("visit")
    ACTION_ITEM = "action_item", _("action item")
    COMPLAINT = "complaint", _("complaint")
    CONTRACT = "contract", _("contract")
    PLAN = "plan", _("account plan")
    COACHING_SESSION = "coaching_session", _("coaching session")
    TASK_FORCE_TASK = "task_force_task", _("task force task")


class ReminderQuerySet(ScopedQuerySet):
    # Personal, like notifications: everyone sees only the reminders sent to them.
    scope = "notification"


class Reminder(models.Model):
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    subject_type = models.CharField(
        pgettext_lazy("reminder", "subject type"), max_length=16, choices=SubjectType.choices
    )
    subject_id = models.BigIntegerField(pgettext_lazy("reminder", "subject id"))
    due_on = models.DateField(_("due date"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    notification = models.OneToOneField(
        "kam.Notification",
        verbose_name=_("notification"),
        on_delete=models.SET_NULL,  # reading or clearing notifications keeps the key
        null=True,
        blank=True,
        related_name="reminder",
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id", "due_on", "recipient"],
                name="reminder_once",
            )
        ]
        indexes = [models.Index(fields=["recipient", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.subject_type} {self.subject_id} · {self.due_on}"
