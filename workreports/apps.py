from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkReportsConfig(AppConfig):
    name = "workreports"
    verbose_name = _("Weekly and monthly reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from messaging.notifications import PARAM_CHOICES
        from workreports.models import REPORT_NOUNS

        PARAM_CHOICES["report"] = REPORT_NOUNS  # a report's kind, in notifications
