"""A Redis cache that a stopped Redis cannot take down.

The cache only ever holds what can be recomputed (API throttle counters, cached
fragments). With Redis unreachable, reads miss, writes are dropped and a warning is
logged, so pages, writes and the API keep working (like django-redis'
``IGNORE_EXCEPTIONS``). The connection and socket timeouts in ``OPTIONS`` keep each
failed call short.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


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
