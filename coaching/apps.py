from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = _("Coaching")

    def ready(self):
        from django.db.models.signals import post_migrate
        from django.urls import reverse

        from accounts.selectors import review_panel
        from audit.history import PART_NAMES
        from coaching.models import CompetenceEvent
        from coaching.selectors import follow_up_params, follow_up_sql
        from coaching.services import competences_history_baseline
        from kam.choices import NotificationKind
        from performance.views import scorecard_link
        from reminders.engine import reminder_source

        # the strengths and gaps tagged on a reviewed visit or plan, on its page
        review_panel(
            "visit", "coaching", label=_("Coaching"),
            url=lambda visit: reverse("coaching:visit-tags", args=[visit.pk]),
        )  # fmt: skip
        review_panel(
            "plan", "coaching", label=_("Coaching"),
            url=lambda plan: reverse("coaching:plan-tags", args=[plan.pk]),
        )  # fmt: skip
        # the KAM's coaching page, from their scorecard
        scorecard_link(
            "coaching", label=_("Coaching"),
            url=lambda kam: reverse("coaching:kam", args=[kam.pk]),
        )  # fmt: skip
        # a session's follow-up date reminds its supervisor once (the reminder sweep)
        reminder_source(
            NotificationKind.COACHING_FOLLOW_UP, sql=follow_up_sql, params=follow_up_params
        )
        # the competences' history names each by its name; the seeded ones get their
        # creation recorded once the history triggers exist
        PART_NAMES[CompetenceEvent] = "name"
        post_migrate.connect(
            lambda **kwargs: competences_history_baseline(using=kwargs.get("using", "default")),
            sender=self, weak=False, dispatch_uid="coaching-history-baseline",
        )  # fmt: skip
