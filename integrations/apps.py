from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self):
        # the API's POSTs honour Idempotency-Key through this app's store
        from integrations import idempotency
        from kam.api.viewsets import ScopedViewSet

        ScopedViewSet.idempotency = idempotency
