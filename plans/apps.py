from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Account plans")

    def ready(self):
        from accounts.nested import Nested
        from accounts.selectors import TimelineEvent, ordered, timeline_source
        from plans.models import PlanTransition

        # a plan's steps on its account's timeline
        timeline_source(
            "plan_steps",
            nested=lambda here, limit, user: Nested(
                ordered(PlanTransition.objects.filter(plan__account=here))[:limit],
                related={"actor": user, "plan": None},
            ),
            events=lambda rows: [TimelineEvent(s.created_at, "plan_transition", s) for s in rows],
        )
