from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Key accounts")

    def ready(self):
        from accounts.service.models import Severity
        from messaging.notifications import PARAM_CHOICES

        PARAM_CHOICES["severity"] = Severity.choices  # a complaint's, in notifications
