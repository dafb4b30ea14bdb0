from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OpportunityType(models.TextChoices):
    NEW_BUSINESS = "new_business", _("New business")
    CROSS_SELL = "cross_sell", _("Cross-sell")
    UP_SELL = "up_sell", _("Up-sell")
    RENEWAL = "renewal", _("Renewal")


class StageKind(models.TextChoices):
    OPEN = "open", pgettext_lazy("stage kind", "Open")
    WON = "won", _("Won")
    LOST = "lost", pgettext_lazy("stage kind", "Lost")


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    SIGNED = "signed", _("Signed")
    ACTIVE = "active", pgettext_lazy("contract status", "Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


#: the pipeline a fresh installation starts with (data migration 0003); ops change it.
#: The names are marked for translation so the defaults read in every language.
#: the default stage names, for the catalog: a stage's name shows through
#: pgettext("pipeline stage", name), so ops' own names pass through unchanged
DEFAULT_STAGE_LABELS = (
    pgettext_lazy("pipeline stage", "Qualify"),
    pgettext_lazy("pipeline stage", "Needs analysis"),
    pgettext_lazy("pipeline stage", "Proposal"),
    pgettext_lazy("pipeline stage", "Negotiation"),
    pgettext_lazy("pipeline stage", "Won"),
    pgettext_lazy("pipeline stage", "Lost"),
)

DEFAULT_STAGES = (
    # (name, order, probability, kind)
    ("Qualify", 10, 10, StageKind.OPEN),
    ("Needs analysis", 20, 25, StageKind.OPEN),
    ("Proposal", 30, 50, StageKind.OPEN),
    ("Negotiation", 40, 75, StageKind.OPEN),
    ("Won", 50, 100, StageKind.WON),
    ("Lost", 60, 0, StageKind.LOST),
)

#: forecast categories: an open deal at or above these probabilities (in %)
COMMIT_MIN_PROBABILITY = 75
BEST_CASE_MIN_PROBABILITY = 50

#: renewal reminders, days before a contract ends (sent by the reminders issue)
RENEWAL_REMINDER_DAYS = (90, 30)
