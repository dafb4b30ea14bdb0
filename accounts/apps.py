from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Key accounts")

    def ready(self):
        from accounts.policy.selectors import account_policy_card
        from accounts.selectors import account_card
        from accounts.service.models import Severity
        from messaging.notifications import PARAM_CHOICES

        PARAM_CHOICES["severity"] = Severity.choices  # a complaint's, in notifications
        # the account page's tier service policy card
        account_card(
            "policy_card",
            template="accounts/policy/_policy_card.html",
            build=lambda account: account_policy_card(account=account),
            annotate=lambda accounts: accounts.with_policy_shortfalls(),
        )
