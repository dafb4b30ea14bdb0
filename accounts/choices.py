from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountTeamRole(models.TextChoices):
    SUPPORT = "support", _("Support")
    TECHNICAL = "technical", _("Technical")
    EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")
