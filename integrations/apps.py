from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self):
        # the API's POSTs honour Idempotency-Key through this app's store
        from integrations import events, idempotency
        from kam import events as domain_events
        from kam.api.viewsets import ScopedViewSet

        ScopedViewSet.idempotency = idempotency
        # the domain events the webhooks carry, written to the outbox in the publisher's
        # transaction
        for name in (
            "tier_changed",
            "health_turned_red",
            "opportunity_closed",
            "complaints_escalated",
            "plan_approved",
        ):
            domain_events.subscribe(name, getattr(events, name))
