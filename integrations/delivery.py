"""Sending webhook deliveries: signed JSON POSTs, retries with exponential backoff and
a log of every attempt's outcome on the delivery row."""

import hashlib
import hmac
import json
import logging
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
log = logging.getLogger(__name__)


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
    """What a receiver does (the README shows the same in a few lines). A malformed
    header (no ``t``, a ``t`` that is not ASCII digits, characters outside ASCII) is no
    signature: False, never an exception."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    stamp = parts.get("t", "")
    if not (header.isascii() and stamp.isdigit()):
        return False
    if abs(int(time.time()) - int(stamp)) > tolerance:  # whole seconds: no float overflow
        return False
    expected = sign(secret, int(stamp), body)
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
    try:
        with urllib.request.urlopen(request, timeout=http_timeout()) as response:  # noqa: S310
            return Outcome(ok=200 <= response.status < 300, status_code=response.status)
    except urllib.error.HTTPError as error:
        return Outcome(ok=False, status_code=error.code, error=f"HTTP {error.code}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        return Outcome(ok=False, error=str(getattr(error, "reason", error))[:1000])


def http_timeout() -> float:
    return getattr(settings, "WEBHOOK_HTTP_TIMEOUT", 10)


def lease() -> timedelta:
    """How long one claimed delivery is this run's: twice its own HTTP timeout (a
    receiver may take the timeout on the connect and again on the answer) and a margin,
    so a live run always records before anyone else may claim the row again."""
    margin = getattr(settings, "WEBHOOK_LEASE_MARGIN_SECONDS", 60)
    return timedelta(seconds=2 * http_timeout() + margin)


@dataclass
class Claim:
    """One delivery leased to this run: its id, its attempts so far and the lease's end,
    which together are the compare-and-set token ``record`` checks."""

    id: int
    attempts: int
    until: object


def claim_one() -> Claim | None:
    """Lease the next due delivery to this run (one row, its own lease): a dead run's
    lease simply expires. Each delivery is claimed just before it is sent, so a run
    sending many to a slow receiver never holds the later ones past their lease."""
    table = WebhookDelivery._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET next_attempt_at = clock_timestamp() + %s
            WHERE id = (
                SELECT id FROM {table}
                WHERE status = %s AND next_attempt_at <= clock_timestamp()
                ORDER BY next_attempt_at, id
                LIMIT 1
                FOR UPDATE SKIP LOCKED
            )
            RETURNING id, attempts, next_attempt_at
            """,  # noqa: S608
            [lease(), DeliveryStatus.PENDING],
        )
        row = cursor.fetchone()
    return Claim(*row) if row else None


def claim(limit: int = 100) -> list[int]:
    """Lease up to ``limit`` due deliveries, each with its own lease (tests, tools)."""
    claims = []
    while len(claims) < limit and (one := claim_one()) is not None:
        claims.append(one)
    return sorted(c.id for c in claims)


def record(claimed: Claim, outcome: Outcome) -> WebhookDelivery | None:
    """Write the attempt's outcome to the delivery's row, only if the row is still this
    run's (compare-and-set on the lease and the attempts counted when claimed). Nothing
    is written from a stale copy: a run whose lease was taken over records nothing, and
    the run holding the row records its own outcome. Returns the row as written."""
    now = timezone.now()
    attempts = claimed.attempts + 1
    changes = {
        "attempts": attempts,
        "last_attempt_at": now,
        "last_status_code": outcome.status_code,
    }
    if outcome.ok:
        changes.update(
            status=DeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=None, last_error=""
        )
    else:
        changes["last_error"] = outcome.error or f"HTTP {outcome.status_code}"
        if attempts >= max_attempts():
            changes.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        else:
            changes["next_attempt_at"] = now + backoff(attempts)
    written = WebhookDelivery.objects.filter(
        pk=claimed.id,
        status=DeliveryStatus.PENDING,
        attempts=claimed.attempts,
        next_attempt_at=claimed.until,
    ).update(**changes)
    if not written:
        log.warning("webhook delivery %s: lease lost, outcome not recorded", claimed.id)
        return None
    return WebhookDelivery.objects.get(pk=claimed.id)


def deliveries_send(limit: int = 100) -> list[WebhookDelivery]:
    """Send what is due, one claim at a time; returns the deliveries attempted with
    their new state."""
    attempted = []
    for _ in range(limit):
        claimed = claim_one()
        if claimed is None:
            break
        delivery = WebhookDelivery.objects.select_related("subscription", "event").get(
            pk=claimed.id
        )
        written = record(claimed, post(delivery))
        if written is not None:
            attempted.append(written)
    return attempted
