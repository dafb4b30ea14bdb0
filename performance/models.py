"""The KAM scorecard's measures and the incentive rule: configuration admins set.

The figures themselves are not stored: ``performance.selectors`` reads them from the
apps that own the rows, through their one definition each.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.scoping import ScopedQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}


class Measure(models.TextChoices):
    """The fixed list of measures a scorecard may weigh, in the order shown."""

    ATTAINMENT = "attainment", _("Attainment against quota")
    GROSS_MARGIN = "gross_margin", _("Gross margin")
    COLLECTION_RATE = "collection_rate", _("Collection rate")
    RECEIVABLES_OVERDUE = "receivables_overdue", _("Receivables overdue")
    CADENCE = "cadence", _("Visit cadence kept")
    COMPLAINT_RESPONSE = "complaint_response", _("Complaints answered in time")
    NPS = "nps", _("Net Promoter Score")
    PLAN_ON_TIME = "plan_on_time", _("Plans approved on time")
    EXECUTIVE_MEETINGS = "executive_meetings", _("Executive meetings on A accounts")


#: measures where less is better (the score is full at or under the target)
LOWER_IS_BETTER = {Measure.RECEIVABLES_OVERDUE}
#: measures counted in money (the others are percentages, NPS a score from -100 to 100)
IN_MONEY = {Measure.RECEIVABLES_OVERDUE}


class ConfigurationQuerySet(ScopedQuerySet):
    scope = "configuration"


class ScorecardMeasure(models.Model):
    """One measure of the scorecard: its target and weight, and whether it counts."""

    key = models.CharField(_("measure"), max_length=32, choices=Measure.choices, unique=True)
    target = models.DecimalField(_("target"), **MONEY)
    weight = models.PositiveSmallIntegerField(
        _("weight"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    active = models.BooleanField(_("counts"), default=True)

    objects = ConfigurationQuerySet.as_manager()

    class Meta:
        verbose_name = _("scorecard measure")
        verbose_name_plural = _("scorecard measures")
        ordering = ["pk"]

    def __str__(self):
        return self.get_key_display()


class IncentiveRuleQuerySet(ConfigurationQuerySet):
    def current(self):
        """The rule in force: the latest version (None before the first)."""
        return self.order_by("-version").first()


class IncentiveRule(models.Model):
    """A version of the incentive rule. A change is a new version; the old ones stay.

    ``bands``: [[attainment from %, multiplier], …] — the band of the highest "from" at
    or under the attainment applies (exactly at an edge: that band). The gate: when the
    collection rate is under ``gate_collection_rate`` %, attainment above
    ``gate_attainment_ceiling`` % does not count. ``cap``: the most a period pays."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    target_bonus = models.DecimalField(
        _("target bonus per quarter"),
        **MONEY,
        validators=[MinValueValidator(0)],
        help_text=_("Paid at a multiplier of 1; a year's is four quarters'."),
    )
    bands = models.JSONField(
        _("attainment bands"),
        default=list,
        help_text=_("Attainment from (%) and the multiplier from there on."),
    )
    gate_collection_rate = models.DecimalField(
        _("minimum collection rate %"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    gate_attainment_ceiling = models.DecimalField(
        _("attainment counted under the minimum, at most %"),
        max_digits=6,
        decimal_places=2,
        default=100,
        validators=[MinValueValidator(0)],
    )
    cap = models.DecimalField(
        _("cap per period"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    note = models.TextField(_("reason for the change"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    objects = IncentiveRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("incentive rule")
        verbose_name_plural = _("incentive rules")
        ordering = ["-version"]

    def __str__(self):
        return _("Incentive rule v%(version)s") % {"version": self.version}
