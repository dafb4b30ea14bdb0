from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self):
        from accounts.policy.selectors import shortfall_reminder_params, shortfall_reminder_sql
        from kam import events
        from kam.choices import NotificationKind
        from reminders.engine import reminder_source
        from reminders.services import reminders_for_breaches

        # complaints just marked breached: their people reminded, in the same transaction
        events.subscribe("complaints_escalate", reminders_for_breaches)
        # each shortfall of the tier service policy, once a year (one fragment for the
        # four kinds: the shortfalls are computed once)
        reminder_source(
            NotificationKind.POLICY_EXECUTIVE_MEETINGS,
            sql=shortfall_reminder_sql,
            params=shortfall_reminder_params,
        )
