"""Writes of the integrations app: tokens, service users, webhook subscriptions and
redelivery. Events themselves are written by ``integrations.outbox.emit``."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from integrations.choices import DeliveryStatus, EventKind
from integrations.models import ApiToken, ServiceUser, WebhookDelivery, WebhookSubscription
from kam import services as kam_services
from kam.capabilities import may
from kam.choices import Role
from kam.models import User
from kam.queue import enqueue_on_commit


def _require(actor: User, capability: str) -> None:
    if not may(actor, capability):
        raise PermissionDenied(_("Only sales operations / admins do this."))


@transaction.atomic
def token_create(
    *, actor: User, name: str, read_only: bool = False, user: User | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user`` (the actor unless an admin creates one for a service
    user). Returns the metadata and the key, which is shown once and stored hashed."""
    user = user or actor
    if user.pk != actor.pk:
        _require(actor, "service_users.manage")
        if not ServiceUser.objects.filter(user=user).exists():
            raise ValidationError({"user": _("Admins create tokens only for service users.")})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if not may(actor, "records.change"):
        read_only = True  # executives change nothing, their tokens neither
    instance, key = AuthToken.objects.create(user=user)
    meta = ApiToken.objects.create(
        user=user,
        digest=instance.digest,
        name=name,
        token_prefix=instance.token_key,
        read_only=read_only,
        created_by=actor,
    )
    meta.knox_token = instance
    return meta, key


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.pk and not may(actor, "tokens.manage_others"):
        raise Http404
    if token.digest is not None:
        AuthToken.objects.filter(digest=token.digest).delete()
    token.digest = None
    token.revoked_at = token.revoked_at or timezone.now()
    token.save(update_fields=["digest", "revoked_at"])
    return token


#: a token's last use is recorded at most this often
LAST_USE_PRECISION = timezone.timedelta(seconds=60)


def token_mark_used(*, auth_token: AuthToken) -> None:
    """Record the use at most once a minute per token: one UPDATE, no read."""
    now = timezone.now()
    ApiToken.objects.filter(digest=auth_token.digest).exclude(
        last_used_at__gt=now - LAST_USE_PRECISION
    ).update(last_used_at=now)


@transaction.atomic
def service_user_create(
    *, actor: User, username: str, role: str, full_name: str = "", description: str = ""
) -> ServiceUser:
    _require(actor, "service_users.manage")
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("A user with that username already exists.")})
    user = kam_services.user_create(
        actor=actor, username=username, role=role, full_name=full_name or username
    )
    return ServiceUser.objects.create(user=user, description=description, created_by=actor)


def _check_kinds(kinds) -> list[str]:
    kinds = list(dict.fromkeys(kinds or []))
    unknown = [kind for kind in kinds if kind not in EventKind.values]
    if unknown or not kinds:
        raise ValidationError({"event_kinds": _("Choose one or more events.")})
    return kinds


@transaction.atomic
def subscription_create(
    *, actor: User, name: str, url: str, event_kinds, secret: str = "", is_active: bool = True
) -> WebhookSubscription:
    _require(actor, "webhooks.manage")
    subscription = WebhookSubscription(
        name=name,
        url=url,
        secret=secret or secrets.token_urlsafe(32),
        event_kinds=_check_kinds(event_kinds),
        is_active=is_active,
        created_by=actor,
    )
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def subscription_update(
    *, actor: User, subscription: WebhookSubscription, **fields
) -> WebhookSubscription:
    _require(actor, "webhooks.manage")
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    for key in ("name", "url", "is_active"):
        if key in fields:
            setattr(subscription, key, fields[key])
    if fields.get("secret"):
        subscription.secret = fields["secret"]
    if "event_kinds" in fields:
        subscription.event_kinds = _check_kinds(fields["event_kinds"])
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def delivery_redeliver(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send again, from the first attempt: the receiver gets the same event id."""
    _require(actor, "webhooks.manage")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    from integrations.tasks import webhook_deliveries_send

    enqueue_on_commit(webhook_deliveries_send)  # logged, not raised, with the broker down
    delivery.refresh_from_db()
    return delivery
