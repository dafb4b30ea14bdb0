"""``ChoiceLabels``: get_FOO_display reads a cached map and answers as Django does."""

from django.utils import translation

from accounts.choices import AccountStatus
from accounts.models import Account


def test_labels_follow_the_active_language_and_unknown_values_pass_through():
    account = Account(status=AccountStatus.AT_RISK)
    with translation.override("en"):
        assert account.get_status_display() == "At risk"
    with translation.override("zh-hans"):
        chinese = account.get_status_display()
    assert chinese != "At risk"
    with translation.override("zh-hans"):
        assert chinese == str(AccountStatus.AT_RISK.label)
    account.status = "not-a-status"
    assert account.get_status_display() == "not-a-status"
