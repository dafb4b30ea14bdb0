"""The lifecycle rules in words, with the parameters in force: what the rules page shows
(the engine, ``lifecycle.engine``, applies the same rules in the same order)."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.choices import AccountStatus
from lifecycle.models import LifecycleRules, MoveRule


@dataclass
class Rule:
    code: str
    label: str
    stage: str
    text: str


def describe(rules: LifecycleRules) -> list[Rule]:
    """The rules, first match wins, each in words with its parameter."""
    label = dict(MoveRule.choices)
    stage = dict(AccountStatus.choices)
    return [
        Rule(
            MoveRule.LOST_RENEWAL, str(label[MoveRule.LOST_RENEWAL]), str(stage["lost"]),
            _("The account's latest decided renewal opportunity was lost. A lost account "
              "stays lost until someone overrides its stage."),
        ),
        Rule(
            MoveRule.SILENT, str(label[MoveRule.SILENT]), str(stage["dormant"]),
            _("No ERP actuals and no visit for %(months)s months (and the account is older "
              "than that).") % {"months": rules.silent_months},
        ),
        Rule(
            MoveRule.HEALTH_RED, str(label[MoveRule.HEALTH_RED]), str(stage["at_risk"]),
            _("The health has been red for %(days)s days or more; an account at risk stays "
              "there while its health is red.") % {"days": rules.red_days},
        ),
        Rule(
            MoveRule.SUSTAINED, str(label[MoveRule.SUSTAINED]), str(stage["mature"]),
            _("ERP actuals in %(months)s months or more.") % {"months": rules.mature_months},
        ),
        Rule(
            MoveRule.FIRST_BUSINESS, str(label[MoveRule.FIRST_BUSINESS]),
            str(stage["developing"]),
            _("A prospect's first signed contract or first ERP actual. A prospect without "
              "either stays a prospect."),
        ),
        Rule(
            MoveRule.RECOVERED, str(label[MoveRule.RECOVERED]), str(stage["developing"]),
            _("An account at risk or dormant that no rule above holds any more goes back to "
              "developing, or to mature with the months of actuals of a mature one."),
        ),
        Rule(
            MoveRule.OVERRIDE, str(label[MoveRule.OVERRIDE]), "",
            _("A supervisor or an administrator sets the stage with a reason: the rules do "
              "not move the account until the override is lifted or its end date passes."),
        ),
    ]  # fmt: skip
