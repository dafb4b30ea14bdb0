from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CandidatesConfig(AppConfig):
    name = "candidates"
    verbose_name = _("Candidate key accounts")

    def ready(self):
        from accounts.nested import Nested
        from accounts.selectors import TimelineEvent, ordered, timeline_source
        from candidates import imports
        from candidates.models import CandidateEvent, CandidateEventKind

        imports.register()

        # an account promoted from the pool says so on its timeline (with the score)
        timeline_source(
            "candidate_origin",
            nested=lambda here, limit, user: Nested(
                ordered(
                    CandidateEvent.objects.filter(account=here, kind=CandidateEventKind.PROMOTED)
                )[:1],
                related={"actor": user},
            ),
            events=lambda rows: [TimelineEvent(e.at, "candidate_promoted", e) for e in rows],
        )
