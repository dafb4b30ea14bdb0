from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TagKind(models.TextChoices):
    STRENGTH = "strength", pgettext_lazy("coaching", "Strength")
    GAP = "gap", pgettext_lazy("coaching", "Gap")


class SessionKind(models.TextChoices):
    COACHING = "coaching", _("Coaching session")
    TRAINING = "training", _("Training")
