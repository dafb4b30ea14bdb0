from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Notification delivery")

    def ready(self):
        from kam.models import Notification
        from messaging.notifications import render_message

        Notification.render = staticmethod(render_message)
