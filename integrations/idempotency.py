"""Safe retries: a POST with an ``Idempotency-Key`` header is answered once; the same
key with the same body replays the first answer, with another body it is refused.

The key is reserved (one INSERT … ON CONFLICT DO NOTHING) before the view runs, so
two concurrent requests with one key cannot both create: the second gets 409 until
the first has finished. A server error frees the key for a retry.
"""

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
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
    """Reserve the key or raise: ``ReplayError`` (the first answer), 409, 422."""
    key = request.headers.get(HEADER, "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise KeyInvalidError
    fingerprint = _fingerprint(request)
    user = request.user
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=timezone.now() - KEEP).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=user, key=key, method=request.method, path=request.path, body_hash=fingerprint
            )
    except IntegrityError:
        pass
    record = IdempotencyKey.objects.filter(user=user, key=key).first()
    if record is None:  # expired and removed meanwhile: treat as new next time
        raise KeyInUseError
    if record.body_hash != fingerprint:
        raise KeyReusedError
    if record.completed_at is None:
        raise KeyInUseError
    response = Response(record.response_body, status=record.status_code)
    for name, value in record.response_headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    raise ReplayError(response)


def finish(record: IdempotencyKey, response) -> None:
    if response.status_code >= 500:
        record.delete()
        return
    body = json.loads(json.dumps(response.data, cls=JSONEncoder))
    headers = {name: response[name] for name in ("Location", "ETag") if name in response}
    IdempotencyKey.objects.filter(pk=record.pk).update(
        status_code=response.status_code,
        response_body=body,
        response_headers=headers,
        completed_at=timezone.now(),
    )
