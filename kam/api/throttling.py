"""Throttling per token and per user (Redis cache): 429 with Retry-After.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (scopes ``token`` and
``user``), read on each request so settings overrides apply.

Each budget is a sliding window of the requests let in, checked and recorded in one
atomic Redis step (``FailSafeRedisCache.sliding_window``). DRF's own throttles read the
whole history of the window and write it back: two round trips and up to a rate's worth
of times unpickled and pickled per request, and two requests at the same moment could
both take the last place.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class _SlidingWindowMixin:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None or not hasattr(self.cache, "sliding_window"):
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        allowed, self._wait = self.cache.sliding_window(
            self.key, now=self.timer(), length=self.duration, limit=self.num_requests
        )
        return allowed

    def wait(self):
        if hasattr(self, "_wait"):
            return self._wait
        return super().wait()


class PerUserRateThrottle(_SlidingWindowMixin, UserRateThrottle):
    scope = "user"


class PerTokenRateThrottle(_SlidingWindowMixin, SimpleRateThrottle):
    """Each API token has its own budget, whatever other tokens of its user spend."""

    scope = "token"

    def get_cache_key(self, request, view):
        digest = getattr(request.auth, "digest", None)
        if not digest:
            return None
        return self.cache_format % {"scope": self.scope, "ident": digest[:32]}
