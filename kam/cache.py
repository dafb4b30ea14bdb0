"""A Redis cache that a stopped Redis cannot take down.

The cache only ever holds what can be recomputed (API throttle counters, cached
fragments). With Redis unreachable, reads miss, writes are dropped and a warning is
logged, so pages, writes and the API keep working (like django-redis'
``IGNORE_EXCEPTIONS``). The connection and socket timeouts in ``OPTIONS`` keep each
failed call short, and after a failure the process leaves Redis alone for
``CACHE_RETRY_AFTER`` seconds, so a hung Redis costs a request at most one timeout.
"""

import logging
import secrets
import threading
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


#: a sliding window of requests (a sorted set of their times), checked and recorded in one
#: atomic step: KEYS[1] the window; ARGV now, length (s), limit, a unique member.
#: Returns {1, 0} when the request is let in, {0, seconds until a place frees} when not.
SLIDING_WINDOW = """
local now, length, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - length)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(length * 1000))
  return {1, '0'}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tostring(tonumber(oldest[2]) + length - now)}
"""


_state = threading.Lock()
_down_until = 0.0


def _skipping() -> bool:
    return time.monotonic() < _down_until


def _down(operation):
    """Log the failure and skip Redis in this process for ``CACHE_RETRY_AFTER`` seconds:
    a hung Redis (stopped, not refusing) then costs one socket timeout, not one per call
    (the two API throttles alone make two calls per request)."""
    global _down_until
    with _state:
        _down_until = time.monotonic() + getattr(settings, "CACHE_RETRY_AFTER", 10)
    logger.warning("cache unavailable: %s skipped", operation, exc_info=True)


class FailSafeRedisCache(RedisCache):
    def _safely(self, operation, default, call):
        if _skipping():
            return default
        try:
            return call()
        except DOWN:
            _down(operation)
            return default

    def get(self, key, default=None, version=None):
        return self._safely(
            "get", default, lambda: super(FailSafeRedisCache, self).get(key, default, version)
        )

    def get_many(self, keys, version=None):
        return self._safely(
            "get_many", {}, lambda: super(FailSafeRedisCache, self).get_many(keys, version)
        )

    def has_key(self, key, version=None):
        return self._safely(
            "has_key", False, lambda: super(FailSafeRedisCache, self).has_key(key, version)
        )

    def add(self, key, value, timeout=None, version=None):
        return self._safely(
            "add", False, lambda: super(FailSafeRedisCache, self).add(key, value, timeout, version)
        )

    def set(self, key, value, timeout=None, version=None):
        self._safely(
            "set", None, lambda: super(FailSafeRedisCache, self).set(key, value, timeout, version)
        )

    def set_many(self, data, timeout=None, version=None):
        return self._safely(
            "set_many",
            list(data),
            lambda: super(FailSafeRedisCache, self).set_many(data, timeout, version),
        )

    def touch(self, key, timeout=None, version=None):
        return self._safely(
            "touch", False, lambda: super(FailSafeRedisCache, self).touch(key, timeout, version)
        )

    def delete(self, key, version=None):
        return self._safely(
            "delete", False, lambda: super(FailSafeRedisCache, self).delete(key, version)
        )

    def delete_many(self, keys, version=None):
        self._safely(
            "delete_many", None, lambda: super(FailSafeRedisCache, self).delete_many(keys, version)
        )

    def clear(self):
        return self._safely("clear", False, lambda: super(FailSafeRedisCache, self).clear())

    def sliding_window(self, key, *, now: float, length: int, limit: int):
        """Let a request in if fewer than ``limit`` were let in under ``key`` in the last
        ``length`` seconds, and count it: one atomic round trip. Returns (let in, seconds
        until a place frees). With Redis down, every request is let in."""
        # A key of its own: a throttle's key may still hold the list DRF's throttles kept.
        key = self.make_and_validate_key(f"window:{key}")

        def check():
            client = self._cache.get_client(key, write=True)
            script = client.register_script(SLIDING_WINDOW)  # hashed here, sent once
            member = f"{now:.6f}:{secrets.token_hex(4)}"
            allowed, wait = script(keys=[key], args=[now, length, limit, member])
            return bool(allowed), max(0.0, float(wait))

        return self._safely("sliding_window", (True, 0.0), check)
