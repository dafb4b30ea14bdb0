"""A Redis cache that a stopped Redis cannot take down.

The cache only ever holds what can be recomputed (API throttle counters, cached
fragments). With Redis unreachable, reads miss, writes are dropped and a warning is
logged, so pages, writes and the API keep working (like django-redis'
``IGNORE_EXCEPTIONS``). The connection and socket timeouts in ``OPTIONS`` keep each
failed call short.
"""

import logging
import secrets

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


def _down(operation):
    logger.warning("cache unavailable: %s skipped", operation, exc_info=True)


class FailSafeRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except DOWN:
            _down("get")
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except DOWN:
            _down("get_many")
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except DOWN:
            _down("has_key")
            return False

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except DOWN:
            _down("add")
            return False

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except DOWN:
            _down("set")

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except DOWN:
            _down("set_many")
            return list(data)

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except DOWN:
            _down("touch")
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except DOWN:
            _down("delete")
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except DOWN:
            _down("delete_many")

    def clear(self):
        try:
            return super().clear()
        except DOWN:
            _down("clear")
            return False

    def sliding_window(self, key, *, now: float, length: int, limit: int):
        """Let a request in if fewer than ``limit`` were let in under ``key`` in the last
        ``length`` seconds, and count it: one atomic round trip. Returns (let in, seconds
        until a place frees). With Redis down, every request is let in."""
        # A key of its own: a throttle's key may still hold the list DRF's throttles kept.
        key = self.make_and_validate_key(f"window:{key}")
        try:
            client = self._cache.get_client(key, write=True)
            script = client.register_script(SLIDING_WINDOW)  # hashed here, sent once
            member = f"{now:.6f}:{secrets.token_hex(4)}"
            allowed, wait = script(keys=[key], args=[now, length, limit, member])
        except DOWN:
            _down("sliding_window")
            return True, 0.0
        return bool(allowed), max(0.0, float(wait))
