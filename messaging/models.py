"""Delivery of notifications outside the app: e-mail preferences, team IM robots and
one recorded Delivery per notification, channel and target.

An e-mail or a webhook call can only be delivered at least once; what we make exact is
the record: a delivery is queued once (unique key) and never sent again once marked sent.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.choices import NotificationKind
from kam.scoping import ScopedQuerySet

#: kinds that do not reach a user by e-mail until they switch them on
DEFAULT_EMAIL_OFF = (
    NotificationKind.VISIT_COMMENTED.value,
    NotificationKind.TIER_CHANGED.value,
    NotificationKind.HEALTH_DROPPED.value,
    NotificationKind.ACCOUNT_HANDED_OVER.value,
)


def default_email_kinds():
    """Every kind known today except the chatty ones."""
    return [value for value in NotificationKind.values if value not in DEFAULT_EMAIL_OFF]


class Provider(models.TextChoices):
    WECOM = "wecom", _("WeCom robot")
    DINGTALK = "dingtalk", _("DingTalk robot")


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom robot")
    DINGTALK = "dingtalk", _("DingTalk robot")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class EmailPreference(models.Model):
    """Which notification kinds reach a user by e-mail. Without a saved row a user gets
    every kind except ``DEFAULT_EMAIL_OFF``. Personal: only read and written for
    ``request.user``, never listed. ``kinds`` values are validated by the form
    against ``NotificationKind`` (no DB choices: kinds are added over time)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="email_preference",
    )
    kinds = ArrayField(
        models.CharField(max_length=40),
        verbose_name=_("notifications by e-mail"),
        default=default_email_kinds,
        blank=True,
    )
    weekly_digest = models.BooleanField(
        _("weekly digest"),
        default=True,
        help_text=_("Supervisors: the Monday summary of their teams' accounts."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")

    def __str__(self):
        return str(self.user)


class TeamChannelQuerySet(ScopedQuerySet):
    scope = "administration"


class TeamChannel(models.Model):
    """A team's enterprise IM robot (WeCom or DingTalk group webhook), set up by ops."""

    team = models.ForeignKey(
        "kam.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="im_channels"
    )
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    name = models.CharField(_("name"), max_length=120, blank=True)
    webhook_url = models.URLField(_("webhook URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk only: the robot's signing secret (starts with SEC), if set."),
    )
    kinds = ArrayField(
        models.CharField(max_length=40),
        verbose_name=_("notifications posted"),
        default=list,
        blank=True,
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TeamChannelQuerySet.as_manager()

    class Meta:
        verbose_name = _("team IM channel")
        verbose_name_plural = _("team IM channels")
        ordering = ["team__name", "id"]

    def __str__(self):
        return self.name or f"{self.team} · {self.get_provider_display()}"

    @property
    def target(self):
        return f"channel:{self.pk}"


class DeliveryQuerySet(ScopedQuerySet):
    scope = "administration"  # ops read them on the channel page

    def due(self, now):
        return self.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)


class Delivery(models.Model):
    """One message to one target over one channel: a notification by e-mail to a user,
    a notification to a team's robot, or a supervisor's weekly digest."""

    notification = models.ForeignKey(
        "kam.Notification",
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    team_channel = models.ForeignKey(
        TeamChannel,
        verbose_name=_("team IM channel"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=DeliveryChannel.choices)
    target = models.CharField(_("target"), max_length=254)
    digest_week = models.CharField(
        _("digest week"), max_length=8, blank=True, help_text=_("ISO week, e.g. 2026-W48.")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_default=models.functions.Now())
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), db_default=models.functions.Now())

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel", "target"],
                condition=Q(notification__isnull=False),
                name="delivery_once_per_notification_target",
            ),
            models.UniqueConstraint(
                fields=["recipient", "digest_week"],
                condition=Q(notification__isnull=True) & ~Q(digest_week=""),
                name="delivery_one_digest_per_week",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_pending_due",
            )
        ]

    def __str__(self):
        return f"{self.channel} → {self.target} ({self.status})"
