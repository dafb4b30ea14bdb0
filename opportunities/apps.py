from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self):
        from accounts.nested import Nested
        from accounts.selectors import TimelineEvent, ordered, timeline_source
        from opportunities.choices import StageKind
        from opportunities.models import OpportunityStageChange

        # won deals on their account's timeline
        won = OpportunityStageChange.objects.filter(to_stage__kind=StageKind.WON)
        timeline_source(
            "wins",
            nested=lambda here, limit, user: Nested(
                ordered(won.filter(opportunity__account=here))[:limit],
                related={"opportunity": None, "changed_by": user},
            ),
            events=lambda rows: [TimelineEvent(w.changed_at, "opportunity_won", w) for w in rows],
        )
