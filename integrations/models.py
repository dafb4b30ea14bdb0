"""Integration records: API token metadata, service users, idempotency keys, webhook
subscriptions, the outbox of events and the webhook delivery log."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.choices import DeliveryStatus, EventKind
from kam.choices import Role
from kam.scoping import ScopedQuerySet


class AdministrationQuerySet(ScopedQuerySet):
    """Service users, webhooks, their events and delivery log: the "administration"
    rule of kam.scoping (admins only, for reading and changing)."""

    scope = "administration"


class ApiTokenQuerySet(models.QuerySet):
    """Tokens are personal: pages list ``of(user)``; admins see service users' too."""

    def of(self, user):
        return self.filter(user=user)

    def active(self):
        """Tokens that still open the API (``ApiToken.is_active``): not revoked."""
        return self.filter(revoked_at__isnull=True, digest__isnull=False)


class WebhookSubscriptionQuerySet(AdministrationQuerySet):
    def active(self):
        return self.filter(is_active=True)


class WebhookDeliveryQuerySet(AdministrationQuerySet):
    def failed_since(self, since):
        """Deliveries given up on (failed) whose last attempt was at or after ``since``."""
        return self.filter(status=DeliveryStatus.FAILED, last_attempt_at__gte=since)


class ApiToken(models.Model):
    """What we know about a knox token besides its hash: a name, whether it is
    read-only, when it was last used. Revoking deletes the knox token; this row stays
    as the record of it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    # the knox token's primary key (the hash of the key); knox's model is swappable,
    # so no foreign key: revoking deletes the knox row and clears this one
    digest = models.CharField(max_length=128, null=True, blank=True, unique=True)
    name = models.CharField(_("name"), max_length=100)
    token_prefix = models.CharField(_("token starts with"), max_length=16, blank=True)
    read_only = models.BooleanField(_("read-only"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.revoked_at is None and self.digest is not None


class ServiceUser(models.Model):
    """A user that is a system (ERP, BI, a bot), not a person: it never signs in with a
    password; its tokens act with its role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="service",
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AdministrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("service user")
        verbose_name_plural = _("service users")

    def __str__(self):
        return self.user.username

    @property
    def role(self):
        return Role(self.user.role).label


class IdempotencyKey(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key`` header."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return self.key


class WebhookSubscription(models.Model):
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret"),
        max_length=128,
        help_text=_("Each delivery is signed with HMAC-SHA256 of the body with this secret."),
    )
    event_kinds = ArrayField(
        models.CharField(max_length=40, choices=EventKind.choices),
        verbose_name=_("events"),
        default=list,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = WebhookSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def get_event_kinds_display(self):
        labels = dict(EventKind.choices)
        return [labels.get(kind, kind) for kind in self.event_kinds]


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change it reports."""

    kind = models.CharField(_("event"), max_length=40, choices=EventKind.choices)
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    objects = AdministrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.kind} #{self.pk}"


class WebhookDelivery(models.Model):
    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.ForeignKey(
        OutboxEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"], name="webhook_delivery_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.subscription} / {self.event}"
