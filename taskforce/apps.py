from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaskforceConfig(AppConfig):
    name = "taskforce"
    verbose_name = _("Task forces")

    def ready(self):
        from django.db.models.signals import post_migrate
        from django.urls import reverse

        from accounts.nested import Nested
        from accounts.selectors import ordered, review_panel, timeline_source
        from accounts.service.services import complaint_guard
        from audit.history import PART_NAMES
        from kam.choices import NotificationKind
        from reminders.engine import reminder_source
        from taskforce import selectors
        from taskforce.models import DepartmentEvent, Task
        from taskforce.services import departments_history_baseline

        # the task force on its complaint's page (loaded from its own URL)
        review_panel(
            "complaint", "taskforce", label=_("Task force"),
            url=lambda complaint: reverse("taskforce:complaint", args=[complaint.pk]),
        )  # fmt: skip
        # a task force complaint resolves only with its task force, closes only when
        # every task is done (the follow-up visit's verification comes before closing)
        complaint_guard(selectors.complaint_refusal)
        # a task assigned and a task done on the account's timeline
        timeline_source(
            "task_force_tasks",
            nested=lambda here, limit, user: Nested(
                ordered(Task.objects.filter(task_force__complaint__account=here))[:limit],
                related={"department": None, "assignee": user, "task_force": None},
            ),
            events=selectors.timeline_events,
        )
        # a task reminds its assignee once when it comes due (the reminder sweep)
        reminder_source(
            NotificationKind.TASK_FORCE_TASK_DUE,
            sql=selectors.due_tasks_sql,
            params=selectors.due_tasks_params,
        )
        # the departments' history names each by its name; the seeded ones get their
        # creation recorded once the history triggers exist
        PART_NAMES[DepartmentEvent] = "name"
        post_migrate.connect(
            lambda **kwargs: departments_history_baseline(using=kwargs.get("using", "default")),
            sender=self, weak=False, dispatch_uid="taskforce-history-baseline",
        )  # fmt: skip
