"""Safe retries: a POST with an ``Idempotency-Key`` header is answered once; the same
key with the same body replays the first answer, with another body it is refused.

The key is reserved (one INSERT … ON CONFLICT DO NOTHING) in the same transaction as
the write it guards and the answer it stores: all three commit together or none does.
Two concurrent requests with one key cannot both create: the second waits for the
first and replays its answer. A server error, or a process killed mid-request, frees
the key for a retry.
"""

import hashlib
import json
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from integrations.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEEP = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class KeyInUseError(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("A request with this Idempotency-Key is still being processed.")
    default_code = "idempotency_key_in_use"


class KeyReusedError(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was used with a different request.")
    default_code = "idempotency_key_reused"


class KeyInvalidError(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The Idempotency-Key header must be 1 to 255 characters.")
    default_code = "idempotency_key_invalid"


class ReplayError(Exception):
    def __init__(self, response):
        self.response = response


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b" " + request.path.encode() + b"\n")
    digest.update(request._request.body)
    return digest.hexdigest()


def begin(request):
    """Reserve the key in the request's transaction or raise: ``ReplayError`` (the
    first answer) or 422 (the key with another request).

    Called inside the transaction that also holds the write (``ScopedViewSet.dispatch``
    opens it): the reservation commits with the write and the stored answer, or not at
    all. A concurrent request with the same key waits on the unique index until the
    first commits (then it replays its answer) or rolls back (then it does the work).
    A worker killed mid-request leaves nothing: PostgreSQL rolls its transaction back
    when the connection drops, so a retry performs the write once."""
    key = request.headers.get(HEADER, "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise KeyInvalidError
    fingerprint = _fingerprint(request)
    user = request.user
    table = IdempotencyKey._meta.db_table
    with connection.cursor() as cursor:
        # expired, or left by a server before reservations committed with the write
        cursor.execute(
            f"DELETE FROM {table} WHERE user_id = %s AND key = %s "  # noqa: S608
            "AND (created_at < %s OR completed_at IS NULL)",
            [user.pk, key, timezone.now() - KEEP],
        )
        # ON CONFLICT: a replay is no error (PostgreSQL logs none either)
        cursor.execute(
            f"""
            INSERT INTO {table} (user_id, key, method, path, body_hash, response_headers,
                                 created_at)
            VALUES (%s, %s, %s, %s, %s, '{{}}'::jsonb, now())
            ON CONFLICT (user_id, key) DO NOTHING
            RETURNING id
            """,  # noqa: S608
            [user.pk, key, request.method, request.path[:500], fingerprint],
        )
        row = cursor.fetchone()
    if row is not None:
        return IdempotencyKey(pk=row[0], user=user, key=key, body_hash=fingerprint)
    record = IdempotencyKey.objects.filter(user=user, key=key).first()
    if record is None or record.completed_at is None:  # cannot be seen committed: be safe
        raise KeyInUseError
    if record.body_hash != fingerprint:
        raise KeyReusedError
    response = Response(record.response_body, status=record.status_code)
    for name, value in record.response_headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    raise ReplayError(response)


def finish(record: IdempotencyKey, response) -> None:
    """Store the answer in the request's transaction; a server error rolls it back
    with the reservation (``ScopedViewSet.dispatch``), freeing the key."""
    if response.status_code >= 500:
        return
    body = json.loads(json.dumps(response.data, cls=JSONEncoder))
    headers = {name: response[name] for name in ("Location", "ETag") if name in response}
    IdempotencyKey.objects.filter(pk=record.pk).update(
        status_code=response.status_code,
        response_body=body,
        response_headers=headers,
        completed_at=timezone.now(),
    )
