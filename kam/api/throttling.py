"""Throttling per token and per user (Redis cache): 429 with Retry-After.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (scopes ``token`` and
``user``), read on each request so settings overrides apply.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class _LiveRatesMixin:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class PerUserRateThrottle(_LiveRatesMixin, UserRateThrottle):
    scope = "user"


class PerTokenRateThrottle(_LiveRatesMixin, SimpleRateThrottle):
    """Each API token has its own budget, whatever other tokens of its user spend."""

    scope = "token"

    def get_cache_key(self, request, view):
        digest = getattr(request.auth, "digest", None)
        if not digest:
            return None
        return self.cache_format % {"scope": self.scope, "ident": digest[:32]}
