"""API tokens as credentials: the authentication class named in REST_FRAMEWORK's settings."""

import binascii
from hmac import compare_digest

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from integrations.models import ApiToken
from integrations.services import LAST_USE_PRECISION, token_mark_used
from kam.api import schema  # noqa: F401 - registers the schema corrections


class TokenAuthentication(KnoxTokenAuthentication):
    """`Authorization: Token <key>`; keys are stored hashed and can be revoked.

    ``request.auth.read_only`` says whether the token may only read (refused by
    ``CapabilityPermission`` on writes); the last use is recorded (once a minute).

    One statement per request: the token, its user and what ``ApiToken`` knows of it
    (read-only, last use) are read together, and the last use is written only when the
    one on record is more than a minute old. Knox's own check reads every token of the
    user on each request, to delete expired ones; here only the token presented is
    checked, and refused and deleted when it has expired.
    """

    def authenticate_credentials(self, token):
        message = _("Invalid token.")
        try:
            token = token.decode("utf-8")
            digest = hash_token(token)
        except (TypeError, binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
            raise exceptions.AuthenticationFailed(message) from None
        meta = ApiToken.objects.filter(digest=OuterRef("digest"))
        candidates = (
            get_token_model()
            .objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH])
            .select_related("user")
            .annotate(
                meta_read_only=Subquery(meta.values("read_only")[:1]),
                meta_last_used_at=Subquery(meta.values("last_used_at")[:1]),
                meta_pk=Subquery(meta.values("pk")[:1]),
            )
        )
        for auth_token in candidates:
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                username = auth_token.user.get_username()
                auth_token.delete()
                token_expired.send(sender=self.__class__, username=username, source="auth_token")
                break
            if knox_settings.AUTO_REFRESH and auth_token.expiry:
                self.renew_token(auth_token)
            return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)

    def validate_user(self, auth_token):
        user, auth_token = super().validate_user(auth_token)
        auth_token.read_only = bool(auth_token.meta_read_only)
        last_used_at = auth_token.meta_last_used_at
        if auth_token.meta_pk is not None and (
            last_used_at is None or last_used_at <= timezone.now() - LAST_USE_PRECISION
        ):
            token_mark_used(auth_token=auth_token)
        return user, auth_token


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token-based authentication: `Token <key>`",
        }
