from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccountTeamRole(models.TextChoices):
    SUPPORT = "support", _("Support")
    TECHNICAL = "technical", _("Technical")
    EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")


class AccountStatus(models.TextChoices):
    """The lifecycle stage (生命周期阶段): prospect → developing → mature → at risk →
    dormant / lost, moved by the lifecycle rules (lifecycle.engine). Accounts stored as
    "active" before the stages were split became developing or mature (lifecycle
    migration 0002: mature with 12 months of actuals)."""

    PROSPECT = "prospect", pgettext_lazy("lifecycle stage", "Prospect")
    DEVELOPING = "developing", pgettext_lazy("lifecycle stage", "Developing")
    MATURE = "mature", pgettext_lazy("lifecycle stage", "Mature")
    AT_RISK = "at_risk", pgettext_lazy("lifecycle stage", "At risk")
    DORMANT = "dormant", pgettext_lazy("lifecycle stage", "Dormant")
    LOST = "lost", pgettext_lazy("lifecycle stage", "Lost")


#: "active", the stage before developing and mature were told apart: still accepted where
#: people and other systems name a stage (the list filters, saved views, the bulk API and
#: the imports), meaning either of the two; a row written as "active" starts developing
#: and the lifecycle rules move it on.
LEGACY_ACTIVE = "active"
ACTIVE_STAGES = (AccountStatus.DEVELOPING, AccountStatus.MATURE)


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    AUTOMOTIVE = "automotive", _("Automotive")
    ELECTRONICS = "electronics", _("Electronics and semiconductors")
    ENERGY = "energy", _("Energy and utilities")
    CHEMICALS = "chemicals", _("Chemicals and materials")
    HEALTHCARE = "healthcare", _("Pharma and healthcare")
    RETAIL = "retail", _("Retail and consumer goods")
    LOGISTICS = "logistics", _("Logistics and transport")
    TELECOM = "telecom", _("Telecom and IT")
    CONSTRUCTION = "construction", _("Construction and real estate")
    FINANCE = "finance", _("Finance and insurance")
    PUBLIC = "public", _("Government and public sector")
    OTHER = "other", _("Other")


class Region(models.TextChoices):
    EAST = "east", _("East China")
    NORTH = "north", _("North China")
    SOUTH = "south", _("South China")
    CENTRAL = "central", _("Central China")
    SOUTHWEST = "southwest", _("Southwest China")
    NORTHWEST = "northwest", _("Northwest China")
    NORTHEAST = "northeast", _("Northeast China")
    OVERSEAS = "overseas", _("Overseas")


class CreditRating(models.TextChoices):
    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    BBB = "BBB", "BBB"
    BB = "BB", "BB"
    B = "B", "B"
    C = "C", "C"


class ContactLevel(models.TextChoices):
    EXECUTIVE = "executive", _("Executive level")
    DECISION = "decision", _("Decision level")
    EXECUTION = "execution", _("Execution level")


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    CHAMPION = "champion", _("Champion")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    BLOCKER = "blocker", _("Blocker")


class Attitude(models.TextChoices):
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    OPPONENT = "opponent", _("Opponent")


class VisitKind(models.TextChoices):
    ONSITE = "onsite", _("On-site visit")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    EXECUTIVE_MEETING = "executive_meeting", _("Executive meeting")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")
    EVENT = "event", _("Event")


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")
