"""Credit and receivables (信用与回款风险): the thresholds admins set, the warnings the
credit check raised (one per level and episode), and the credit reviews.

The exposure itself is not stored: ``plans.credit.with_exposure`` is its one definition,
read by the page, the report, the API, the check and the health check alike.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.scoping import ScopedQuerySet

MONEY = {"max_digits": 16, "decimal_places": 2}


class CreditLevel(models.TextChoices):
    """The levels the credit check warns of, each once per episode."""

    WARNING = "warning", _("Near the credit limit")
    OVER_LIMIT = "over_limit", _("Over the credit limit")
    OVERDUE_90 = "overdue_90", _("Overdue more than 90 days")


class CreditSettingsQuerySet(ScopedQuerySet):
    """Configuration: every signed-in user reads it, admins change it."""

    scope = "configuration"

    def current(self):
        """The settings in force: the latest version (None before the first save)."""
        return self.order_by("-version").first()


class CreditSettings(models.Model):
    """A version of the credit settings. A change is a new version; the old ones stay.

    The check warns when the exposure reaches ``warning_share`` % of the limit, again
    when it reaches ``limit_share`` %, and when the receivables overdue more than 90 days
    exceed ``overdue_90_above`` (0: any amount). How often an account's credit is
    reviewed is the tier service policy's (``accounts.policy``: credit review months per
    tier), not a credit setting."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    warning_share = models.DecimalField(
        # xgettext:no-python-format
        _("warn at % of the credit limit"),
        max_digits=5,
        decimal_places=1,
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(999)],
    )
    limit_share = models.DecimalField(
        # xgettext:no-python-format
        _("over the limit at % of the credit limit"),
        max_digits=5,
        decimal_places=1,
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(999)],
    )
    overdue_90_above = models.DecimalField(
        _("warn when overdue more than 90 days exceeds"),
        **MONEY,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("0: any amount overdue more than 90 days."),
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

    objects = CreditSettingsQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit settings")
        verbose_name_plural = _("credit settings")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(limit_share__gt=models.F("warning_share")),
                name="credit_settings_limit_above_warning",
                violation_error_message=_("The limit level must be above the warning level."),
            )
        ]

    def __str__(self):
        return str(_("Credit settings v%(version)s") % {"version": self.version})

    @classmethod
    def in_force(cls):
        """The saved settings in force, or the defaults until an admin saves."""
        return cls.objects.current() or cls(version=0)


class CreditWarningQuerySet(ScopedQuerySet):
    account_path = "account"

    def open(self):
        return self.filter(cleared_at__isnull=True)


class CreditWarning(models.Model):
    """One episode of an account at or over a level: raised once by the credit check (a
    unique open row per account and level), cleared when a check finds the account back
    under the level; crossing it again later is a new episode, and warns again."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="credit_warnings",
    )
    level = models.CharField(_("level"), max_length=16, choices=CreditLevel.choices)
    raised_at = models.DateTimeField(_("raised at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    exposure = models.DecimalField(_("credit exposure"), **MONEY)
    credit_limit = models.DecimalField(_("credit limit"), **MONEY, null=True, blank=True)
    share = models.DecimalField(
        _("share of the credit limit %"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    overdue_90 = models.DecimalField(_("overdue more than 90 days"), **MONEY)
    risk_event = models.ForeignKey(
        "accounts.RiskEvent",
        verbose_name=_("risk event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action_item = models.ForeignKey(
        "plans.ActionItem",
        verbose_name=_("collection task"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CreditWarningQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit warning")
        verbose_name_plural = _("credit warnings")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "level"],
                condition=Q(cleared_at__isnull=True),
                name="credit_warning_one_open_per_level",
            )
        ]

    def __str__(self):
        return f"{self.account_id} {self.level} {self.raised_at:%Y-%m-%d}"


class CreditReviewQuerySet(ScopedQuerySet):
    account_path = "account"


class CreditReview(models.Model):
    """A credit review (信用评审) of an account: the rating and limit it set, why, who
    reviewed and when, and when the next one is due (by the account's tier)."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="credit_reviews",
    )
    reviewed_on = models.DateField(_("reviewed on"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    old_rating = models.CharField(_("previous credit rating"), max_length=4, blank=True)
    new_rating = models.CharField(_("new credit rating"), max_length=4, blank=True)
    old_limit = models.DecimalField(_("previous credit limit"), **MONEY, null=True, blank=True)
    new_limit = models.DecimalField(_("new credit limit"), **MONEY, null=True, blank=True)
    exposure = models.DecimalField(_("credit exposure at the review"), **MONEY)
    reason = models.TextField(_("reason"))
    next_review_on = models.DateField(_("next review due"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CreditReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit review")
        verbose_name_plural = _("credit reviews")
        ordering = ["-reviewed_on", "-pk"]
        indexes = [models.Index(fields=["account", "-reviewed_on"])]

    def __str__(self):
        return f"{self.account_id} {self.reviewed_on}"
