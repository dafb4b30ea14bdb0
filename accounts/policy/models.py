"""The tier service policy (分级服务策略): what each tier commits us to, set by admins.

A change is a new version of the whole policy (one ``TierPolicy`` row per tier); the
earlier versions stay, so the page lists who changed what and when. Until an admin
saves one, the defaults below (``DEFAULTS``) are in force.

The visit cadence is part of the policy but is kept where the cadence rule reads it
(``ScoringModel.cadence_<tier>``, read in SQL by ``accounts.models.cadence_days``): the
policy page edits it through ``scoring_model_update`` and its history is the scoring
model's. Everything else the policy sets lives here.

This module must not import ``accounts.models`` (that module imports it).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.choices import ContactLevel
from kam.scoping import ScopedQuerySet

TIERS = ("A", "B", "C", "D")

#: the policy in force until an admin saves one (an account without a tier follows D):
#: what the product asked before the policy existed (no first-response hours of the tier's
#: own: the severity's commitments alone, which admins set; the credit review every
#: 3/6/12/12 months) and nothing more, so that no account falls
#: short until an admin sets the rules (e.g. the handbook's tier A: plan and sponsor
#: required, executive and decision level met within 90 days, 2 executive meetings)
DEFAULTS = {
    tier: {"response_hours": None, "plan_required": False, "sponsor_required": False,
           "contact_levels": [], "contact_within_days": 90, "executive_meetings": 0,
           "credit_review_months": months}
    for tier, months in (("A", 3), ("B", 6), ("C", 12), ("D", 12))
}  # fmt: skip

#: the fields of a tier's policy, in the order the page shows them
FIELDS = tuple(DEFAULTS["A"])


class Shortfall(models.TextChoices):
    """Where an account falls short of its tier's policy (each reminded once a year)."""

    PLAN = "plan", _("No account plan this year")
    SPONSOR = "sponsor", _("No executive sponsor")
    CONTACTS = "contacts", _("Contact levels not met")
    EXECUTIVE_MEETINGS = "executive_meetings", _("Executive meetings below target")


class ServicePolicyQuerySet(ScopedQuerySet):
    """Configuration: every signed-in user reads it, admins change it."""

    scope = "configuration"

    def current(self):
        """The version in force: the latest (None before the first save)."""
        return self.order_by("-version").first()


class ServicePolicy(models.Model):
    """A version of the tier service policy: its tiers' rows, why and by whom."""

    version = models.PositiveIntegerField(_("version"), unique=True)
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

    objects = ServicePolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier service policy")
        verbose_name_plural = _("tier service policies")
        ordering = ["-version"]

    def __str__(self):
        return str(_("Tier service policy v%(version)s") % {"version": self.version})


class TierPolicyQuerySet(ScopedQuerySet):
    scope = "configuration"

    def in_force(self):
        """The rows of the version in force (none before the first save)."""
        latest = ServicePolicy.objects.order_by("-version").values("pk")[:1]
        return self.filter(policy=models.Subquery(latest))


class TierPolicy(models.Model):
    """What one tier commits us to in one version of the policy."""

    policy = models.ForeignKey(
        ServicePolicy, verbose_name=_("version"), on_delete=models.CASCADE, related_name="tiers"
    )
    tier = models.CharField(_("tier"), max_length=1)
    response_hours = models.PositiveSmallIntegerField(
        _("first response to complaints within (hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("Empty: the severity's commitment alone."),
    )
    plan_required = models.BooleanField(_("annual account plan required"))
    sponsor_required = models.BooleanField(_("executive sponsor required"))
    contact_levels = ArrayField(
        models.CharField(max_length=16, choices=ContactLevel.choices),
        verbose_name=_("contact levels to cover"),
        default=list,
        blank=True,
    )
    contact_within_days = models.PositiveSmallIntegerField(
        _("contact levels met within (days)"),
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    executive_meetings = models.PositiveSmallIntegerField(
        _("executive meetings a year"), validators=[MaxValueValidator(52)]
    )
    credit_review_months = models.PositiveSmallIntegerField(
        _("credit review every (months)"), validators=[MinValueValidator(1), MaxValueValidator(36)]
    )

    objects = TierPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier policy")
        verbose_name_plural = _("tier policies")
        ordering = ["policy", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "tier"], name="tier_policy_once_per_version")
        ]

    def __str__(self):
        return f"{self.tier} v{self.policy_id}"


def policy_in_force() -> dict:
    """{tier: {field: value}} of the version in force (the defaults before the first
    save): one query."""
    rows = {row.tier: row for row in TierPolicy.objects.in_force()}
    return {
        tier: {name: getattr(rows[tier], name) for name in FIELDS} if tier in rows
        else dict(DEFAULTS[tier])
        for tier in TIERS
    }  # fmt: skip
