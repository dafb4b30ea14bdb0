"""Account health (健康度): the settings, a daily snapshot per account, status changes.

This module must not import ``accounts.models`` (that module imports from here);
relations to accounts are named by string.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.scoping import ScopedQuerySet


class HealthStatus(models.TextChoices):
    GREEN = "green", _("Healthy")
    AMBER = "amber", _("Watch")
    RED = "red", _("At risk")


class HealthComponent(models.TextChoices):
    ENGAGEMENT = "engagement", _("Engagement")
    RELATIONSHIP = "relationship", _("Relationship coverage")
    COMMERCIAL = "commercial", _("Commercial")
    SATISFACTION = "satisfaction", _("Satisfaction")
    SERVICE = "service", _("Service")
    RISK = "risk", _("Risk")


DEFAULT_WEIGHTS = {
    HealthComponent.ENGAGEMENT.value: 25,
    HealthComponent.RELATIONSHIP.value: 15,
    HealthComponent.COMMERCIAL.value: 20,
    HealthComponent.SATISFACTION.value: 15,
    HealthComponent.SERVICE.value: 15,
    HealthComponent.RISK.value: 10,
}


def default_weights():
    return dict(DEFAULT_WEIGHTS)


class HealthSettingsQuerySet(ScopedQuerySet):
    """Not account-scoped: every signed-in user reads it, only admins change it."""

    scope = "configuration"


class HealthSettings(models.Model):
    """The one current health configuration (pk 1): weights, thresholds, alert drop."""

    weights = models.JSONField(_("weights"), default=default_weights)
    green_from = models.PositiveSmallIntegerField(_("green from score"), default=70)
    amber_from = models.PositiveSmallIntegerField(_("amber from score"), default=40)
    alert_drop = models.PositiveSmallIntegerField(
        _("alert on a drop of more than (points)"),
        default=15,
        help_text=_("A score falling by more than this since the last check alerts the owner."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = HealthSettingsQuerySet.as_manager()

    class Meta:
        verbose_name = _("health settings")
        verbose_name_plural = _("health settings")

    def __str__(self):
        return str(_("Health settings"))

    @classmethod
    def current(cls):
        """The settings in force: the saved ones, or the defaults until an admin saves."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def as_dict(self):
        return {
            "weights": dict(self.weights),
            "green_from": self.green_from,
            "amber_from": self.amber_from,
            "alert_drop": self.alert_drop,
        }


class HealthSnapshotQuerySet(ScopedQuerySet):
    account_path = "account"

    def latest_check(self):
        """The latest health check: its day, when it finished and how many accounts it
        checked ({"taken_on", "computed_at", "accounts"}), or None before the first."""
        return (
            self.values("taken_on")
            .annotate(computed_at=models.Max("computed_at"), accounts=models.Count("pk"))
            .order_by("-taken_on")
            .first()
        )


class HealthSnapshot(models.Model):
    """An account's health on one day, with each component's sub-score, weight and
    inputs; a re-run on the same day replaces the day's row."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="health_snapshots",
    )
    taken_on = models.DateField(_("date"))
    score = models.DecimalField(_("health score"), max_digits=5, decimal_places=2)
    status = models.CharField(_("health"), max_length=8, choices=HealthStatus.choices)
    components = models.JSONField(_("components"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))

    objects = HealthSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("health snapshot")
        verbose_name_plural = _("health snapshots")
        ordering = ["-taken_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "taken_on"], name="health_snapshot_one_per_day"
            )
        ]

    def __str__(self):
        return f"{self.account_id} {self.taken_on}: {self.score} ({self.status})"


class HealthAlert(models.TextChoices):
    TURNED_RED = "red", _("Turned red")
    DROPPED = "drop", _("Dropped sharply")


class HealthChangeQuerySet(ScopedQuerySet):
    account_path = "account"

    def turned_red(self):
        """The changes that turned an account red (the health check's alert, raised when
        an account's status became red from another one)."""
        return self.filter(alert=HealthAlert.TURNED_RED)


class HealthChange(models.Model):
    """A change of an account's health status, or a drop large enough to alert."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="health_changes",
    )
    changed_at = models.DateTimeField(_("changed at"))
    old_status = models.CharField(
        pgettext_lazy("status change", "from"), max_length=8, choices=HealthStatus.choices
    )
    new_status = models.CharField(
        pgettext_lazy("status change", "to"), max_length=8, choices=HealthStatus.choices
    )
    old_score = models.DecimalField(_("old score"), max_digits=5, decimal_places=2)
    new_score = models.DecimalField(_("new score"), max_digits=5, decimal_places=2)
    alert = models.CharField(_("alert"), max_length=8, choices=HealthAlert.choices, blank=True)

    objects = HealthChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("health change")
        verbose_name_plural = _("health changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["account", "-changed_at"], name="health_change_account")]

    def __str__(self):
        return f"{self.account_id}: {self.old_status} → {self.new_status}"
