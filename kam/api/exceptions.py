"""One error shape for the whole API: application/problem+json (RFC 9457).

    {"type": "about:blank", "title": "Invalid input.", "status": 400,
     "detail": "...", "errors": {"field": ["message", ...]}}

``errors`` is present for validation failures and maps each field (or
``non_field_errors``) to its messages.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)  # keep the service's reason

    response = exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's handler500 answers with the same shape

    body = {"type": "about:blank", "status": response.status_code}
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data
        if not isinstance(errors, dict):
            errors = {"non_field_errors": errors if isinstance(errors, list) else [errors]}
        body["title"] = _("Invalid input.")
        body["detail"] = _("One or more fields are invalid.")
        body["errors"] = errors
    else:
        detail = response.data.get("detail") if isinstance(response.data, dict) else None
        body["title"] = str(detail or exc)
        body["detail"] = str(detail or exc)
        code = getattr(exc, "default_code", None)
        if code:
            body["code"] = getattr(detail, "code", None) or code
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and "Retry-After" in response:
        body["retry_after"] = response["Retry-After"]
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
