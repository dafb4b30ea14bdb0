from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = _("Account lifecycle")

    def ready(self):
        from accounts.choices import AccountStatus
        from accounts.nested import Nested
        from accounts.selectors import TimelineEvent, account_card, ordered, timeline_source
        from lifecycle.models import LifecycleMove, MoveRule
        from lifecycle.selectors import account_lifecycle_card, card_rows
        from messaging.notifications import PARAM_CHOICES

        # each move on its account's timeline
        timeline_source(
            "lifecycle_moves",
            nested=lambda here, limit, user: Nested(
                ordered(LifecycleMove.objects.filter(account=here))[:limit],
                related={"moved_by": user},
            ),
            events=lambda rows: [
                TimelineEvent(m.moved_at, "lifecycle_move", m, str(m)) for m in rows
            ],
        )
        # the lifecycle card (stage, last move, override, lifetime value) on the account page
        account_card(
            "lifecycle_card",
            template="lifecycle/_lifecycle_card.html",
            build=lambda account: account_lifecycle_card(account=account),
            annotate=card_rows,
        )
        # the stage codes a move's notification stores, read in the reader's language
        PARAM_CHOICES["stage"] = AccountStatus.choices
        PARAM_CHOICES["rule"] = MoveRule.choices
