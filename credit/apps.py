from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Credit and receivables")

    def ready(self):
        from accounts.filtersets import account_condition
        from accounts.health import engine as health
        from accounts.models import Account
        from accounts.selectors import account_card
        from credit import engine
        from credit.levels import with_levels
        from credit.selectors import account_credit_card, with_credit_card
        from kam import events

        # the account page's credit card
        account_card(
            "credit_card",
            template="credit/_credit_card.html",
            build=lambda account: account_credit_card(account=account),
            annotate=with_credit_card,
        )
        # the account list's and the accounts API's ?over_credit_limit=true|false
        account_condition(
            "over_credit_limit",
            label=_("Over the credit limit"),
            accounts=lambda: (
                with_levels(Account.objects.order_by()).filter(credit_at_limit=True).values("pk")
            ),
        )
        # the health check's risk component reads the exposure
        health.credit_sql = engine.health_credit_sql
        # a check after each load of actuals (on commit)
        events.subscribe("actuals_loaded", engine.check_after_load)
