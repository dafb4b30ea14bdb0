from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self):
        from kam import events
        from reminders.services import reminders_for_breaches

        # complaints just marked breached: their people reminded, in the same transaction
        events.subscribe("complaints_escalate", reminders_for_breaches)
