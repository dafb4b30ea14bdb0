from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication

from kam.api import schema  # noqa: F401 - registers the schema corrections


class TokenAuthentication(KnoxTokenAuthentication):
    """`Authorization: Token <key>`; keys are stored hashed and can be revoked.

    ``request.auth.read_only`` says whether the token may only read (refused by
    ``RoleWritePermission`` on writes); the last use is recorded (once a minute).
    """

    def validate_user(self, auth_token):
        user, auth_token = super().validate_user(auth_token)
        from integrations.models import ApiToken
        from integrations.services import token_mark_used

        meta = ApiToken.objects.filter(digest=auth_token.digest).values("read_only").first()
        auth_token.read_only = bool(meta and meta["read_only"])
        if meta is not None:
            token_mark_used(auth_token=auth_token)
        return user, auth_token


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "kam.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token-based authentication: `Token <key>`",
        }
