"""The account lifecycle (客户生命周期): the rules' parameters admins set (versioned), each
move of an account's stage, and the manual overrides that hold an account in a stage.

The stage itself is ``accounts.Account.status`` (``accounts.choices.AccountStatus``); the
rules are in ``lifecycle.engine`` and read in words on the rules page
(``lifecycle.rules.describe``).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import AccountStatus
from kam.scoping import ScopedQuerySet


class MoveRule(models.TextChoices):
    """Why a stage moved: one of the rules, or a person's override."""

    FIRST_BUSINESS = "first_business", _("First contract or first actual")
    SUSTAINED = "sustained", _("Sustained actuals")
    HEALTH_RED = "health_red", _("Health red for too long")
    SILENT = "silent", _("No actuals and no visits")
    LOST_RENEWAL = "lost_renewal", _("Renewal lost")
    RECOVERED = "recovered", _("Recovered")
    OVERRIDE = "override", _("Manual override")


class LifecycleRulesQuerySet(ScopedQuerySet):
    """Configuration: every signed-in user reads it, admins change it."""

    scope = "configuration"

    def current(self):
        return self.order_by("-version").first()


class LifecycleRules(models.Model):
    """A version of the lifecycle rules' parameters. A change is a new version; the old
    ones stay (the rules page lists them)."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    red_days = models.PositiveSmallIntegerField(
        _("at risk after the health has been red for (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    silent_months = models.PositiveSmallIntegerField(
        _("dormant after no actuals and no visits for (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    mature_months = models.PositiveSmallIntegerField(
        _("mature after months with actuals"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
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

    objects = LifecycleRulesQuerySet.as_manager()

    class Meta:
        verbose_name = _("lifecycle rules")
        verbose_name_plural = _("lifecycle rules")
        ordering = ["-version"]

    def __str__(self):
        return str(_("Lifecycle rules v%(version)s") % {"version": self.version})

    @classmethod
    def in_force(cls):
        """The rules in force: the latest version, or the defaults (unsaved) before the
        first change."""
        return cls.objects.current() or cls(version=0)


class LifecycleMoveQuerySet(ScopedQuerySet):
    account_path = "account"


class LifecycleMove(models.Model):
    """An account's stage moved: by a rule (``moved_by`` empty) or by an override."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="lifecycle_moves",
    )
    from_stage = models.CharField(
        pgettext_lazy("status change", "from"), max_length=16, choices=AccountStatus.choices
    )
    to_stage = models.CharField(
        pgettext_lazy("status change", "to"), max_length=16, choices=AccountStatus.choices
    )
    rule = models.CharField(_("rule"), max_length=16, choices=MoveRule.choices)
    reason = models.TextField(_("reason"), blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moved_at = models.DateTimeField(_("moved at"))

    objects = LifecycleMoveQuerySet.as_manager()

    class Meta:
        verbose_name = _("lifecycle move")
        verbose_name_plural = _("lifecycle moves")
        ordering = ["-moved_at", "-id"]
        indexes = [models.Index(fields=["account", "-moved_at"], name="lifecycle_move_account")]

    def __str__(self):
        return f"{self.account_id}: {self.from_stage} → {self.to_stage} ({self.rule})"


class LifecycleOverrideQuerySet(ScopedQuerySet):
    account_path = "account"

    def holding(self, today=None):
        """The overrides in force: not lifted, and not past their end date (if any)."""
        today = today or timezone.localdate()
        return self.filter(lifted_at__isnull=True).filter(
            Q(until__isnull=True) | Q(until__gte=today)
        )


class LifecycleOverride(models.Model):
    """A person set the account's stage by hand, with a reason: the rules do not move the
    account while the override holds (until it is lifted, or after its end date)."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="lifecycle_overrides",
    )
    stage = models.CharField(_("lifecycle stage"), max_length=16, choices=AccountStatus.choices)
    reason = models.TextField(_("reason"))
    until = models.DateField(
        _("holds until"),
        null=True,
        blank=True,
        help_text=_("Empty: until someone lifts it."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = LifecycleOverrideQuerySet.as_manager()

    class Meta:
        verbose_name = _("lifecycle override")
        verbose_name_plural = _("lifecycle overrides")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(lifted_at__isnull=True),
                name="lifecycle_override_one_open",
            )
        ]

    def __str__(self):
        return f"{self.account_id}: {self.stage}"
