from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Account plans")

    def ready(self):
        from accounts.health import engine as health
        from accounts.nested import Nested
        from accounts.selectors import TimelineEvent, account_card, ordered, timeline_source
        from accounts.tiering import engine as tiering
        from plans.models import Actual, PlanTransition
        from plans.selectors import account_plan_card, health_commercial_sql

        # a plan's steps on its account's timeline
        timeline_source(
            "plan_steps",
            nested=lambda here, limit, user: Nested(
                ordered(PlanTransition.objects.filter(plan__account=here))[:limit],
                related={"actor": user, "plan": None},
            ),
            events=lambda rows: [TimelineEvent(s.created_at, "plan_transition", s) for s in rows],
        )

        # the plan card on the account page
        account_card(
            "plan_card",
            template="plans/_plan_card.html",
            build=lambda account: account_plan_card(account=account),
        )
        # the health check's target and revenue to date, the tier scoring's actuals
        health.commercial_sql = health_commercial_sql
        tiering.actuals_in_window = lambda first, end: (
            Actual.objects.in_months(first, end).totals_by_account()
        )
