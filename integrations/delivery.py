"""Sending webhook deliveries: signed JSON POSTs, retries with exponential backoff and
a log of every attempt's outcome on the delivery row."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from integrations.choices import DeliveryStatus
from integrations.models import WebhookDelivery

SIGNATURE_HEADER = "X-KAM-Signature"
LEASE = timedelta(minutes=5)


def max_attempts() -> int:
    return getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 6)


def retry_base_seconds() -> float:
    return getattr(settings, "WEBHOOK_RETRY_BASE_SECONDS", 30)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … after the 1st, 2nd, 3rd … failure."""
    return timedelta(seconds=retry_base_seconds() * (2 ** max(attempts - 1, 0)))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>``."""
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does (the README shows the same in a few lines)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected, header)


def body_of(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    document = {
        "id": event.pk,
        "type": event.kind,
        "created_at": event.created_at,
        "account": event.account_id,
        "data": event.payload,
    }
    return json.dumps(document, cls=DjangoJSONEncoder, sort_keys=True).encode()


@dataclass
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""


def post(delivery: WebhookDelivery) -> Outcome:
    body = body_of(delivery)
    subscription = delivery.subscription
    if not subscription.url.lower().startswith(("http://", "https://")):
        return Outcome(ok=False, error="only http and https URLs are delivered to")
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "KAM-Webhooks/1",
            "X-KAM-Event": delivery.event.kind,
            "X-KAM-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: sign(subscription.secret, int(time.time()), body),
        },
    )
    timeout = getattr(settings, "WEBHOOK_HTTP_TIMEOUT", 10)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Outcome(ok=200 <= response.status < 300, status_code=response.status)
    except urllib.error.HTTPError as error:
        return Outcome(ok=False, status_code=error.code, error=f"HTTP {error.code}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        return Outcome(ok=False, error=str(getattr(error, "reason", error))[:1000])


def claim(limit: int = 100) -> list[int]:
    """Lease due deliveries to this run (a dead worker's lease simply expires)."""
    table = WebhookDelivery._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET next_attempt_at = clock_timestamp() + %s
            WHERE id IN (
                SELECT id FROM {table}
                WHERE status = %s AND next_attempt_at <= clock_timestamp()
                ORDER BY next_attempt_at, id
                LIMIT %s
                FOR UPDATE SKIP LOCKED
            )
            RETURNING id
            """,  # noqa: S608
            [LEASE, DeliveryStatus.PENDING, limit],
        )
        return sorted(row[0] for row in cursor.fetchall())


def record(delivery: WebhookDelivery, outcome: Outcome) -> WebhookDelivery:
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = outcome.status_code
    if outcome.ok:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
    else:
        delivery.last_error = outcome.error or f"HTTP {outcome.status_code}"
        if delivery.attempts >= max_attempts():
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "last_status_code",
            "status",
            "delivered_at",
            "next_attempt_at",
            "last_error",
        ]
    )
    return delivery


def deliveries_send(limit: int = 100) -> list[WebhookDelivery]:
    """Send what is due; returns the deliveries attempted with their new state."""
    ids = claim(limit)
    deliveries = WebhookDelivery.objects.select_related("subscription", "event").filter(pk__in=ids)
    return [record(delivery, post(delivery)) for delivery in deliveries.order_by("pk")]
