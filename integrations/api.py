"""The API's own door: a username and password exchanged for a token."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from integrations.services import token_create
from kam.api.serializers import UserSerializer


class TokenRequestSerializer(serializers.Serializer):
    # a username no user can have is refused before the sign-in is tried (and recorded)
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        style={"input_type": "password"}, trim_whitespace=False, max_length=4096
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)
    user = UserSerializer()


class TokenThrottle(AnonRateThrottle):
    rate = "20/min"


class TokenCreateView(APIView):
    """Exchange a username and password for an API token (shown once)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenResponseSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,  # the sign-in protection (django-axes) flags this request
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to sign in with the given credentials.")]}
            )
        # listed with the user's tokens in the UI, where it can be revoked
        meta, token = token_create(actor=user, name=_("Signed in with a password"))
        expiry = meta.knox_token.expiry
        body = {"token": token, "expiry": expiry, "user": UserSerializer(user).data}
        return Response(body, status=status.HTTP_201_CREATED)
