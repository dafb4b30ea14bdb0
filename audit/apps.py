from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("History and audit")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from audit import celery_context  # noqa: F401  (task context for history rows)
